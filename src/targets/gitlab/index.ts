/**
 * GitLab CI: the whole plan in one .gitlab-ci.yml. Pipelines are chosen by variables (see
 * rules.ts); jobs form a `needs` DAG drawn in stages; the manifest's gitlab overrides are
 * deep-merged into the document last.
 */
import { commandOf } from '../../plan/types.js';
import { deepMerge, toYaml, type RenderedFile } from '../../files/index.js';
import type { ExternalEvent, PipelineId, Plan, Schedule, TrainMode } from '../../plan/index.js';
import { TRAIN_MODES } from '../../plan/index.js';
import type { Target } from '../types.js';
import { JobBuilder, runnerTags, STAGE_OF } from './jobs.js';
import type { GitLabCi, Job, PipelineVariable } from './model.js';
import { onFailureRules, workflowRules } from './rules.js';

export const GITLAB_CI_PATH = '.gitlab-ci.yml';

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

const STAGE_ORDER = ['test', 'train', 'evaluate', 'package', 'staging', 'canary', 'production', 'predict'];

function pipelineVariables(plan: Plan): GitLabCi['variables'] {
  const pipeline: PipelineVariable = {
    value: plan.pipelines.includes('ci') ? 'ci' : plan.pipelines[0]!,
    options: [...plan.pipelines],
    description: 'The mlgen pipeline to run. Schedules and triggers set it; pick one for a manual run.',
  };
  const mode: PipelineVariable = plan.pipelines.includes('retrain')
    ? { value: 'full', options: [...TRAIN_MODES], description: 'How the retrain pipeline trains.' }
    : { value: 'full', description: 'How training runs.' };
  const variables: GitLabCi['variables'] = {
    MLGEN_PIPELINE: pipeline,
    MLGEN_TRAIN_MODE: mode,
    MLGEN_MODEL_VERSION: { value: 'latest', description: 'The model version batch prediction uses.' },
    MLGEN_VERSION: '$CI_COMMIT_SHA',
  };
  if (plan.image) variables.MLGEN_IMAGE = `${plan.image}:$CI_COMMIT_SHA`;
  // GitLab caches only paths inside the project directory.
  if (plan.jobs.some((j) => j.setup.caches.includes('pip'))) variables.PIP_CACHE_DIR = '$CI_PROJECT_DIR/.cache/pip';
  return variables;
}

export function buildGitLabCi(plan: Plan): GitLabCi {
  const builder = new JobBuilder(plan);
  for (const job of plan.jobs) builder.add(job);
  const jobs = builder.jobs;
  if (plan.notify) {
    // `.post` runs after every other stage; `on_failure` only when one of them failed.
    const { runtime } = plan;
    const tags = runnerTags(runtime.runner);
    jobs.set('notify', {
      stage: '.post',
      image: runtime.image ?? `python:${runtime.python}`,
      ...(tags.length > 0 ? { tags } : {}),
      rules: onFailureRules,
      timeout: '10m',
      script: [commandOf(plan.notify)],
    });
  }
  const used = new Set(plan.jobs.map((j) => STAGE_OF[j.kind]));
  return {
    workflow: { rules: workflowRules(plan) },
    variables: pipelineVariables(plan),
    stages: STAGE_ORDER.filter((s) => used.has(s)),
    jobs,
  };
}

/** The order a reader expects: where and when a job runs, then what it does, then what it keeps. */
const JOB_KEYS: readonly (keyof Job)[] = [
  'stage',
  'image',
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
];

function ordered(job: Job): Partial<Job> {
  return Object.fromEntries(JOB_KEYS.filter((key) => job[key] !== undefined).map((key) => [key, job[key]]));
}

/** The document as GitLab reads it: jobs are top-level keys after the global ones. */
function toDocument(ci: GitLabCi): Record<string, unknown> {
  const jobs = [...ci.jobs].map(([name, job]) => [name, ordered(job)]);
  return { workflow: ci.workflow, variables: ci.variables, stages: ci.stages, ...Object.fromEntries(jobs) };
}

export function renderGitLab(plan: Plan): RenderedFile[] {
  if (plan.jobs.length === 0) return [];
  const document = deepMerge(toDocument(buildGitLabCi(plan)), plan.overrides.gitlab ?? {});
  return [{ path: GITLAB_CI_PATH, body: toYaml(document), comment: '#' }];
}

export const gitlabTarget: Target = {
  id: 'gitlab',
  displayName: 'GitLab CI',
  render: renderGitLab,
};
