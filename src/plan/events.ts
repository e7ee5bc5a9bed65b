/**
 * Events: what starts a run, and which of the plan's jobs that run holds. This is the
 * manifest's "What runs when" table in code; every target must agree with `runFor`.
 */
import type { EventRun, PipelineId, Plan, PlanEvent, PlanJob, TrainMode } from './types.js';
import { PIPELINES } from './types.js';
import { TRAIN_MODES } from '../manifest/index.js';

export function jobsIn(plan: Plan, pipeline: PipelineId): PlanJob[] {
  return plan.jobs.filter((j) => j.pipelines.includes(pipeline));
}

/** The jobs `job` waits for within one pipeline (a need outside the pipeline simply is not there). */
export function needsIn(plan: Plan, job: PlanJob, pipeline: PipelineId): string[] {
  const present = new Set(jobsIn(plan, pipeline).map((j) => j.id));
  return job.needs.filter((id) => present.has(id));
}

/**
 * The jobs `job` waits for in one event's run. In the monitor pipeline the retrain chain keeps
 * its own order, and its first jobs wait for the monitor (whose verdict gates them).
 */
export function needsInRun(plan: Plan, run: EventRun, job: PlanJob): string[] {
  const entry = run.jobs.find((j) => j.id === job.id);
  if (!entry?.ifDrift || !run.onDrift || !plan.monitor) return needsIn(plan, job, run.pipeline);
  const chained = needsIn(plan, job, run.onDrift.pipeline);
  return chained.length > 0 ? chained : [plan.monitor.job];
}

export function jobById(plan: Plan, id: string): PlanJob {
  const job = plan.jobs.find((j) => j.id === id);
  if (!job) throw new Error(`no job "${id}" in the plan`);
  return job;
}

/** Every event the plan reacts to, for listings and conformance tests. */
export function eventsOf(plan: Plan): PlanEvent[] {
  const events: PlanEvent[] = [];
  if (plan.pipelines.includes('ci')) {
    events.push({ kind: 'pull-request' }, { kind: 'push', branch: plan.releaseBranch }, { kind: 'push', branch: otherBranch(plan) });
  }
  for (const s of plan.schedules) events.push({ kind: 'schedule', schedule: s.id });
  for (const e of plan.events) events.push({ kind: 'external', event: e.id });
  for (const pipeline of plan.pipelines) {
    if (pipeline === 'retrain') for (const mode of TRAIN_MODES) events.push({ kind: 'manual', pipeline, mode });
    else events.push({ kind: 'manual', pipeline, mode: 'full' });
  }
  return events;
}

function otherBranch(plan: Plan): string {
  return plan.releaseBranch === 'feature' ? 'feature-2' : 'feature';
}

