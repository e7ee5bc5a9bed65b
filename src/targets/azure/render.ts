/**
 * The plan as one azure-pipelines.yml: one stage per plan job, told apart per run by the
 * root variable MLGEN_PIPELINE, which template expressions compute when the run is queued
 * from its trigger, schedule (its displayName is the schedule id) or runtime parameters.
 * The jobs that hold the deploy lock share one stage, so the lock is held for the whole chain.
 * The monitor's run holds the monitor's stage and, gated on its verdict, the retrain chain's
 * stages, whose jobs then see MLGEN_PIPELINE=retrain and MLGEN_TRAIN_MODE=drift.
 */
import { renderYamlFile, toYaml, type RenderedFile } from '../../files/index.js';
import { exprString } from '../../escape/azure.js';
import type { MonitorPlan, Plan, PlanJob } from '../../plan/index.js';
import { needsIn, TRAIN_MODES } from '../../plan/index.js';
import { changesStage } from './changes.js';
import { CHANGES_ID, checksTrainPaths, driftNeeds, drivenByDrift, print, stageCondition, type Expr } from './conditions.js';
import { headerComment } from './header.js';
import { stageId } from './ids.js';
import { agentJob, deployJobs, evenIfCancelled } from './jobs.js';
import { toDocument, toMergeable, type AzurePipeline, type Job, type RuntimeParameter, type Stage } from './model.js';
import { mergeOverrides } from './overrides.js';
import { imageRunFor } from './image-run.js';
import { cachesOf, containerFor, poolFor, Steps } from './steps.js';

export const PIPELINE_FILE = 'azure-pipelines.yml';

/** The stage of the deploy chain: every job holding the plan's deploy lock. */
export const DEPLOY_STAGE = 'deploy_chain';

