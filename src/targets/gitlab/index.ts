/**
 * GitLab CI: the whole plan in one .gitlab-ci.yml. Pipelines are chosen by variables (see
 * rules.ts); jobs form a `needs` DAG drawn in stages (jobs.ts prints them from the plan's
 * steps); the manifest's gitlab overrides are deep-merged into the document last, except
 * where they would remove what the rules depend on.
 */
import { deepMerge, renderYamlFile, type RenderedFile } from '../../files/index.js';
import type { ExternalEvent, PipelineId, Plan, Schedule, TrainMode } from '../../plan/index.js';
import { TRAIN_MODES } from '../../plan/index.js';
import type { Target } from '../types.js';
import { DRIFT_TRIGGER_JOB, driftTrigger, JobBuilder, runnerTags, STAGE_OF } from './jobs.js';
import { GITLAB_CI_PATH, type GitLabCi, type Job, type TriggerJob } from './model.js';
import { requirementLines } from './requirements.js';
import { onFailureRules, workflowRules } from './rules.js';
import { DRIFT_PIPELINE_PATH, printSteps } from './steps.js';
import { literalVariable } from '../../escape/gitlab.js';

export { GITLAB_CI_PATH };

/** The variables of the pipeline schedule `mlgen sync gitlab` creates for a plan schedule. */
export function scheduleVariables(schedule: Schedule): Record<string, string> {
  return { MLGEN_PIPELINE: schedule.pipeline, MLGEN_TRAIN_MODE: schedule.mode };
}

/** The variables a pipeline trigger (the trigger API) passes for an external event. */
export function triggerVariables(event: ExternalEvent): Record<string, string> {
  return { MLGEN_PIPELINE: event.pipeline, MLGEN_TRAIN_MODE: event.mode, MLGEN_EVENT: event.id };
}

/** What a person picks in "Run pipeline" for a manual run. */
export function webRunVariables(pipeline: PipelineId, mode: TrainMode): Record<string, string> {
  return { MLGEN_PIPELINE: pipeline, MLGEN_TRAIN_MODE: mode };
}

const STAGE_ORDER = ['test', 'train', 'evaluate', 'package', 'staging', 'canary', 'production', 'predict', 'monitor'];
/** The variables the rules read: an override may change their values, never remove them. */
const RULE_VARIABLES = ['MLGEN_PIPELINE', 'MLGEN_TRAIN_MODE'];

/** The variables every job has with the same value (the manifest's env): written once, at the top. */
function commonEnv(plan: Plan): Record<string, string> {
  const envs = [...plan.jobs.map((j) => j.env), ...(plan.notify ? [plan.notify.env] : [])];
  const [first, ...rest] = envs;
  return Object.fromEntries(Object.entries(first ?? {}).filter(([key, value]) => rest.every((env) => env[key] === value)));
}

function pipelineVariables(plan: Plan, common: Record<string, string>): GitLabCi['variables'] {
  const variables: GitLabCi['variables'] = {
    MLGEN_PIPELINE: {
      value: plan.pipelines.includes('ci') ? 'ci' : plan.pipelines[0]!,
      options: [...plan.pipelines],
      description: 'The mlgen pipeline to run. Schedules and triggers set it; pick one for a manual run.',
    },
    MLGEN_TRAIN_MODE: plan.pipelines.includes('retrain')
      ? { value: 'full', options: [...TRAIN_MODES], description: 'How the retrain pipeline trains.' }
      : { value: 'full', description: 'How training runs.' },
    MLGEN_MODEL_VERSION: { value: 'latest', description: 'The model version batch prediction uses.' },
    MLGEN_VERSION: '$CI_COMMIT_SHA',
  };
  if (plan.image) variables.MLGEN_IMAGE = `${plan.image}:$CI_COMMIT_SHA`;
  // GitLab caches only paths inside the project directory.
  variables.PIP_CACHE_DIR = '$CI_PROJECT_DIR/.cache/pip';
  for (const [key, value] of Object.entries(common)) variables[key] = literalVariable(value);
  return variables;
}

