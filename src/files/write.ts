/**
 * The one place (with cleanup.ts) where mlgen touches generated files on disk.
 *
 * Every write is atomic: the content goes to a temporary file in the same directory, is
 * flushed, and is renamed over the target, so a reader (or an interrupted run, or a second run
 * at the same time) sees either the old file or the new one, never a mix. Paths stay inside
 * the output directory: no `..`, no absolute paths, no symlink that leads outside it.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { FileDecision } from './classify.js';

/** A path mlgen will not read or write, with the reason. Commands show it as a user error. */
export class OutputPathError extends Error {}

/** Suffix of temporary files; a leftover one (after a crash) is safe to delete. */
export const TEMP_SUFFIX = '.mlgen-tmp';

/** The output directory's real path, created when missing. */
export async function resolveOutputDir(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  return realpath(outDir);
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
      info = await lstat(next);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return join(next, ...parts.slice(i + 1));
      throw error;
    }
    if (info.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(next);
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
    const found = await stat(current);
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
      snapshot.set(path, await readFile(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return snapshot;
}

/**
 * Writes `content` to `file` atomically, keeping the existing file's mode (new files get the
 * default 0666 less the umask). The temporary file sits in the same directory, so the rename
 * never crosses file systems.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  let mode: number | undefined;
  try {
    mode = (await stat(file)).mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(content, 'utf8');
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/** Makes the rename itself durable; some file systems refuse to open a directory, which is fine. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

/** Writes every file decided `write`, in path order. Returns the paths written. */
export async function writeDecided(outReal: string, decisions: readonly FileDecision[]): Promise<string[]> {
  const written: string[] = [];
  for (const decision of decisions) {
    if (decision.action !== 'write') continue;
    if (decision.generated === undefined) throw new Error(`nothing to write for ${decision.path}`);
    await writeFileAtomic(await safeTarget(outReal, decision.path), decision.generated);
    written.push(decision.path);
  }
  return written;
}
