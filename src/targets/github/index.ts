import type { Target } from '../types.js';

// Placeholder until the github target lands: it renders nothing.
export const githubTarget: Target = {
  id: 'github',
  displayName: 'github',
  render: () => [],
};
