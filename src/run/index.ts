/**
 * `mlgen run`: the plan's fifth consumer. It executes the jobs an event selects, in dependency
 * order, each in a fresh checkout with only declared artifacts handed on, so what passes here
 * is what the generated pipelines run on every target.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderGateScript } from '../gate/index.js';
import { formatEvent, needsInRun, selectJobs, runFor, type Plan, type PlanEvent, type PlanJob, type Step } from '../plan/index.js';
import { runStep, runsLocally, type StepContext, type StepReport } from './execute.js';
import { RunRoot } from './workspace.js';
import { pathsChanged } from './changes.js';

export type JobState = 'passed' | 'failed' | 'skipped' | 'cancelled';

export interface JobReport {
  id: string;
  title: string;
  state: JobState;
  seconds: number;
  steps: StepReport[];
  /** Why the job failed or was skipped, in a sentence. */
  reason?: string;
}

export interface RunReport {
  event: string;
  pipeline: string;
  mode: string;
  pathsChanged: boolean;
  /** The monitor pipeline: whether the monitor reported drift (undefined: no verdict). */
  drift?: boolean;
  jobs: JobReport[];
  ok: boolean;
  /** The first job that failed. */
  failed?: string;
  /** With --keep: where the job workspaces and artifacts are. */
  workspace?: string;
}

export interface RunOptions {
  repo: string;
  plan: Plan;
  event: PlanEvent;
  /** Only these jobs (and the jobs they need). */
  only?: string[];
  deploy: boolean;
  keep: boolean;
  parallel: number;
  /** The caller's environment: secrets and MLGEN_MODEL_VERSION come from here. */
  env: NodeJS.ProcessEnv;
  onJob?: (report: JobReport | { id: string; title: string; state: 'running' }) => void;
  onOutput?: (job: string, chunk: string) => void;
}

export class RunUsageError extends Error {}

/**
 * The files mlgen generated that a run executes (the gate script) must be what the manifest
 * generates now: CI runs the committed file, so a stale one would pass here and fail there.
 */
export function staleGeneratedFiles(repo: string, plan: Plan): string[] {
  if (!plan.gate) return [];
  const gate = renderGateScript(plan.gate);
  let onDisk = '';
  try {
    onDisk = readFileSync(join(repo, gate.path), 'utf8');
  } catch {
    return [gate.path];
  }
  return onDisk.endsWith(gate.body) ? [] : [gate.path];
}

/** A handle the command keeps: `cancel()` stops running commands (Ctrl-C). */
export interface RunHandle {
  done: Promise<RunReport>;
  cancel(): void;
}

export function startRun(options: RunOptions): RunHandle {
  const running = new Set<ChildProcess>();
  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    for (const child of running) killGroup(child);
  };
  return { done: execute(options, running, () => cancelled), cancel };
}

/** The jobs to run: the event's selection, narrowed to `only` and what those need. */
export function jobsToRun(plan: Plan, event: PlanEvent, changed: boolean, only: string[] | undefined): PlanJob[] {
  const run = runFor(plan, event);
  // The retrain chain of a monitor run is selected; the monitor's verdict decides at run time.
  const selected = new Set(selectJobs(plan, event, changed, true));
  if (only && only.length > 0) {
    const unknown = only.filter((id) => !selected.has(id));
    if (unknown.length > 0) {
      throw new RunUsageError(`${unknown.map((id) => `"${id}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not run by ${formatEvent(event)}; it runs: ${[...selected].join(', ') || 'nothing'}`);
    }
    const keep = new Set<string>();
    const visit = (id: string) => {
      if (keep.has(id) || !selected.has(id)) return;
      keep.add(id);
      for (const need of needsInRun(plan, run, plan.jobs.find((j) => j.id === id)!)) visit(need);
    };
    only.forEach(visit);
    return inRunOrder(plan, run.jobs, keep);
  }
  return inRunOrder(plan, run.jobs, selected);
}

/** The jobs of `ids` in the run's order (the monitor first, then its retrain chain). */
function inRunOrder(plan: Plan, entries: readonly { id: string }[], ids: ReadonlySet<string>): PlanJob[] {
  return entries.filter((e) => ids.has(e.id)).map((e) => plan.jobs.find((j) => j.id === e.id)!);
}

/** Secrets that steps which will run need and the caller's environment lacks. */
export function missingSecrets(plan: Plan, jobs: PlanJob[], env: NodeJS.ProcessEnv, deploy: boolean): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  const check = (owner: string, steps: readonly Step[]) => {
    for (const step of steps) {
      if (step.type !== 'shell' || !runsLocally(step, deploy)) continue;
      for (const name of step.secrets) if (env[name] === undefined) missing.set(name, [...new Set([...(missing.get(name) ?? []), owner])]);
    }
  };
  for (const job of jobs) {
    check(job.id, job.steps);
    for (const phase of job.canary?.phases ?? []) check(job.id, phase.steps);
    if (job.canary?.rollback) check(job.id, job.canary.rollback.steps);
  }
  if (plan.notify) check(plan.notify.id, plan.notify.steps);
  return missing;
}

