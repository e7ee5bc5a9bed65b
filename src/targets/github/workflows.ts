/**
 * One workflow per pipeline: its triggers, the MLGEN_* variables every step sees, and its jobs.
 * Workflow inputs and dispatch payloads reach scripts only through `env:`.
 */
import type { PipelineId, Plan, TrainMode } from '../../plan/index.js';
import { TRAIN_MODES } from '../../plan/index.js';
import { buildJobs, onBranch } from './jobs.js';
import type { Triggers, Workflow } from './model.js';
import { exprString } from './text.js';

export function workflowFile(pipeline: PipelineId): string {
  return `mlgen-${pipeline}.yml`;
}

export function buildWorkflows(plan: Plan): Workflow[] {
  return plan.pipelines.map((pipeline) => buildWorkflow(plan, pipeline));
}

function buildWorkflow(plan: Plan, pipeline: PipelineId): Workflow {
  const onRelease = onBranch(plan.releaseBranch);
  // Forks run their own copies of workflows; they never package or deploy.
  const notFork = '!github.event.repository.fork';
  const trainPaths = plan.jobs.some((j) => j.kind === 'train' && j.paths.length > 0);
  const release =
    pipeline === 'ci'
      ? `${onRelease} && (github.event_name == 'push' || github.event_name == 'workflow_dispatch') && ${notFork}`
      : `${onRelease} && ${notFork}`;
  const workflow: Workflow = {
    file: workflowFile(pipeline),
    name: `${plan.name} ${pipeline}`,
    on: triggers(plan, pipeline),
    permissions: { contents: 'read' },
    env: variables(plan, pipeline),
    jobs: buildJobs(plan, pipeline, { release, changes: pipeline === 'ci' && trainPaths }),
  };
  if (pipeline === 'ci') {
    // A new push to a pull request supersedes its running checks; other runs never share a group.
    workflow.concurrency = { group: '${{ github.workflow }}-${{ github.event.pull_request.number || github.run_id }}', cancelInProgress: true };
  }
  return workflow;
}

function triggers(plan: Plan, pipeline: PipelineId): Triggers {
  switch (pipeline) {
    case 'ci':
      // Every branch (not tags): training is decided inside the run, never by path filters.
      return { push: { branches: ['**'] }, pullRequest: true, workflowDispatch: { inputs: {} } };
    case 'predict':
      return {
        schedules: plan.schedules.filter((s) => s.pipeline === 'predict').map((s) => s.cron),
        workflowDispatch: {
          inputs: { model_version: { description: 'The model version to predict with', required: false, default: 'latest' } },
        },
      };
    case 'retrain': {
      const schedules = plan.schedules.filter((s) => s.pipeline === 'retrain').map((s) => s.cron);
      const types = plan.events.map((e) => e.id); // the schema refuses a repeated event name
      return {
        ...(schedules.length > 0 ? { schedules } : {}),
        ...(types.length > 0 ? { dispatchTypes: types } : {}),
        workflowDispatch: { inputs: { mode: { description: 'How to retrain', required: true, default: 'full', options: [...TRAIN_MODES] } } },
      };
    }
    default: {
      const unknown: never = pipeline;
      throw new Error(`unknown pipeline ${String(unknown)}`);
    }
  }
}

function variables(plan: Plan, pipeline: PipelineId): Record<string, string> {
  const env: Record<string, string> = {
    MLGEN_PIPELINE: pipeline,
    MLGEN_TRAIN_MODE: pipeline === 'retrain' ? `\${{ ${retrainMode(plan)} }}` : 'full',
    MLGEN_VERSION: '${{ github.sha }}',
  };
  if (plan.image) env.MLGEN_IMAGE = `${plan.image}:\${{ github.sha }}`;
  env.MLGEN_MODEL_VERSION = pipeline === 'predict' ? "${{ inputs.model_version || 'latest' }}" : 'latest';
  return env;
}

/**
 * The mode of a retrain run: the manual input, else the schedule that fired (GitHub gives its
 * cron text exactly as written), else the dispatch event type, else full.
 */
function retrainMode(plan: Plan): string {
  const choices = ["github.event_name == 'workflow_dispatch' && inputs.mode"];
  for (const s of plan.schedules.filter((s) => s.pipeline === 'retrain')) {
    choices.push(`github.event.schedule == ${exprString(s.cron)} && ${exprString(s.mode)}`);
  }
  for (const e of plan.events) {
    choices.push(`github.event_name == 'repository_dispatch' && github.event.action == ${exprString(e.id)} && ${exprString(e.mode)}`);
  }
  return [...choices, "'full'"].join(' || ');
}
