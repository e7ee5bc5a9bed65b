import type { Target } from '../types.js';

// Placeholder until the gitlab target lands: it renders nothing.
export const gitlabTarget: Target = {
  id: 'gitlab',
  displayName: 'gitlab',
  render: () => [],
};
