/**
 * The plan as one azure-pipelines.yml: one stage per plan job, told apart per run by the
 * root variable MLGEN_PIPELINE, which template expressions compute when the run is queued
 * from its trigger, schedule (its displayName is the schedule id) or runtime parameters.
 */
import { commandOf } from '../../plan/types.js';
import { deepMerge, toYaml, type RenderedFile } from '../../files/index.js';
import type { Plan, PlanJob, TrainMode } from '../../plan/index.js';
import { TRAIN_MODES } from '../../plan/index.js';
import { CHANGES_ID, CHANGES_OUTPUT, CHANGES_STEP, checksTrainPaths, isChangeEvent, pipelineIs, print, stageCondition } from './conditions.js';
import { exprString, shellWord } from './escape.js';
import { stageId } from './ids.js';
import { toDocument, toMergeable, type AzurePipeline, type Job, type RuntimeParameter, type Stage, type Step } from './model.js';
import { poolFor, Steps } from './steps.js';

export const PIPELINE_FILE = 'azure-pipelines.yml';

/** How long a production approval may wait: three days, then the job times out and production does not run. */
const APPROVAL_MINUTES = 4320;

export function renderAzure(plan: Plan): RenderedFile[] {
  if (plan.jobs.length === 0) return [];
  const steps = new Steps(plan);
  const stages = stagesFor(plan, steps);
  const ci = plan.pipelines.includes('ci');
  const branches = { branches: { include: ['*'] } };
  const pipeline: AzurePipeline = {
    trigger: ci ? branches : 'none',
    pr: ci ? branches : 'none',
    schedules: plan.schedules.map((s) => ({ cron: s.cron, displayName: s.id, branches: { include: [plan.releaseBranch] }, always: true })),
    parameters: parametersFor(plan),
    variables: variablesFor(plan, steps),
    stages,
  };
  const document = toDocument(deepMerge(toMergeable(pipeline), plan.overrides.azure ?? {}));
  return [{ path: PIPELINE_FILE, body: toYaml(document), comment: '#' }];
}

/** Runtime parameters: what a manual run or an API call chooses. */
function parametersFor(plan: Plan): RuntimeParameter[] {
  const parameters: RuntimeParameter[] = [];
  if (plan.pipelines.length > 1) {
    parameters.push({ name: 'pipeline', displayName: 'Pipeline', type: 'string', default: plan.pipelines[0] ?? 'ci', values: [...plan.pipelines] });
  }
  if (plan.pipelines.includes('retrain')) {
    parameters.push({ name: 'mode', displayName: 'Training mode', type: 'string', default: 'full', values: [...TRAIN_MODES] });
  }
  parameters.push({ name: 'modelVersion', displayName: 'Model version', type: 'string', default: 'latest' });
  if (plan.events.length > 0) {
    parameters.push({ name: 'event', displayName: 'External event', type: 'string', default: 'none', values: ['none', ...plan.events.map((e) => e.id)] });
  }
  return parameters;
}

/**
 * Root variables. Every variable reaches scripts as an environment variable of the same name.
 * MLGEN_PIPELINE and MLGEN_TRAIN_MODE are chosen when the run is compiled: an external event
 * (the `event` parameter of an API call), else a manual run's parameters, else the schedule
 * that fired, else ci (push and pull request).
 */
