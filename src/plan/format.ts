/** The plan for people: each job of an event's run, in order, with its conditions and its steps. */
import { formatEvent, jobById, needsInRun } from './events.js';
import type { EventRun, Plan, PlanJob, Step } from './types.js';

/** One line of a step: its label and, for commands, the first line of the command. */
function stepLine(step: Step): string {
  switch (step.type) {
    case 'shell':
    case 'venv': {
      const [first = '', ...rest] = step.run.split('\n');
      return `${step.label}: ${first}${rest.length > 0 ? ' …' : ''}`;
    }
    case 'download':
      return `${step.label} from ${step.from}: ${step.paths.join(', ')}`;
    case 'upload':
      return `${step.label}: ${step.paths.join(', ')}`;
    case 'soak':
      return step.label;
    case 'drift-verdict':
      return `${step.label} ${step.report}: output drift=true|false (missing or malformed: the step fails)`;
    case 'registry-login':
      return `${step.label} ${step.registry} (secrets ${step.credentials.username}, ${step.credentials.password}; credential ${step.credentials.id})`;
    default: {
      const unknown: never = step;
      return String(unknown);
    }
  }
}

function stepLines(job: PlanJob): string[] {
  const lines = job.steps.map((s) => `      - ${stepLine(s)}`);
  for (const phase of job.canary?.phases ?? []) lines.push(`      ${phase.id}:`, ...phase.steps.map((s) => `        - ${stepLine(s)}`));
  const rollback = job.canary?.rollback;
  if (rollback) lines.push(`      on failure, timeout or cancel:`, `        - ${stepLine(rollback.steps.at(-1)!)}`);
  return lines;
}

export function formatRun(plan: Plan, run: EventRun, options: { steps?: boolean } = {}): string {
  const onDrift = run.onDrift ? `; on drift: pipeline ${run.onDrift.pipeline}, MLGEN_TRAIN_MODE=${run.onDrift.mode}` : '';
  const lines = [`${formatEvent(run.event)}: pipeline ${run.pipeline}, MLGEN_TRAIN_MODE=${run.mode}${onDrift}`];
  if (run.jobs.length === 0) lines.push('  (no jobs run)');
  for (const entry of run.jobs) {
    const job = jobById(plan, entry.id);
    const needs = needsInRun(plan, run, job).filter((id) => run.jobs.some((j) => j.id === id));
    const notes = [
      needs.length > 0 ? `after ${needs.join(', ')}` : '',
      entry.ifPathsChanged ? 'if train.paths changed' : '',
      entry.ifDrift ? 'if the monitor reported drift' : '',
      entry.approval ? 'after approval' : '',
      job.lock ? `holds ${job.lock}` : '',
    ].filter(Boolean);
    lines.push(`  ${entry.id.padEnd(20)} ${job.title}${notes.length ? `  (${notes.join('; ')})` : ''}`);
    if (options.steps !== false) lines.push(...stepLines(job));
  }
  return lines.join('\n');
}
