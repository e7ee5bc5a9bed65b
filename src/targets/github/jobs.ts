/**
 * Jobs of one workflow: each plan job becomes one job with the same id (the canary becomes
 * one job per traffic step), plus helpers named after what they serve: `changes` decides
 * whether training runs, `canary-rollback` undoes a failed canary, `notify` reports failure.
 */
import { commandOf } from '../../plan/types.js';
import { jobsIn, needsIn, type PipelineId, type Plan, type PlanJob, type Runtime } from '../../plan/index.js';
import type { Job, Step } from './model.js';
import { checkoutStep, commandStep, preparationSteps, runtimeSteps, uploadStep } from './steps.js';
import { exprString, literal, shellWord } from './text.js';

export interface Conditions {
  /** The `if:` of jobs that run only from the release branch. */
  release: string;
  /** Whether training waits for the `changes` job (CI with train.paths). */
  changes: boolean;
}

export const CHANGES_JOB = 'changes';
export const NOTIFY_JOB = 'notify';
export const ROLLBACK_JOB = 'canary-rollback';
const HELPER_TIMEOUT_MINUTES = 10;

export function buildJobs(plan: Plan, pipeline: PipelineId, conditions: Conditions): Job[] {
  const jobs: Job[] = [];
  if (conditions.changes) jobs.push(changesJob(plan));
  /** The job that finishes each plan job: itself, or the canary's last step. */
  const finishedBy = new Map<string, string>();
  for (const job of jobsIn(plan, pipeline)) {
    const needs = needsIn(plan, job, pipeline).map((id) => finishedBy.get(id) ?? id);
    const built = buildJob(plan, job, needs, conditions);
    jobs.push(...built.jobs);
    finishedBy.set(job.id, built.last);
  }
  if (plan.notify) jobs.push(notifyJob(plan, commandOf(plan.notify), jobs.map((j) => j.id)));
  return jobs;
}

function buildJob(plan: Plan, job: PlanJob, planNeeds: string[], conditions: Conditions): { jobs: Job[]; last: string } {
  const needs = [...planNeeds];
  let condition: string | undefined;
  if (job.releaseOnly) condition = conditions.release;
  if (job.kind === 'train' && conditions.changes) {
    needs.push(CHANGES_JOB);
    condition = `needs.${CHANGES_JOB}.outputs.train == 'true'`;
  }
  const base = baseJob(job.id, job.runtime, needs, condition);
  const inContainer = base.container !== undefined;
  const setup = [checkoutStep(), ...runtimeSteps(job, inContainer), ...preparationSteps(plan, job)];
  const single = (steps: Step[], extra: Partial<Job> = {}) => ({ jobs: [{ ...base, ...extra, steps: [...setup, ...steps] }], last: job.id });
  switch (job.kind) {
    case 'check':
    case 'data-test':
    case 'predict':
      return single([commandStep(plan, 'Run', job.run)]);
    case 'train':
      return single([commandStep(plan, 'Train', job.run), ...(job.artifacts.length > 0 ? [uploadStep(job.id, job.artifacts)] : [])]);
    case 'evaluate':
      return single([...(job.fetchBaseline ? [commandStep(plan, 'Fetch baseline', job.fetchBaseline)] : []), commandStep(plan, 'Check metric gates', job.run)]);
    case 'package':
      return single(packageSteps(plan, job), job.image?.startsWith('ghcr.io/') ? { permissions: { contents: 'read', packages: 'write' } } : {});
    case 'staging':
      return single([commandStep(plan, 'Deploy', job.run), ...(job.smoke ? [commandStep(plan, 'Smoke test', job.smoke)] : [])], deployment(plan, job.environment));
    case 'production':
      // Approval is the production environment's protection rule (required reviewers): see docs/github.md.
      return single([commandStep(plan, 'Deploy', job.run)], deployment(plan, job.environment));
    case 'canary':
      return canaryJobs(plan, job, base, setup);
    default: {
      const unknown: never = job;
      throw new Error(`unknown job kind ${JSON.stringify(unknown)}`);
    }
  }
}

/** A job's runner and container come from its runtime (the plan leaves the image out where docker build runs). */
function baseJob(id: string, runtime: Runtime, needs: string[], condition: string | undefined): Omit<Job, 'steps'> {
  return {
    id,
    needs,
    ...(condition ? { if: condition } : {}),
    runsOn: runtime.runner.map(literal),
    ...(runtime.image ? { container: literal(runtime.image) } : {}),
    timeoutMinutes: runtime.timeoutMinutes,
  };
}

function deployment(plan: Plan, environment: { name: string; url?: string }): Partial<Job> {
  return {
    environment: environment.url ? { name: environment.name, url: literal(environment.url) } : { name: environment.name },
    // Deploys to one environment queue up across runs and workflows; none is cancelled midway.
    concurrency: { group: `${plan.name}-deploy-${environment.name}`, cancelInProgress: false },
    env: { MLGEN_ENVIRONMENT: environment.name },
  };
}