function variablesFor(plan: Plan, steps: Steps): AzurePipeline['variables'] {
  const variables: AzurePipeline['variables'] = {
    MLGEN_VERSION: '$(Build.SourceVersion)',
    MLGEN_MODEL_VERSION: '${{ parameters.modelVersion }}',
  };
  if (plan.image) variables.MLGEN_IMAGE = `${plan.image}:$(Build.SourceVersion)`;
  if (plan.jobs.some((j) => j.setup.caches.includes('pip'))) variables.PIP_CACHE_DIR = '$(Pipeline.Workspace)/.pip';
  Object.assign(variables, steps.dollarParenVariable());

  const cases: [string, Record<string, string>][] = [];
  for (const event of plan.events) {
    cases.push([`eq(parameters.event, ${exprString(event.id)})`, { MLGEN_PIPELINE: event.pipeline, MLGEN_TRAIN_MODE: event.mode }]);
  }
  cases.push([
    `eq(variables['Build.Reason'], 'Manual')`,
    {
      MLGEN_PIPELINE: plan.pipelines.length > 1 ? '${{ parameters.pipeline }}' : (plan.pipelines[0] ?? 'ci'),
      MLGEN_TRAIN_MODE: plan.pipelines.includes('retrain') ? '${{ parameters.mode }}' : 'full',
    },
  ]);
  for (const schedule of plan.schedules) {
    cases.push([`eq(variables['Build.CronSchedule.DisplayName'], ${exprString(schedule.id)})`, { MLGEN_PIPELINE: schedule.pipeline, MLGEN_TRAIN_MODE: schedule.mode }]);
  }
  const fallback = { MLGEN_PIPELINE: 'ci', MLGEN_TRAIN_MODE: 'full' };
  if (cases.every(([, values]) => values.MLGEN_PIPELINE === fallback.MLGEN_PIPELINE && values.MLGEN_TRAIN_MODE === fallback.MLGEN_TRAIN_MODE)) {
    return { ...variables, ...fallback };
  }
  cases.forEach(([condition, values], i) => {
    variables[`\${{ ${i === 0 ? 'if' : 'elseif'} ${condition} }}`] = values;
  });
  variables['${{ else }}'] = fallback;
  return variables;
}

function stagesFor(plan: Plan, steps: Steps): Stage[] {
  const stages: Stage[] = [];
  const train = plan.jobs.find((j) => j.kind === 'train');
  if (train?.kind === 'train' && train.paths.length > 0 && train.pipelines.includes('ci')) stages.push(changesStage(plan, steps, train.paths));
  for (const job of plan.jobs) {
    const pathsFilter = checksTrainPaths(plan, job);
    stages.push({
      id: stageId(job.id),
      displayName: job.title,
      dependsOn: [...job.needs.map(stageId), ...(pathsFilter ? [CHANGES_ID] : [])],
      condition: stageCondition(plan, job, pathsFilter),
      jobs: jobsFor(plan, job, steps),
    });
  }
  if (plan.notify) stages.push(notifyStage(plan, steps, commandOf(plan.notify), stages.map((s) => s.id)));
  return stages;
}

/**
 * Azure filters paths per pipeline, not per stage: a first stage diffs the commit against
 * its first parent (the previous commit of a push; the target branch for a pull request's
 * merge commit) and publishes whether a file of train.paths changed.
 */
function changesStage(plan: Plan, steps: Steps, paths: readonly string[]): Stage {
  const pathspecs = paths.map((p) => shellWord(`:(glob)${p}`)).join(' ');
  const script = [
    'if ! git rev-parse --quiet --verify HEAD~1 >/dev/null; then',
    '  changed=true',
    `elif git diff --quiet HEAD~1 HEAD -- ${pathspecs}; then`,
    '  changed=false',
    'else',
    '  changed=true',
    'fi',
    'echo "A file of train.paths changed: $changed"',
    `echo "##vso[task.setvariable variable=${CHANGES_OUTPUT};isOutput=true]$changed"`,
  ].join('\n');
  const job: Job = {
    kind: 'job',
    id: CHANGES_ID,
    displayName: 'Detect changes to train.paths',
    pool: poolFor(plan.runtime.runner),
    timeoutInMinutes: 10,
    steps: [{ checkout: 'self', fetchDepth: 2 }, { bash: steps.protect(script), displayName: 'Diff train.paths', name: CHANGES_STEP }],
  };
  const condition = print({ fn: 'and', args: [{ fn: 'not', args: [{ fn: 'canceled', args: [] }] }, pipelineIs(['ci']), isChangeEvent()] });
  return { id: CHANGES_ID, displayName: 'Changes to train.paths', dependsOn: [], condition, jobs: [job] };
}

