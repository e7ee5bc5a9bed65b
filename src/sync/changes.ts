/**
 * The changes a sync makes, applied one at a time so that after a failure mlgen can say
 * exactly what it did and what it did not. A dry run prints the same list and applies none.
 */
import { SyncError } from './errors.js';

export type ChangeAction = 'create' | 'update' | 'delete';

export interface Change {
  action: ChangeAction;
  /** What changes, e.g. `schedule "mlgen: predict"`. */
  subject: string;
  /** What is set or differs, e.g. `cron "0 6 * * *" -> "0 7 * * *"`. */
  details: string[];
  apply(): Promise<void>;
}

export type ChangeStatus = 'done' | 'would do' | 'failed' | 'not done';

export interface ChangeRecord {
  action: ChangeAction;
  subject: string;
  details: string[];
  status: ChangeStatus;
}

const PAST: Record<ChangeAction, string> = { create: 'created', update: 'updated', delete: 'deleted' };
const SIGN: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-' };

function formatChange(change: Pick<Change, 'action' | 'subject' | 'details'>, dryRun: boolean): string {
  const verb = dryRun ? `would ${change.action}` : PAST[change.action];
  const details = change.details.length > 0 ? `: ${change.details.join(', ')}` : '';
  return `${SIGN[change.action]} ${verb} ${change.subject}${details}`;
}

/** Thrown when a change fails after others were made; the message is one line, `report` the rest. */
export class PartialSyncError extends SyncError {
  constructor(
    message: string,
    readonly records: ChangeRecord[],
  ) {
    super(message, 1);
    this.name = 'PartialSyncError';
  }

  /** The lines after the error: what was done before it, what was not. */
  report(): string[] {
    const name = (r: ChangeRecord) => `${r.action} ${r.subject}`;
    const done = this.records.filter((r) => r.status === 'done').map(name);
    const notDone = this.records.filter((r) => r.status === 'failed' || r.status === 'not done').map(name);
    return [
      done.length > 0 ? `Done before the failure: ${done.join('; ')}` : 'Nothing was changed.',
      ...(notDone.length > 0 ? [`Not done: ${notDone.join('; ')}`] : []),
      'Run the same command again once the cause is fixed: it picks up where this run stopped.',
    ];
  }
}

/**
 * Applies the changes in order (or only lists them in a dry run). On the first failure the
 * rest is skipped and a PartialSyncError carries the message and the record of every change.
 */
export async function applyChanges(changes: readonly Change[], dryRun: boolean, log: (line: string) => void): Promise<ChangeRecord[]> {
  const records: ChangeRecord[] = changes.map((c) => ({ action: c.action, subject: c.subject, details: c.details, status: 'not done' }));
  for (const [index, change] of changes.entries()) {
    const record = records[index]!;
    if (dryRun) {
      record.status = 'would do';
      log(formatChange(change, true));
      continue;
    }
    try {
      await change.apply();
    } catch (error) {
      record.status = 'failed';
      const message = error instanceof Error ? error.message : String(error);
      throw new PartialSyncError(message, records);
    }
    record.status = 'done';
    log(formatChange(change, false));
  }
  return records;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function summarize(records: readonly ChangeRecord[], dryRun: boolean): string {
  const count = records.length;
  if (count === 0) return 'Everything is up to date: nothing to change.';
  return dryRun ? `Dry run: ${plural(count, 'change')} would be made; nothing was changed.` : `Done: ${plural(count, 'change')} made.`;
}