function packageSteps(plan: Plan, job: Extract<PlanJob, { kind: 'package' }>): Step[] {
  const steps: Step[] = [];
  if (job.login) steps.push(commandStep(plan, 'Log in to the registry', job.login));
  if (job.image) {
    if (!job.login && job.image.startsWith('ghcr.io/')) {
      steps.push({
        name: 'Log in to ghcr.io',
        run: 'printf \'%s\' "$GHCR_TOKEN" | docker login ghcr.io --username "$GITHUB_ACTOR" --password-stdin',
        env: { GHCR_TOKEN: '${{ secrets.GITHUB_TOKEN }}' },
      });
    }
    steps.push(commandStep(plan, 'Build image', literal(`docker build -f ${shellWord(job.dockerfile)} -t "$MLGEN_IMAGE" .`)));
    steps.push(commandStep(plan, 'Push image', 'docker push "$MLGEN_IMAGE"'));
  }
  if (job.register) steps.push(commandStep(plan, 'Register model', job.register));
  return steps;
}

/**
 * One job per traffic step, in sequence, so each step's shift, soak and analysis show apart;
 * a rollback job runs only when one of those steps failed (not when anything before them did).
 */
function canaryJobs(plan: Plan, job: Extract<PlanJob, { kind: 'canary' }>, base: Omit<Job, 'steps'>, setup: Step[]): { jobs: Job[]; last: string } {
  const { environment, env, concurrency } = deployment(plan, job.environment);
  const soakMinutes = Math.ceil(job.intervalSeconds / 60);
  const stepJobs: Job[] = job.trafficSteps.map((percent, i) => ({
    ...base,
    id: `${job.id}-${percent}`,
    needs: i === 0 ? base.needs : [`${job.id}-${job.trafficSteps[i - 1]}`],
    // The soak is part of the step: it must fit in the job's time.
    timeoutMinutes: base.timeoutMinutes + soakMinutes,
    environment: environment!,
    concurrency: concurrency!,
    env: { ...env, MLGEN_CANARY_PERCENT: String(percent) },
    steps: [
      ...setup,
      commandStep(plan, 'Shift traffic', job.run),
      { name: `Soak for ${job.intervalSeconds} s`, run: `sleep ${job.intervalSeconds}` },
      ...(job.analysis ? [commandStep(plan, 'Analyse', job.analysis)] : []),
    ],
  }));
  const ids = stepJobs.map((j) => j.id);
  const jobs = [...stepJobs];
  if (job.rollback) {
    const failed = ids.map((id) => `needs.${id}.result == 'failure'`).join(' || ');
    jobs.push({
      ...baseJob(ROLLBACK_JOB, job.runtime, ids, `failure() && (${failed})`),
      environment: environment!,
      env: env!,
      steps: [...setup, commandStep(plan, 'Roll back', job.rollback)],
    });
  }
  return { jobs, last: ids.at(-1)! };
}

/** Where helper jobs run: the manifest's defaults, with a short timeout. */
function helperRuntime(plan: Plan): Runtime {
  return { ...plan.runtime, timeoutMinutes: HELPER_TIMEOUT_MINUTES };
}

/**
 * Decides whether train.paths changed. A workflow skipped by `on.push.paths` would leave
 * required checks pending; a job skipped by `if:` counts as passed.
 */
function changesJob(plan: Plan): Job {
  const paths = plan.jobs.flatMap((j) => (j.kind === 'train' ? j.paths : []));
  const pathspecs = paths.map((p) => literal(shellWord(`:(glob)${p}`))).join(' ');
  const script = [
    '# Pull requests compare with the base (the merge commit\'s first parent), pushes with the previous head.',
    'case "$GITHUB_EVENT_NAME" in',
    '  pull_request) base=$(git rev-parse --verify --quiet \'HEAD^1\' || true) ;;',
    '  push) base=$BEFORE_SHA ;;',
    '  *) base= ;;',
    'esac',
    '# A manual run, a new branch or rewritten history leaves nothing to compare: train.',
    'if [ -n "$base" ] && git cat-file -e "$base^{commit}" 2>/dev/null; then',
    `  if git diff --quiet "$base" HEAD -- ${pathspecs}; then train=false; else train=true; fi`,
    'else',
    '  train=true',
    'fi',
    'echo "train=$train" >> "$GITHUB_OUTPUT"',
    'echo "train.paths changed: $train"',
  ].join('\n');
  // git history lives on the runner, not in an image that may lack git.
  const { image: _image, ...runner } = helperRuntime(plan);
  return {
    ...baseJob(CHANGES_JOB, runner, [], undefined),
    outputs: { train: '${{ steps.diff.outputs.train }}' },
    steps: [
      checkoutStep({ 'fetch-depth': 0 }),
      { name: 'Compare train.paths', id: 'diff', env: { BEFORE_SHA: '${{ github.event.before }}' }, run: `${script}\n` },
    ],
  };
}

function notifyJob(plan: Plan, command: string, needs: string[]): Job {
  const runtime = helperRuntime(plan);
  const base = baseJob(NOTIFY_JOB, runtime, needs, 'failure()');
  const python: Step[] = base.container ? [] : [{ name: 'Set up Python', uses: 'setupPython', with: { 'python-version': runtime.python } }];
  return { ...base, steps: [checkoutStep(), ...python, commandStep(plan, 'Notify', command)] };
}

/** `github.ref == 'refs/heads/<branch>'`. */
export function onBranch(branch: string): string {
  return `github.ref == ${exprString(`refs/heads/${branch}`)}`;
}
