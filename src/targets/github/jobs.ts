/**
 * Jobs of one workflow: each plan job becomes one job with the same id (the canary becomes
 * one job per phase, plus `canary-rollback`), plus helpers named after what they serve:
 * `changes` decides whether training runs, `notify` reports a failed, timed-out or cancelled run.
 * The monitor workflow holds the monitor job, which starts the retrain workflow on drift.
 */
import { literal, template } from '../../escape/github.js';
import { jobsIn, needsIn, type CacheKind, type HelperJob, type PipelineId, type Plan, type PlanJob, type Runtime } from '../../plan/index.js';
import { changesEnv, PHASE_FAILED, RUN_FAILED, releaseCondition, SAME_REPOSITORY } from './conditions.js';
import type { Job, Permissions, Step } from './model.js';
import { GHCR } from './registry.js';
import { COMMENT_PERMISSIONS, commentsOnPullRequests, reportSteps } from './report.js';
import { checkoutStep, dispatchRetrainStep, DRIFT_STEP_ID, preludeSteps, printStep } from './steps.js';
import { workflowFile } from './workflows.js';

export const CHANGES_JOB = 'changes';
const HELPER_TIMEOUT_MINUTES = 10;

interface Context {
  plan: Plan;
  pipeline: PipelineId;
  /** Whether training waits for the `changes` job (CI with train.paths). */
  changes: boolean;
}

export function buildJobs(plan: Plan, pipeline: PipelineId, changes: boolean): Job[] {
  const context: Context = { plan, pipeline, changes };
  const jobs: Job[] = [];
  if (changes) jobs.push(changesJob(plan, pipeline));
  /** The job that finishes each plan job: itself, or the canary's last phase. */
  const finishedBy = new Map<string, string>();
  for (const job of jobsIn(plan, pipeline)) {
    const needs = needsIn(plan, job, pipeline).map((id) => finishedBy.get(id) ?? id);
    const built = buildJob(context, job, needs);
    jobs.push(...built.jobs);
    finishedBy.set(job.id, built.last);
  }
  if (plan.notify) jobs.push(notifyJob(context, plan.notify, jobs.map((j) => j.id)));
  return jobs;
}

/** Clauses joined by `&&`, each in parentheses where it has an `||`. */
function all(clauses: string[]): string | undefined {
  return clauses.length === 0 ? undefined : clauses.length === 1 ? clauses[0] : clauses.map((c) => (c.includes('||') && !c.startsWith('(') ? `(${c})` : c)).join(' && ');
}

/** Fork pull requests reach only GitHub-hosted runners (there they get no secrets: GitHub's default). */
function forkGuard(context: Context, runtime: Runtime): string[] {
  return context.pipeline === 'ci' && !runtime.hosted ? [SAME_REPOSITORY] : [];
}

/** The caches the plan gives the job (only those it uses). */
function cachesOf(job: PlanJob): CacheKind[] {
  return job.runtime.caches;
}

function buildJob(context: Context, job: PlanJob, planNeeds: string[]): { jobs: Job[]; last: string } {
  const { plan, pipeline } = context;
  const needs = [...planNeeds];
  const clauses: string[] = [];
  if (job.releaseOnly) clauses.push(releaseCondition(plan, pipeline));
  if (context.changes && decidesTraining(plan, job, pipeline)) {
    needs.push(CHANGES_JOB);
    clauses.push(`needs.${CHANGES_JOB}.outputs.train == 'true'`);
  }
  clauses.push(...forkGuard(context, job.runtime));
  const base = baseJob(job.id, job.runtime, needs, all(clauses));
  const prelude = preludeSteps(job, cachesOf(job), base.container !== undefined);
  const monitors = job.steps.some((s) => s.type === 'drift-verdict');
  const extra: Partial<Job> = {
    ...(Object.keys(job.env).length > 0 ? { env: { ...job.env } } : {}),
    ...(job.environment ? { environment: environmentOf(job.environment) } : {}),
    ...(loginsToGhcr(job) ? { permissions: GHCR_PERMISSIONS } : {}),
    ...(commentsOnPullRequests(job.report, pipeline) ? { permissions: COMMENT_PERMISSIONS } : {}),
    ...(monitors ? { outputs: { drift: template(`steps.${DRIFT_STEP_ID}.outputs.drift`) }, permissions: DISPATCH_PERMISSIONS } : {}),
  };
  const report = job.report ? reportSteps(job.report, pipeline) : [];
  // On drift the monitor starts the retrain workflow (dispatchRetrainStep says why not its jobs here).
  const onDrift = monitors && plan.monitor ? [dispatchRetrainStep(workflowFile(plan.monitor.onDrift.pipeline), plan.monitor.onDrift.mode)] : [];
  if (!job.canary) return { jobs: [{ ...base, ...extra, steps: [...prelude, ...job.steps.map(printStep), ...report, ...onDrift] }], last: job.id };

  // One job per phase, in sequence, so each shift, soak and analysis shows apart.
  const phases = job.canary.phases.map((phase, i, all_): Job => {
    const phaseJob: Job = {
      ...base,
      ...extra,
      id: phase.id,
      needs: i === 0 ? base.needs : [all_[i - 1]!.id],
      timeoutMinutes: phase.timeoutMinutes,
      env: { ...phase.env },
      steps: [...prelude, ...job.steps.map(printStep), ...phase.steps.map(printStep)],
    };
    // Every phase repeats the job's condition: each says on its own that it never runs for a pull request.
    return phaseJob;
  });
  const jobs = [...phases];
  const rollback = job.canary.rollback;
  if (rollback) {
    jobs.push({
      ...baseJob(rollback.id, job.runtime, phases.map((p) => p.id), PHASE_FAILED),
      ...extra,
      env: { ...rollback.env },
      steps: [...prelude, ...rollback.steps.map(printStep)],
    });
  }
  return { jobs, last: phases.at(-1)?.id ?? job.id };
}