/** Which jobs run for an event, in order, and under which condition. */
export function runFor(plan: Plan, event: PlanEvent): EventRun {
  switch (event.kind) {
    case 'pull-request':
      return ciRun(plan, event, false, true);
    case 'push':
      return ciRun(plan, event, event.branch === plan.releaseBranch, true);
    case 'schedule': {
      const schedule = plan.schedules.find((s) => s.id === event.schedule);
      if (!schedule) throw new UnknownEventError(`no schedule "${event.schedule}"`, plan.schedules.map((s) => `schedule:${s.id}`));
      return pipelineRun(plan, event, schedule.pipeline, schedule.mode);
    }
    case 'external': {
      const found = plan.events.find((e) => e.id === event.event);
      if (!found) throw new UnknownEventError(`no event "${event.event}"`, plan.events.map((e) => `event:${e.id}`));
      return pipelineRun(plan, event, found.pipeline, found.mode);
    }
    case 'manual':
      if (!plan.pipelines.includes(event.pipeline)) {
        throw new UnknownEventError(`no pipeline "${event.pipeline}"`, plan.pipelines.map((p) => `manual:${p}`));
      }
      // A manual run has no change set to compare: training always runs. It runs on the release branch.
      if (event.pipeline === 'ci') return ciRun(plan, event, true, false);
      return pipelineRun(plan, event, event.pipeline, event.mode);
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

function ciRun(plan: Plan, event: PlanEvent, onRelease: boolean, pathsMatter: boolean): EventRun {
  const trainPaths = plan.trainChanges !== undefined;
  const jobs = jobsIn(plan, 'ci')
    .filter((j) => onRelease || !j.releaseOnly)
    .map((j) => ({
      id: j.id,
      ifPathsChanged: pathsMatter && trainPaths && j.followsTraining,
      approval: j.approval !== undefined,
      ifDrift: false,
    }));
  return { event, pipeline: 'ci', mode: 'full', jobs };
}

function pipelineRun(plan: Plan, event: PlanEvent, pipeline: PipelineId, mode: TrainMode): EventRun {
  const entry = (j: PlanJob, ifDrift: boolean) => ({ id: j.id, ifPathsChanged: false, approval: j.approval !== undefined, ifDrift });
  const jobs = jobsIn(plan, pipeline).map((j) => entry(j, false));
  const monitor = plan.monitor;
  if (pipeline !== 'monitor' || !monitor) return { event, pipeline, mode, jobs };
  // The monitor, then (when it reports drift) the retrain chain in drift mode.
  const chain = jobsIn(plan, monitor.onDrift.pipeline).map((j) => entry(j, true));
  return { event, pipeline, mode, jobs: [...jobs, ...chain], onDrift: { ...monitor.onDrift } };
}

/**
 * Job ids that run for an event, given whether `train.paths` changed and, for the monitor
 * pipeline, whether the monitor reported drift.
 */
export function selectJobs(plan: Plan, event: PlanEvent, pathsChanged: boolean, drift = false): string[] {
  return runFor(plan, event)
    .jobs.filter((j) => (pathsChanged || !j.ifPathsChanged) && (drift || !j.ifDrift))
    .map((j) => j.id);
}

export class UnknownEventError extends Error {
  constructor(
    message: string,
    readonly known: string[],
  ) {
    super(message);
  }
}

/** `pr`, `push`, `push:BRANCH`, `schedule:NAME`, `event:NAME`, `manual:PIPELINE[:MODE]`. */
export function parseEvent(text: string, plan: Plan): PlanEvent | string {
  const [kind, ...rest] = text.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'pr':
      return arg ? `"pr" takes no argument` : { kind: 'pull-request' };
    case 'push':
      return { kind: 'push', branch: arg || plan.releaseBranch };
    case 'schedule':
      return arg ? { kind: 'schedule', schedule: arg } : `name the schedule: ${plan.schedules.map((s) => `schedule:${s.id}`).join(', ') || '(the manifest has none)'}`;
    case 'event':
      return arg ? { kind: 'external', event: arg } : `name the event: ${plan.events.map((e) => `event:${e.id}`).join(', ') || '(the manifest has none)'}`;
    case 'manual': {
      const [pipeline, mode = 'full'] = arg.split(':');
      if (!PIPELINES.includes(pipeline as PipelineId)) return `manual takes a pipeline: ${PIPELINES.map((p) => `manual:${p}`).join(', ')}`;
      if (!TRAIN_MODES.includes(mode as TrainMode)) return `the mode is one of ${TRAIN_MODES.join(', ')}`;
      return { kind: 'manual', pipeline: pipeline as PipelineId, mode: mode as TrainMode };
    }
    default:
      return `"${text}" is not an event: use pr, push, push:BRANCH, schedule:NAME, event:NAME or manual:PIPELINE`;
  }
}

export function formatEvent(event: PlanEvent): string {
  switch (event.kind) {
    case 'pull-request':
      return 'pr';
    case 'push':
      return `push:${event.branch}`;
    case 'schedule':
      return `schedule:${event.schedule}`;
    case 'external':
      return `event:${event.event}`;
    case 'manual':
      return event.pipeline === 'retrain' ? `manual:retrain:${event.mode}` : `manual:${event.pipeline}`;
    default: {
      const unknown: never = event;
      return String(unknown);
    }
  }
}
