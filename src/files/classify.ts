/**
 * What regeneration would do to each file, decided from the generated files and a snapshot of
 * the disk. Pure: `write.ts` takes the snapshot and carries the decision out.
 */
import { isUntouched, parseHeader, sha256 } from './header.js';
import type { GeneratedFile } from './types.js';

export type FileStatus =
  /** Generated, not on disk yet. */
  | 'new'
  /** On disk, byte for byte what mlgen would write. */
  | 'unchanged'
  /** Written by mlgen from this manifest, untouched since, but the manifest (or mlgen) changed. */
  | 'stale'
  /** Written by mlgen, then edited by hand: the header's content hash does not match the body. */
  | 'hand-edited'
  /** Exists, but mlgen did not write it from this manifest. */
  | 'foreign'
  /** Written by mlgen from this manifest earlier, no longer generated (a target or pipeline is gone). */
  | 'orphaned';

export interface FileState {
  path: string;
  status: FileStatus;
  /** Why, for people: one short clause. */
  reason: string;
  /** What mlgen generates now (absent for orphans). */
  generated?: string;
  /** What is on disk (absent for new files). */
  current?: string;
  /** For orphans: nobody edited it since mlgen wrote it, so removing it loses nothing. */
  untouched?: boolean;
}

/** The disk as `classifyFiles` sees it: path relative to the output directory -> content. */
export type DiskSnapshot = ReadonlyMap<string, string>;

/** Git with `core.autocrlf` checks files out with CRLF: the same file, as mlgen sees it. */
const lf = (text: string): string => (text.includes('\r\n') ? text.replace(/\r\n/g, '\n') : text);

/**
 * Classifies every generated file, and every path the record lists for this manifest that is no
 * longer generated (`recorded`: path -> sha256 of what mlgen wrote, undefined for a record
 * without hashes). `manifestPath` is the manifest as headers name it: a file whose header names
 * another manifest belongs to that manifest, not this one.
 */
export function classifyFiles(
  generated: readonly GeneratedFile[],
  disk: DiskSnapshot,
  recorded: ReadonlyMap<string, string | undefined>,
  manifestPath: string,
): FileState[] {
  const states: FileState[] = generated.map((file) => classifyOne(file, disk.get(file.path), manifestPath));
  const generatedPaths = new Set(generated.map((f) => f.path));
  for (const [path, hash] of recorded) {
    if (generatedPaths.has(path)) continue;
    const current = disk.get(path);
    if (current === undefined) continue;
    const header = parseHeader(lf(current));
    if (!header || header.manifestPath !== manifestPath) continue;
    // It still holds what mlgen wrote: by the record's hash, or (older records) the header's.
    const untouched = hash !== undefined ? sha256(lf(current)) === hash : isUntouched(header);
    states.push({
      path,
      status: 'orphaned',
      reason: untouched ? 'no longer generated' : 'no longer generated, and edited by hand since mlgen wrote it',
      current,
      untouched,
    });
  }
  return states.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function classifyOne(file: GeneratedFile, current: string | undefined, manifestPath: string): FileState {
  const base = { path: file.path, generated: file.content };
  if (current === undefined) return { ...base, status: 'new', reason: 'not generated yet' };
  if (current === file.content || lf(current) === file.content) return { ...base, current, status: 'unchanged', reason: 'up to date' };
  const header = parseHeader(lf(current));
  if (!header) return { ...base, current, status: 'foreign', reason: 'exists and was not written by mlgen (no mlgen header)' };
  if (header.manifestPath !== manifestPath) {
    return { ...base, current, status: 'foreign', reason: `written by mlgen from ${header.manifestPath}, not ${manifestPath}` };
  }
  if (!isUntouched(header)) {
    return { ...base, current, status: 'hand-edited', reason: 'edited by hand since mlgen wrote it (its content no longer matches the header hash)' };
  }
  return { ...base, current, status: 'stale', reason: 'out of date with the manifest' };
}

/** `replace`: move what is there to a backup (PATH.mlgen-backup), then write. */
export type Action = 'write' | 'replace' | 'remove' | 'keep' | 'refuse' | 'skip';

export interface FileDecision extends FileState {
  action: Action;
}

/**
 * What `generate` does with each file. Hand-edited and foreign files are refused unless
 * `force` (overwrite) or `replace` (keep a backup, then write); an orphan is removed only while
 * untouched (a person's edit is never deleted).
 */
export function decideActions(states: readonly FileState[], force: boolean, replace = false): FileDecision[] {
  return states.map((state) => ({ ...state, action: actionFor(state, force, replace) }));
}

function actionFor(state: FileState, force: boolean, replace: boolean): Action {
  switch (state.status) {
    case 'new':
    case 'stale':
      return 'write';
    case 'unchanged':
      return 'skip';
    case 'hand-edited':
    case 'foreign':
      return force ? 'write' : replace ? 'replace' : 'refuse';
    case 'orphaned':
      return state.untouched ? 'remove' : 'keep';
    default: {
      const unknown: never = state.status;
      throw new Error(`unknown file status ${String(unknown)}`);
    }
  }
}

/** Statuses that make `generate --check` fail: the files on disk are not what mlgen generates. */
export function isOutOfDate(state: FileState): boolean {
  return state.status !== 'unchanged';
}
