import type { Target } from '../types.js';

// Placeholder until the jenkins target lands: it renders nothing.
export const jenkinsTarget: Target = {
  id: 'jenkins',
  displayName: 'jenkins',
  render: () => [],
};
