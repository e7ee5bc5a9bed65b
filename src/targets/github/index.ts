/**
 * GitHub Actions: one workflow per pipeline under .github/workflows/ (ci, predict, retrain,
 * monitor), plus .github/actionlint.yaml when the runners carry labels actionlint cannot know.
 */
import { renderYamlFile, type RenderedFile } from '../../files/index.js';
import type { Plan } from '../../plan/index.js';
import type { Target } from '../types.js';
import { applyOverrides, serializeWorkflow, workflowDocument } from './render.js';
import { preamble } from './preamble.js';
import { ACTIONLINT_CONFIG_PATH, actionlintConfig, customLabels } from './runners.js';
import { buildWorkflows } from './workflows.js';

export const WORKFLOWS_DIR = '.github/workflows';

export function renderGitHub(plan: Plan): RenderedFile[] {
  if (plan.jobs.length === 0) return [];
  const workflows = buildWorkflows(plan);
  const files: RenderedFile[] = workflows.map((workflow) =>
    renderYamlFile({
      path: `${WORKFLOWS_DIR}/${workflow.file}`,
      document: workflowDocument(workflow),
      overrides: plan.overrides.github,
      merge: applyOverrides,
      serialize: serializeWorkflow,
      comment: preamble(plan, workflow),
    }),
  );
  const labels = customLabels(workflows);
  if (labels.length > 0) files.push({ path: ACTIONLINT_CONFIG_PATH, body: actionlintConfig(labels), comment: '#' });
  return files;
}

export const githubTarget: Target = {
  id: 'github',
  displayName: 'GitHub Actions',
  render: renderGitHub,
};
