import type { Target } from '../types.js';

// Placeholder until the azure target lands: it renders nothing.
export const azureTarget: Target = {
  id: 'azure',
  displayName: 'azure',
  render: () => [],
};
