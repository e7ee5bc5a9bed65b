import type { Target } from '../types.js';
import { renderAzure } from './render.js';

export const azureTarget: Target = {
  id: 'azure',
  displayName: 'Azure Pipelines',
  render: renderAzure,
};
