/**
 * The one place (with cleanup.ts) where mlgen touches generated files on disk.
 *
 * Every write is atomic: the content goes to a temporary file in the same directory, is
 * flushed, and is renamed over the target, so a reader (or an interrupted run, or a second run
 * at the same time) sees either the old file or the new one, never a mix; and a run writes all
 * of its files or none (transaction.ts). Paths stay inside
 * the output directory: no `..`, no absolute paths, no symlink that leads outside it.
 *
 * File system calls are synchronous: a run makes about a hundred small ones in sequence, and
 * each asynchronous one would cost a round trip through libuv's thread pool (together about
 * a fifth of a cold `mlgen generate`). The functions stay async for their callers.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FileDecision } from './classify.js';
import { makeDirectories, OutputPathError, writeAll, type PlannedWrite } from './transaction.js';

export { OutputPathError } from './transaction.js';

/** The output directory's real path, created when missing. */
export async function resolveOutputDir(outDir: string): Promise<string> {
  makeDirectories(resolve(outDir));
  const real = realpathSync(outDir);
  if (!statSync(real).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, '${outDir}'`), { code: 'ENOTDIR', path: outDir });
  }
  return real;
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Generated paths are relative, "/"-separated and stay below the output directory. */
export function assertRelativePath(path: string): void {
  const parts = path.split('/');
  if (path === '' || isAbsolute(path) || path.includes('\\') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new OutputPathError(`refusing the path "${path}": generated paths are relative and stay inside the output directory`);
  }
}

/**
 * Where `path` really lives: below `outReal`, following symlinks only while they stay inside
 * it. Missing directories are allowed (the writer creates them).
 */
export async function safeTarget(outReal: string, path: string, kind: 'file' | 'directory' = 'file'): Promise<string> {
  assertRelativePath(path);
  const parts = path.split('/');
  let current = outReal;
  for (let i = 0; i < parts.length; i++) {
    const next = join(current, parts[i]!);
    let info;
    try {
      info = lstatSync(next);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return join(next, ...parts.slice(i + 1));
      throw error;
    }
    if (info.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(next);
      } catch {
        throw new OutputPathError(`refusing ${path}: ${parts.slice(0, i + 1).join('/')} is a symlink that leads nowhere`);
      }
      if (!isInside(outReal, target)) {
        throw new OutputPathError(`refusing ${path}: ${parts.slice(0, i + 1).join('/')} is a symlink to ${target}, outside the output directory ${outReal}`);
      }
      current = target;
    } else {
      current = next;
    }
    const last = i === parts.length - 1;
    // lstat already describes anything that is not a symlink.
    const found = info.isSymbolicLink() ? statSync(current) : info;
    if (last && kind === 'file' && !found.isFile()) throw new OutputPathError(`refusing ${path}: it exists and is not a regular file`);
    if ((!last || kind === 'directory') && !found.isDirectory()) throw new OutputPathError(`refusing ${path}: ${parts.slice(0, i + 1).join('/')} is not a directory`);
  }
  return current;
}

/** Reads what is on disk at each path (missing files are simply absent from the snapshot). */
export async function readSnapshot(outReal: string, paths: Iterable<string>): Promise<Map<string, string>> {
  const snapshot = new Map<string, string>();
  for (const path of new Set(paths)) {
    const file = await safeTarget(outReal, path);
    try {
      snapshot.set(path, readFileSync(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return snapshot;
}

/**
 * Writes `content` to `file` atomically, keeping the existing file's mode (new files get the
 * default 0666 less the umask): a run of one file (transaction.ts).
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  writeAll([{ path: file, file, content }]);
}

export const BACKUP_SUFFIX = '.mlgen-backup';

/**
 * Where `--replace` keeps the file it replaces: `PATH.mlgen-backup`, or `-2`, `-3`… when that is
 * taken. No platform reads these names (GitHub runs only `.yml`/`.yaml` workflows), the record
 * never lists them, so orphan cleanup never deletes them: they are the user's to delete.
 */
export async function backupPath(outReal: string, path: string, taken: ReadonlySet<string> = new Set()): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = `${path}${BACKUP_SUFFIX}${n === 1 ? '' : `-${n}`}`;
    if (taken.has(candidate)) continue;
    try {
      lstatSync(await safeTarget(outReal, candidate));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return candidate;
      throw error;
    } // anything there, even a directory, is taken
  }
}

/** A file `--replace` moves aside before writing the generated one. */
export interface Backup {
  path: string;
  backup: string;
}

/**
 * The writes of every file decided `write` or `replace` (with, for `replace`, the old content
 * written to its backup in the same run), in path order, with their real targets.
 */
export async function plannedWrites(outReal: string, decisions: readonly FileDecision[]): Promise<{ writes: PlannedWrite[]; backups: Backup[] }> {
  const writes: PlannedWrite[] = [];
  const backups: Backup[] = [];
  for (const decision of decisions) {
    if (decision.action !== 'write' && decision.action !== 'replace') continue;
    if (decision.generated === undefined) throw new Error(`nothing to write for ${decision.path}`);
    if (decision.action === 'replace') {
      const backup = await backupPath(outReal, decision.path, new Set(backups.map((b) => b.backup)));
      writes.push({ path: backup, file: await safeTarget(outReal, backup), content: decision.current ?? '' });
      backups.push({ path: decision.path, backup });
    }
    writes.push({ path: decision.path, file: await safeTarget(outReal, decision.path), content: decision.generated });
  }
  return { writes, backups };
}