export function renderAzure(plan: Plan): RenderedFile[] {
  if (plan.jobs.length === 0) return [];
  const steps = new Steps(plan);
  const stages = stagesFor(plan, steps);
  const ci = plan.pipelines.includes('ci');
  const branches = { include: ['*'] };
  const pipeline: AzurePipeline = {
    // batch: false: every push gets its own run and none is cancelled for a newer one
    // (https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/trigger#properties).
    trigger: ci ? { batch: false, branches } : 'none',
    pr: ci ? { branches } : 'none',
    schedules: plan.schedules.map((s) => ({ cron: s.cron, displayName: s.id, branches: { include: [plan.releaseBranch] }, always: true })),
    parameters: parametersFor(plan),
    variables: variablesFor(plan, steps),
    ...(plan.deployLock ? { lockBehavior: 'sequential' as const } : {}),
    stages,
  };
  return [
    renderYamlFile({
      path: PIPELINE_FILE,
      document: toMergeable(pipeline),
      overrides: plan.overrides.azure,
      merge: mergeOverrides,
      serialize: (merged) => toYaml(toDocument(merged)),
      comment: headerComment(plan, steps),
    }),
  ];
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
  if (plan.jobs.some((j) => cachesOf(j).includes('pip'))) variables.PIP_CACHE_DIR = '$(Pipeline.Workspace)/.pip';
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

/**
 * One stage per plan job, except the deploy chain. Checks on an environment (the Exclusive
 * Lock) are evaluated when a stage starts and held until it ends
 * (https://learn.microsoft.com/azure/devops/pipelines/process/approvals#exclusive-lock): one
 * stage for staging, canary and production holds the lock from staging to production, so a
 * newer run never deploys between two environments of an older one.
 */
function stagesFor(plan: Plan, steps: Steps): Stage[] {
  const stages: Stage[] = [];
  if (plan.trainChanges && plan.pipelines.includes('ci')) stages.push(changesStage(plan, steps, plan.trainChanges));
  const chain = plan.jobs.filter((j) => j.lock !== undefined && j.lock === plan.deployLock);
  const stageOf = (jobId: string) => (chain.some((j) => j.id === jobId) ? DEPLOY_STAGE : stageId(jobId));
  for (const job of inStageOrder(plan)) {
    if (chain.includes(job) && job !== chain[0]) continue;
    const pathsFilter = checksTrainPaths(plan, job);
    const inChain = chain.includes(job);
    const jobs = inChain ? chainJobs(plan, steps, chain) : [agentJob(steps, job)];
    const stageJobs = inChain ? chain : [job];
    stages.push({
      id: inChain ? DEPLOY_STAGE : stageId(job.id),
      displayName: inChain ? 'Deploy' : job.title,
      dependsOn: [...new Set([...job.needs, ...driftNeeds(plan, job)].map(stageOf)), ...(pathsFilter ? [CHANGES_ID] : [])],
      condition: stageCondition(plan, job, pathsFilter, stageOf),
      jobs: plan.monitor && stageJobs.some((j) => drivenByDrift(plan, j)) ? jobs.map((j) => asDriftRetrain(j, plan.monitor!)) : jobs,
    });
  }
  if (plan.notify) stages.push(notifyStage(plan, steps, stages.map((s) => s.id)));
  return stages;
}

/**
 * The plan's jobs in the order their stages are printed: the monitor just before the first
 * stage that waits for its verdict (a stage's dependsOn names stages before it).
 */
function inStageOrder(plan: Plan): PlanJob[] {
  const monitor = plan.monitor && plan.jobs.find((j) => j.id === plan.monitor!.job);
  if (!monitor) return plan.jobs;
  const rest = plan.jobs.filter((j) => j !== monitor);
  const first = rest.findIndex((j) => driftNeeds(plan, j).includes(monitor.id));
  return first < 0 ? plan.jobs : [...rest.slice(0, first), monitor, ...rest.slice(first)];
}

/**
 * A job of the retrain chain that the monitor's verdict gates: in the monitor's run its
 * commands see the retrain pipeline in drift mode (plan.monitor.onDrift), as a drift retrain
 * does. The run's root variables are the monitor's, so the job sets its own, inserted when the
 * run is compiled: template expressions read the variables the file defines
 * (https://learn.microsoft.com/azure/devops/pipelines/process/template-expressions#conditional-insertion).
 * Agentless jobs run no commands.
 */
function asDriftRetrain(job: Job, monitor: MonitorPlan): Job {
  if (job.kind === 'server') return job;
  const inMonitorRun = `\${{ if eq(variables['MLGEN_PIPELINE'], ${exprString('monitor')}) }}`;
  return { ...job, variables: { ...(job.variables ?? {}), [inMonitorRun]: { MLGEN_PIPELINE: monitor.onDrift.pipeline, MLGEN_TRAIN_MODE: monitor.onDrift.mode } } };
}

/** The chain's jobs, each after what it follows within the chain (the default condition: all of those succeeded). */
function chainJobs(plan: Plan, steps: Steps, chain: PlanJob[]): Job[] {
  const jobs: Job[] = [];
  const last = new Map<string, string>();
  for (const job of chain) {
    const inside = [...new Set(job.pipelines.flatMap((p) => needsIn(plan, job, p)))].filter((id) => chain.some((j) => j.id === id));
    const printed = deployJobs(steps, job, inside.map((id) => last.get(id) ?? stageId(id)));
    jobs.push(...printed);
    // What follows this job waits for the job itself, never for its rollback.
    last.set(job.id, stageId(job.id));
  }
  return jobs;
}

/**
 * Notify when any stage failed, the run was cancelled, or a stage was cancelled by its
 * timeout without cancelling the run (failed() counts only failures;
 * https://learn.microsoft.com/azure/devops/pipelines/process/expressions#job-status-functions).
 */
function notifyStage(plan: Plan, steps: Steps, after: string[]): Stage {
  const notify = plan.notify!;
  const container = containerFor(notify.runtime);
  const job: Job = {
    kind: 'job',
    id: stageId(notify.id),
    displayName: notify.title,
    // The stage decides; the job runs after a cancel too (its default succeeded() would not).
    condition: 'always()',
    pool: poolFor(notify.runtime),
    ...(container ? { container } : {}),
    timeoutInMinutes: notify.runtime.timeoutMinutes,
    variables: { ...notify.env },
    steps: evenIfCancelled([...steps.prelude(notify.runtime), ...steps.print(notify.steps, {}, imageRunFor(notify.runtime, notify.env))]),
  };
  const terms: Expr[] = ['failed()', 'canceled()', { fn: 'in', args: [exprString('Canceled'), ...after.map((id) => `dependencies.${id}.result`)] }];
  let condition: Expr = { fn: 'or', args: terms };
  if (!notify.runtime.hosted) condition = { fn: 'and', args: [condition, { fn: 'ne', args: ["variables['System.PullRequest.IsFork']", exprString('True')] }] };
  return { id: stageId(notify.id), displayName: notify.title, dependsOn: after, condition: print(condition), jobs: [job] };
}
