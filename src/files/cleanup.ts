/**
 * Orphans: files mlgen wrote earlier that it no longer generates (a target or a pipeline was
 * removed). Only the record (record.ts) names them: a path it lists for this manifest that
 * still holds exactly what mlgen wrote there (its sha256 in the record). A file that merely
 * carries an mlgen header (a backup copy, a `*.disabled` workflow, a note) is never deleted:
 * mlgen deletes only what it wrote.
 *
 * File system calls are synchronous, for the reason write.ts gives.
 */
import { readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileDecision } from './classify.js';
import { safeTarget } from './write.js';

export { RECORD_PATH, readRecord, renderRecord, updateRecord, type GeneratedRecord, type RecordedFiles } from './record.js';

/** The directories of some relative paths, '' for the root. */
export function directoriesOf(paths: Iterable<string>): string[] {
  const dirs = new Set<string>(['']);
  for (const path of paths) {
    const dir = dirname(path);
    dirs.add(dir === '.' ? '' : dir);
  }
  return [...dirs].sort();
}

/**
 * Removes orphans decided `remove`, checking again just before that the file is still what
 * was classified (a concurrent edit wins). Empty directories left behind go too.
 */
export async function removeOrphans(outReal: string, decisions: readonly FileDecision[]): Promise<string[]> {
  const removed: string[] = [];
  for (const decision of decisions) {
    if (decision.action !== 'remove') continue;
    const file = await safeTarget(outReal, decision.path);
    let current: string;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      continue; // already gone
    }
    if (current !== decision.current) continue;
    unlinkSync(file);
    removed.push(decision.path);
    removeEmptyParents(outReal, decision.path);
  }
  return removed;
}

function removeEmptyParents(outReal: string, path: string): void {
  for (let dir = dirname(path); dir !== '.' && dir !== ''; dir = dirname(dir)) {
    try {
      rmdirSync(join(outReal, dir));
    } catch {
      return; // not empty (or not ours to remove)
    }
  }
}
