/**
 * One workflow per pipeline: its triggers, the MLGEN_* variables every step sees, and its jobs.
 * Workflow inputs and dispatch payloads reach scripts only through `env:`.
 */
import type { PipelineId, Plan, TrainMode } from '../../plan/index.js';
import { TRAIN_MODES } from '../../plan/index.js';
import { exprString } from '../../escape/github.js';
import { workflowConcurrency } from './conditions.js';
import { buildJobs } from './jobs.js';
import type { Triggers, Workflow } from './model.js';

export function workflowFile(pipeline: PipelineId): string {
  return `mlgen-${pipeline}.yml`;
}

export function buildWorkflows(plan: Plan): Workflow[] {
  return plan.pipelines.map((pipeline) => buildWorkflow(plan, pipeline));
}

function buildWorkflow(plan: Plan, pipeline: PipelineId): Workflow {
  const trainPaths = plan.trainChanges !== undefined;
  const workflow: Workflow = {
    file: workflowFile(pipeline),
    pipeline,
    name: `${plan.name} ${pipeline}`,
    on: triggers(plan, pipeline),
    permissions: { contents: 'read' },
    env: variables(plan, pipeline),
    jobs: buildJobs(plan, pipeline, pipeline === 'ci' && trainPaths),
  };
  const deploys = plan.jobs.some((j) => j.pipelines.includes(pipeline) && j.lock !== undefined);
  const concurrency = workflowConcurrency(plan, pipeline, deploys);
  if (concurrency) workflow.concurrency = concurrency;
  return workflow;
}

function triggers(plan: Plan, pipeline: PipelineId): Triggers {
  switch (pipeline) {
    case 'ci':
      // Every branch (not tags): training is decided inside the run, never by path filters. A
      // push to a pull request's branch starts both events; they share one concurrency group
      // (conditions.ts), so the newer cancels the older and the work runs once.
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
    case 'monitor':
      return {
        schedules: plan.schedules.filter((s) => s.pipeline === 'monitor').map((s) => s.cron),
        workflowDispatch: {
          inputs: { model_version: { description: 'The model version to monitor', required: false, default: 'latest' } },
        },
      };
    default: {
      const unknown: never = pipeline;
      throw new Error(`unknown pipeline ${String(unknown)}`);
    }
  }
}

/** The workflow's MLGEN_* variables (the drift retrain the monitor starts has the retrain workflow's own). */
function variables(plan: Plan, pipeline: PipelineId): Record<string, string> {
  const env: Record<string, string> = {
    MLGEN_PIPELINE: pipeline,
    MLGEN_TRAIN_MODE: pipeline === 'retrain' ? `\${{ ${retrainMode(plan)} }}` : 'full',
    MLGEN_VERSION: '${{ github.sha }}',
  };
  if (plan.image) env.MLGEN_IMAGE = `${plan.image}:\${{ github.sha }}`;
  env.MLGEN_MODEL_VERSION = pipeline === 'predict' || pipeline === 'monitor' ? "${{ inputs.model_version || 'latest' }}" : 'latest';
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