function notifyStage(plan: Plan, steps: Steps, command: string, after: string[]): Stage {
  const { runtime } = plan;
  const job: Job = {
    kind: 'job',
    id: 'notify',
    displayName: 'Notify failure',
    pool: poolFor(runtime.runner),
    ...(runtime.image ? { container: runtime.image } : {}),
    timeoutInMinutes: runtime.timeoutMinutes,
    steps: [{ checkout: 'self' }, ...steps.runtime(runtime), steps.command(command, 'Notify')],
  };
  return { id: 'notify', displayName: 'Notify failure', dependsOn: after, condition: 'failed()', jobs: [job] };
}

function jobsFor(plan: Plan, job: PlanJob, steps: Steps): Job[] {
  const id = stageId(job.id);
  const base = {
    id,
    displayName: job.title,
    pool: poolFor(job.runtime.runner),
    ...(job.runtime.image ? { container: job.runtime.image } : {}),
    timeoutInMinutes: job.runtime.timeoutMinutes,
  };
  switch (job.kind) {
    case 'check':
    case 'data-test':
    case 'train':
    case 'evaluate':
    case 'package':
    case 'predict':
      return [{ kind: 'job', ...base, steps: [...steps.setup(job), ...steps.ownCommands(job)] }];
    case 'staging':
      return [deployment(base, job.environment.name, { runOnce: { deploy: { steps: [...steps.deploySetup(job), ...steps.ownCommands(job)] } } })];
    case 'production': {
      const deploy = deployment(base, job.environment.name, { runOnce: { deploy: { steps: [...steps.deploySetup(job), ...steps.ownCommands(job)] } } });
      if (!job.approval) return [deploy];
      return [approvalJob(plan, `${id}_approval`), { ...deploy, dependsOn: [`${id}_approval`] }];
    }
    case 'canary': {
      const percent = { MLGEN_CANARY_PERCENT: '$(strategy.increment)' };
      const hook = (more: Step[]): { steps: Step[] } => ({ steps: [{ download: 'none' }, { checkout: 'self' }, ...steps.runtime(job.runtime), ...more] });
      const soak: Step[] = job.intervalSeconds > 0 ? [{ bash: `sleep ${job.intervalSeconds}`, displayName: `Wait ${job.intervalSeconds}s before analysis` }] : [];
      const analysis = job.analysis ? [steps.command(job.analysis, 'Canary analysis', percent)] : [];
      return [
        deployment(base, job.environment.name, {
          canary: {
            increments: [...job.trafficSteps],
            deploy: { steps: [...steps.deploySetup(job), steps.command(job.run, 'Deploy', percent)] },
            ...(soak.length + analysis.length > 0 ? { postRouteTraffic: hook([...soak, ...analysis]) } : {}),
            ...(job.rollback ? { on: { failure: hook([steps.command(job.rollback, 'Roll back')]) } } : {}),
          },
        }),
      ];
    }
    default: {
      const unknown: never = job;
      throw new Error(`unknown job kind ${JSON.stringify(unknown)}`);
    }
  }
}

type JobBase = Omit<Extract<Job, { kind: 'deployment' }>, 'kind' | 'environment' | 'strategy' | 'variables'>;

function deployment(base: JobBase, environment: string, strategy: Extract<Job, { kind: 'deployment' }>['strategy']): Job {
  return { kind: 'deployment', ...base, variables: { MLGEN_ENVIRONMENT: environment }, environment, strategy };
}

/**
 * An agentless ManualValidation job, so an approval works without setting anything up.
 * Teams that configure approvals on the production environment remove it with an override.
 */
function approvalJob(plan: Plan, id: string): Job {
  return {
    kind: 'server',
    id,
    displayName: 'Approve production',
    pool: 'server',
    timeoutInMinutes: APPROVAL_MINUTES,
    steps: [
      {
        task: 'ManualValidation@1',
        displayName: 'Wait for approval',
        inputs: { notifyUsers: '', instructions: `Deploy ${plan.name} $(Build.SourceVersion) to production?`, onTimeout: 'reject' },
      },
    ],
  };
}
