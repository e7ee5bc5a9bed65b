/**
 * Orphans: files mlgen wrote earlier that it no longer generates (a target or a pipeline was
 * removed). Two sources find them, because either alone can miss one:
 *
 * 1. The record `.mlgen/generated.json` lists, per manifest, every path mlgen wrote (like
 *    projen's `.projen/files.json`). It finds orphans anywhere, e.g. a whole target's folder.
 * 2. A scan of the output directory's root and of every directory that holds a generated or
 *    recorded file, for files whose mlgen header names this manifest. It finds orphans when
 *    the record is missing (deleted, or files written before it existed).
 *
 * Either way a candidate counts only when its header names this manifest, and it is removed
 * only while its content still matches the header's hash: a hand edit is never deleted.
 *
 * File system calls are synchronous, for the reason write.ts gives.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, unlinkSync, type Dirent } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileDecision } from './classify.js';
import { MARKER } from './header.js';
import { safeTarget, writeFileAtomic } from './write.js';

export const RECORD_PATH = '.mlgen/generated.json';

export interface GeneratedRecord {
  /** Manifest path (as headers name it) -> the paths generated from it, sorted. */
  manifests: Record<string, string[]>;
}

export async function readRecord(outReal: string): Promise<GeneratedRecord> {
  let text: string | undefined;
  try {
    text = readFileSync(await safeTarget(outReal, RECORD_PATH), 'utf8');
  } catch {
    // Missing or unreadable: the scan still finds orphans, and the next write repairs the record.
  }
  return parseRecord(text);
}

/** The record in `text`; what is missing or malformed counts as nothing recorded. */
function parseRecord(text: string | undefined): GeneratedRecord {
  const manifests: Record<string, string[]> = {};
  try {
    const parsed = JSON.parse(text ?? '{}') as Partial<GeneratedRecord>;
    for (const [manifest, paths] of Object.entries(parsed.manifests ?? {})) {
      if (Array.isArray(paths)) manifests[manifest] = paths.filter((p): p is string => typeof p === 'string');
    }
  } catch {
    // malformed: the next write repairs it
  }
  return { manifests };
}

export function renderRecord(record: GeneratedRecord): string {
  const manifests: Record<string, string[]> = {};
  for (const key of Object.keys(record.manifests).sort()) {
    const paths = [...new Set(record.manifests[key])].sort();
    if (paths.length > 0) manifests[key] = paths;
  }
  const note = 'Written by mlgen generate: the files it generated from each manifest, so it can remove them once they are no longer generated. Commit it.';
  return `${JSON.stringify({ '//': note, manifests }, null, 2)}\n`;
}

/**
 * Stores `paths` as this manifest's files. Writes only when the record's text changes, and not
 * at all when there is nothing to record and no record yet.
 */
export async function updateRecord(outReal: string, manifestPath: string, paths: readonly string[]): Promise<boolean> {
  const file = await safeTarget(outReal, RECORD_PATH);
  let before: string | undefined;
  try {
    before = readFileSync(file, 'utf8');
  } catch {
    before = undefined;
  }
  const record = parseRecord(before);
  record.manifests[manifestPath] = [...paths];
  const after = renderRecord(record);
  if (before === after || (before === undefined && paths.length === 0)) return false;
  await writeFileAtomic(file, after);
  return true;
}

const HEADER_PROBE_BYTES = 512;

function startsWithHeader(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_PROBE_BYTES);
    const bytesRead = readSync(fd, buffer, 0, HEADER_PROBE_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').includes(MARKER);
  } finally {
    closeSync(fd);
  }
}

/**
 * Files with an mlgen marker near their top in `dirs` (relative, '' = the output directory),
 * not recursive. `classifyFiles` then keeps those whose header names this manifest.
 */
export async function scanForGenerated(outReal: string, dirs: Iterable<string>): Promise<string[]> {
  const found: string[] = [];
  for (const dir of new Set(dirs)) {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir === '' ? outReal : await safeTarget(outReal, dir, 'directory'), { withFileTypes: true });
    } catch {
      continue; // missing, unreadable, or a symlink leading outside: nothing of ours there
    }
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      try {
        if (startsWithHeader(await safeTarget(outReal, path))) found.push(path);
      } catch {
        // unreadable: not ours to judge
      }
    }
  }
  return found.sort();
}

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
    await removeEmptyParents(outReal, decision.path);
  }
  return removed;
}

async function removeEmptyParents(outReal: string, path: string): Promise<void> {
  for (let dir = dirname(path); dir !== '.' && dir !== ''; dir = dirname(dir)) {
    try {
      rmdirSync(join(outReal, dir));
    } catch {
      return; // not empty (or not ours to remove)
    }
  }
}