function notifyJob(plan: Plan, common: Record<string, string>): Job | undefined {
  const notify = plan.notify;
  if (!notify) return undefined;
  const { runtime } = notify;
  const tags = runnerTags(runtime.runner);
  const printed = printSteps(notify.steps);
  const others = plan.secrets.filter((name) => !notify.secrets.includes(name));
  const variables = Object.fromEntries(Object.entries(notify.env).filter(([key, value]) => common[key] !== value).map(([key, value]) => [key, literalVariable(value)]));
  return {
    // `.post` runs after every other stage; `on_failure` only when one of them failed (a timeout is a failure).
    stage: '.post',
    image: runtime.image ?? `python:${runtime.python}`,
    ...(tags.length > 0 ? { tags } : {}),
    rules: onFailureRules,
    timeout: `${runtime.timeoutMinutes}m`,
    ...(Object.keys(variables).length > 0 ? { variables } : {}),
    script: [...(others.length > 0 ? [`unset ${others.join(' ')}`] : []), ...printed.script],
  };
}

export function buildGitLabCi(plan: Plan): GitLabCi {
  const common = commonEnv(plan);
  const builder = new JobBuilder(plan, common);
  for (const job of plan.jobs) builder.add(job);
  const jobs: GitLabCi['jobs'] = new Map(builder.jobs);
  const trigger = driftTrigger(plan, DRIFT_PIPELINE_PATH);
  if (trigger) jobs.set(DRIFT_TRIGGER_JOB, trigger);
  const notify = notifyJob(plan, common);
  if (notify) jobs.set('notify', notify);
  const used = new Set(plan.jobs.map((j) => STAGE_OF[j.kind]));
  return {
    workflow: { rules: workflowRules(plan) },
    variables: pipelineVariables(plan, common),
    stages: STAGE_ORDER.filter((s) => used.has(s)),
    jobs,
  };
}

/** The order a reader expects: where and when a job runs, then what it does, then what it keeps. */
const JOB_KEYS: readonly (keyof Job | keyof TriggerJob)[] = [
  'stage',
  'image',
  'services',
  'tags',
  'needs',
  'rules',
  'timeout',
  'resource_group',
  'environment',
  'manual_confirmation',
  'variables',
  'cache',
  'script',
  'artifacts',
  'trigger',
];

function ordered(job: Job | TriggerJob): Record<string, unknown> {
  const fields = job as unknown as Record<string, unknown>;
  return Object.fromEntries(JOB_KEYS.filter((key) => fields[key] !== undefined).map((key) => [key, fields[key]]));
}

/** The document as GitLab reads it: jobs are top-level keys after the global ones. */
function toDocument(ci: GitLabCi): Record<string, unknown> {
  const jobs = [...ci.jobs].map(([name, job]) => [name, ordered(job)]);
  return { workflow: ci.workflow, variables: ci.variables, stages: ci.stages, ...Object.fromEntries(jobs) };
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Overrides merge by name (a mapping key by key); they may change anything but what selects
 * jobs: `workflow:rules` and the MLGEN_PIPELINE / MLGEN_TRAIN_MODE variables. Without those
 * every rule is false and the pipeline runs nothing, green, so they are put back.
 */
export function mergeOverrides(document: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged = deepMerge(document, overrides);
  const variables = isMapping(merged.variables) ? { ...merged.variables } : {};
  const generated = document.variables as Record<string, unknown>;
  for (const key of RULE_VARIABLES) if (variables[key] === undefined || variables[key] === null) variables[key] = generated[key];
  const workflow = isMapping(merged.workflow) && Array.isArray(merged.workflow.rules) ? merged.workflow : document.workflow;
  return { ...merged, workflow, variables };
}

export function renderGitLab(plan: Plan): RenderedFile[] {
  if (plan.jobs.length === 0) return [];
  const ci = buildGitLabCi(plan);
  const comment = requirementLines(plan, ci.jobs).map((line) => `# ${line}`.trimEnd()).join('\n');
  return [renderYamlFile({ path: GITLAB_CI_PATH, document: toDocument(ci), overrides: plan.overrides.gitlab, merge: mergeOverrides, comment: `${comment}\n` })];
}

export const gitlabTarget: Target = {
  id: 'gitlab',
  displayName: 'GitLab CI',
  render: renderGitLab,
};