/**
 * PLAN-GAP: the plan marks training and every job after it `followsTraining`; the one that
 * waits for the `changes` job is the first of them (none of its needs follows training): the
 * others are skipped with it, since a skipped need skips the job.
 */
function decidesTraining(plan: Plan, job: PlanJob, pipeline: PipelineId): boolean {
  return job.followsTraining && !needsIn(plan, job, pipeline).some((id) => plan.jobs.find((j) => j.id === id)?.followsTraining);
}

const GHCR_PERMISSIONS: Permissions = { contents: 'read', packages: 'write' };
/** The monitor starts a workflow_dispatch run of the retrain workflow: `actions: write`, on that job only. */
const DISPATCH_PERMISSIONS: Permissions = { actions: 'write', contents: 'read' };

/** The job logs in to ghcr.io with the workflow's token: only it may write packages. */
function loginsToGhcr(job: PlanJob): boolean {
  return job.steps.some((s) => s.type === 'registry-login' && s.registry === GHCR);
}

function environmentOf(environment: { name: string; url?: string }): Job['environment'] {
  return environment.url ? { name: environment.name, url: literal(environment.url) } : { name: environment.name };
}

/** A job's runner and container come from its runtime; a GPU job's container gets the GPUs. */
function baseJob(id: string, runtime: Runtime, needs: string[], condition: string | undefined): Omit<Job, 'steps'> {
  return {
    id,
    needs,
    ...(condition ? { if: condition } : {}),
    runsOn: runtime.runner.map(literal),
    ...(runtime.image ? { container: { image: literal(runtime.image), ...(runtime.gpu ? { options: '--gpus all' } : {}) } } : {}),
    timeoutMinutes: runtime.timeoutMinutes,
  };
}

/**
 * Decides whether train.paths changed with the plan's one script. A workflow skipped by
 * `on.push.paths` would leave required checks pending; a job skipped by `if:` counts as passed.
 * It runs on the host (git and the history are there, whatever the image lacks).
 */
function changesJob(plan: Plan, pipeline: PipelineId): Job {
  const { image: _image, ...runtime } = { ...plan.runtime, timeoutMinutes: HELPER_TIMEOUT_MINUTES };
  // The script is the plan's; train.paths inside it are manifest text, never an expression.
  const script = literal(plan.trainChanges!.script.trimEnd());
  const indented = script
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
  const run = [
    'train_paths_changed() {',
    indented,
    '}',
    'train=$(train_paths_changed)',
    'echo "train=$train" >> "$GITHUB_OUTPUT"',
    'echo "train.paths changed: $train"',
  ].join('\n');
  const guard = !runtime.hosted && pipeline === 'ci' ? SAME_REPOSITORY : undefined;
  return {
    ...baseJob(CHANGES_JOB, runtime, [], guard),
    outputs: { train: '${{ steps.diff.outputs.train }}' },
    steps: [checkoutStep({ 'fetch-depth': 0 }), { name: 'Compare train.paths', id: 'diff', env: changesEnv(plan), run: `${run}\n` }],
  };
}

function notifyJob(context: Context, notify: HelperJob, needs: string[]): Job {
  const base = baseJob(notify.id, notify.runtime, needs, all([RUN_FAILED, ...forkGuard(context, notify.runtime)]));
  const prelude = preludeSteps({ id: notify.id, steps: notify.steps, runtime: notify.runtime }, [], base.container !== undefined);
  return {
    ...base,
    ...(Object.keys(notify.env).length > 0 ? { env: { ...notify.env } } : {}),
    steps: [...prelude, ...notify.steps.map(printStep)],
  };
}
