/**
 * A run writes all of its files or none (security review, finding 11). Every file is first
 * staged: written in full to a temporary file next to its target and flushed. Only when every
 * file is staged are they renamed over their targets, each old file kept as a hard link until
 * the last rename succeeded. A failure while staging removes the temporary files; a failure
 * while renaming puts the old files back. Either way the disk is as it was, and the error names
 * the file and the errno in one line.
 *
 * Temporary files carry the writing process's pid in their name (`.NAME.PID.HEX.mlgen-tmp`,
 * `.mlgen-old` for the kept old file), so one a killed run left behind is recognised and
 * removed by the next run, while those of a run still going are left alone.
 *
 * File system calls are synchronous, for the reason write.ts gives.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../engine/errors.js';

export const TEMP_SUFFIX = '.mlgen-tmp';
export const OLD_SUFFIX = '.mlgen-old';
const LEFTOVER = /^\..+\.(\d+)\.[0-9a-f]{8}\.mlgen-(?:tmp|old)$/;

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
};

/** "ENOSPC (no space left on device)": the errno and what it means. */
export function describeErrno(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (typeof code !== 'string') return error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return ERRNO_TEXT[code] ? `${code} (${ERRNO_TEXT[code]})` : code;
}

/** A path mlgen will not read or write, with the reason: a user error, shown in one line. */
export class OutputPathError extends UserError {}

/** A write that failed: one line naming the file and the errno. Commands show it as a user error. */
export class WriteError extends OutputPathError {
  constructor(path: string, error: unknown, undone: boolean) {
    super(`cannot write ${path}: ${describeErrno(error)}; ${undone ? 'nothing was changed' : 'some files may be half-updated'}`);
  }
}

/** One file of a run: where it goes (real path), the path users know, what it holds. */
export interface PlannedWrite {
  path: string;
  file: string;
  content: string;
}

interface Staged extends PlannedWrite {
  temp: string;
  /** The old file, kept under this name until the run is committed; absent for a new file. */
  old?: string;
  renamed: boolean;
}

const tempName = (file: string, suffix: string): string => join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}${suffix}`);

function unlinkQuietly(file: string | undefined): void {
  if (file === undefined) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/**
 * `mkdir -p` that gives up instead of looping: Node's own recursive mkdir retries forever where
 * mkdir answers ENOENT for a parent that exists (`--out /proc/self`: security review, finding 25).
 */
export function makeDirectories(dir: string, depth = 0): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || depth > 64 || dirname(dir) === dir) throw error;
    makeDirectories(dirname(dir), depth + 1);
    mkdirSync(dir);
  }
}

/** Writes `content` to a new temporary file beside `file`, with `file`'s mode, flushed. */
function stageOne(write: PlannedWrite): Staged {
  makeDirectories(dirname(write.file));
  let mode: number | undefined;
  try {
    mode = statSync(write.file).mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const staged: Staged = { ...write, temp: tempName(write.file, TEMP_SUFFIX), renamed: false };
  const fd = openSync(staged.temp, 'wx');
  try {
    const bytes = Buffer.from(write.content, 'utf8');
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    if (mode !== undefined) fchmodSync(fd, mode);
    fsyncSync(fd);
  } catch (error) {
    closeQuietly(fd);
    unlinkQuietly(staged.temp);
    throw error;
  }
  closeSync(fd);
  return staged;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closing is all that is left to do
  }
}

/** Puts every renamed file's old content back and removes every temporary file. */
function rollBack(staged: readonly Staged[]): void {
  for (const s of staged) {
    if (s.renamed) {
      if (s.old !== undefined) renameSync(s.old, s.file);
      else unlinkQuietly(s.file);
    } else {
      unlinkQuietly(s.old);
    }
    unlinkQuietly(s.temp);
  }
}

/** Writes every file of the run, or none: see the top of this file. */
export function writeAll(writes: readonly PlannedWrite[]): void {
  const staged: Staged[] = [];
  for (const write of writes) {
    try {
      staged.push(stageOne(write));
    } catch (error) {
      rollBack(staged);
      throw new WriteError(write.path, error, true);
    }
  }
  for (const s of staged) {
    try {
      // The old file stays reachable under a second name until every rename succeeded.
      const old = tempName(s.file, OLD_SUFFIX);
      try {
        linkSync(s.file, old);
        s.old = old;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      renameSync(s.temp, s.file);
      s.renamed = true;
    } catch (error) {
      let undone = true;
      try {
        rollBack(staged);
      } catch {
        undone = false;
      }
      throw new WriteError(s.path, error, undone);
    }
  }
  for (const s of staged) unlinkQuietly(s.old);
  for (const dir of new Set(staged.map((s) => dirname(s.file)))) syncDirectory(dir);
}

/** Makes the renames durable; some file systems refuse to open a directory, which is fine. */
export function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort
  }
}

/** Whether a process with this pid is running (EPERM: it is, under another user). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that killed runs left in `dirs` (real paths): those named as
 * this module names them, by a process that is no longer running. Returns what it removed.
 */
export function removeLeftovers(dirs: Iterable<string>): string[] {
  const removed: string[] = [];
  for (const dir of new Set(dirs)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const pid = LEFTOVER.exec(name)?.[1];
      if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
      try {
        unlinkSync(join(dir, name));
        removed.push(join(dir, name));
      } catch {
        // gone already, or not ours to remove
      }
    }
  }
  return removed;
}