async function execute(options: RunOptions, running: Set<ChildProcess>, isCancelled: () => boolean): Promise<RunReport> {
  const { plan, event } = options;
  const run = runFor(plan, event);
  const changed = pathsChanged(options.repo, plan, event);
  const jobs = jobsToRun(plan, event, changed, options.only);
  const root = new RunRoot(options.repo);
  const secrets = new Map(plan.secrets.flatMap((name) => (options.env[name] !== undefined ? [[name, options.env[name]!] as const] : [])));
  const base = baseEnv(options, run.pipeline, run.mode);
  // The monitor run's retrain chain runs as a drift retrain would (plan MonitorPlan).
  const chainBase = run.onDrift ? { ...base, MLGEN_PIPELINE: run.onDrift.pipeline, MLGEN_TRAIN_MODE: run.onDrift.mode } : base;
  const gatedByDrift = new Set(run.jobs.filter((j) => j.ifDrift).map((j) => j.id));
  let drift: boolean | undefined;
  const reports = new Map<string, JobReport>();
  const context = (workspace: string, env: Record<string, string>, job: string): StepContext => ({
    root,
    workspace,
    env: { ...(gatedByDrift.has(job) ? chainBase : base), ...env },
    secrets,
    deploy: options.deploy,
    running,
    onOutput: (chunk) => options.onOutput?.(job, chunk),
  });

  const runJob = async (job: PlanJob): Promise<JobReport> => {
    const started = Date.now();
    options.onJob?.({ id: job.id, title: job.title, state: 'running' });
    const workspace = root.checkout(job.id);
    const steps: StepReport[] = [];
    const ctx = context(workspace, job.env, job.id);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      for (const child of running) killGroup(child);
    }, job.runtime.timeoutMinutes * 60_000);
    const runAll = async (list: readonly Step[], extraEnv: Record<string, string> = {}): Promise<boolean> => {
      Object.assign(ctx.env, extraEnv);
      for (const step of list) {
        if (isCancelled() || timedOut) return false;
        const report = await runStep(step, ctx);
        steps.push(report);
        if (report.state === 'failed') return false;
      }
      return true;
    };
    let ok = await runAll(job.steps);
    if (ok && job.canary) {
      for (const phase of job.canary.phases) {
        ok = await runAll(phase.steps, phase.env);
        if (!ok) break;
      }
      // A phase that fails, times out or is cancelled rolls back (manifest-v1, What runs when).
      const rollback = job.canary.rollback;
      if (!ok && rollback) {
        const wasTimedOut = timedOut;
        timedOut = false;
        const own = rollback.steps.filter((s) => !job.steps.includes(s));
        const before = steps.length;
        await runAll(own, rollback.env);
        for (const report of steps.slice(before)) report.label = `${report.label} (rollback)`;
        timedOut = wasTimedOut;
      }
    }
    clearTimeout(timer);
    const verdict = steps.find((s) => s.drift !== undefined);
    if (verdict) drift = verdict.drift;
    const failedStep = steps.find((s) => s.state === 'failed');
    const state: JobState = ok ? 'passed' : isCancelled() ? 'cancelled' : 'failed';
    const reason = timedOut
      ? `timed out after ${job.runtime.timeoutMinutes} min`
      : failedStep
        ? `step "${failedStep.label}" failed${failedStep.reason ? `: ${failedStep.reason}` : ''}`
        : undefined;
    return { id: job.id, title: job.title, state, seconds: (Date.now() - started) / 1000, steps, ...(reason && state !== 'passed' ? { reason } : {}) };
  };

  // Dependency order; independent jobs run side by side, `parallel` at a time.
  const pending = [...jobs];
  const active = new Map<string, Promise<void>>();
  const needsOf = (job: PlanJob) => needsInRun(plan, run, job).filter((id) => jobs.some((j) => j.id === id));
  while (pending.length > 0 || active.size > 0) {
    for (const job of [...pending]) {
      if (active.size >= Math.max(1, options.parallel)) break;
      const needs = needsOf(job);
      if (!needs.every((id) => reports.has(id))) continue;
      pending.splice(pending.indexOf(job), 1);
      const blocked = needs.find((id) => reports.get(id)!.state !== 'passed');
      const noDrift = gatedByDrift.has(job.id) && drift === false;
      if (blocked || isCancelled() || noDrift) {
        const reason = isCancelled() ? 'the run was cancelled' : noDrift ? 'the monitor reported no drift' : `${blocked} did not pass`;
        const report: JobReport = { id: job.id, title: job.title, state: 'skipped', seconds: 0, steps: [], reason };
        reports.set(job.id, report);
        options.onJob?.(report);
        continue;
      }
      const task = runJob(job).then((report) => {
        reports.set(job.id, report);
        active.delete(job.id);
        options.onJob?.(report);
      });
      active.set(job.id, task);
    }
    if (active.size > 0) await Promise.race(active.values());
    else if (pending.length > 0 && pending.every((job) => !needsOf(job).every((id) => reports.has(id)))) break; // unreachable: the plan is ordered
  }

  const ordered = jobs.map((j) => reports.get(j.id)!).filter(Boolean);
  const failed = ordered.find((r) => r.state === 'failed' || r.state === 'cancelled');
  if (failed && plan.notify) {
    const notify = plan.notify;
    const started = Date.now();
    const workspace = root.checkout(notify.id);
    const ctx = context(workspace, notify.env, notify.id);
    const steps: StepReport[] = [];
    for (const step of notify.steps) {
      const report = await runStep(step, ctx);
      steps.push(report);
      if (report.state === 'failed') break;
    }
    const report: JobReport = { id: notify.id, title: notify.title, state: steps.some((s) => s.state === 'failed') ? 'failed' : 'passed', seconds: (Date.now() - started) / 1000, steps };
    ordered.push(report);
    options.onJob?.(report);
  }
  if (!options.keep) root.remove();
  return {
    event: formatEvent(event),
    pipeline: run.pipeline,
    mode: run.mode,
    pathsChanged: changed,
    ...(drift !== undefined ? { drift } : {}),
    jobs: ordered,
    ok: failed === undefined,
    ...(failed ? { failed: failed.id } : {}),
    ...(options.keep ? { workspace: root.dir } : {}),
  };
}

/** The caller's environment without any declared secret, plus the runtime variables of manifest-v1. */
function baseEnv(options: RunOptions, pipeline: string, mode: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...options.env };
  for (const name of options.plan.secrets) delete env[name];
  const version = commitOf(options.repo);
  env.MLGEN_PIPELINE = pipeline;
  env.MLGEN_TRAIN_MODE = mode;
  env.MLGEN_VERSION = version;
  env.MLGEN_MODEL_VERSION = options.env.MLGEN_MODEL_VERSION ?? 'latest';
  if (options.plan.image) env.MLGEN_IMAGE = `${options.plan.image}:${version}`;
  else delete env.MLGEN_IMAGE;
  delete env.MLGEN_ENVIRONMENT;
  delete env.MLGEN_CANARY_PERCENT;
  return env;
}

function commitOf(repo: string): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'local';
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}
