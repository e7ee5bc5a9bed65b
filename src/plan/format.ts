/** The plan for people: one line per job of an event's run, in order, with its conditions. */
import { formatEvent, jobById, needsIn } from './events.js';
import type { EventRun, Plan } from './types.js';

export function formatRun(plan: Plan, run: EventRun): string {
  const lines = [`${formatEvent(run.event)}: pipeline ${run.pipeline}, MLGEN_TRAIN_MODE=${run.mode}`];
  if (run.jobs.length === 0) lines.push('  (no jobs run)');
  for (const entry of run.jobs) {
    const job = jobById(plan, entry.id);
    const needs = needsIn(plan, job, run.pipeline).filter((id) => run.jobs.some((j) => j.id === id));
    const notes = [
      needs.length > 0 ? `after ${needs.join(', ')}` : '',
      entry.ifPathsChanged ? 'if train.paths changed' : '',
      entry.approval ? 'after approval' : '',
    ].filter(Boolean);
    lines.push(`  ${entry.id.padEnd(20)} ${job.title}${notes.length ? `  (${notes.join('; ')})` : ''}`);
  }
  return lines.join('\n');
}
