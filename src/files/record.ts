/**
 * The record `.mlgen/generated.json`: per manifest, every path mlgen wrote and the sha256 of
 * what it wrote there. It is the only thing that makes a file an orphan mlgen may delete
 * (cleanup.ts): a path it lists that still holds exactly what mlgen wrote.
 *
 * It is read before anything is written, and a record that is not one mlgen would write (bad
 * JSON, a Git conflict, a path outside the output directory, a symlink leading outside) stops
 * the run with an error that names it. It is updated under a lock (`.mlgen/generated.json.lock`,
 * holding the pid): two runs that share an output directory re-read it under the lock and
 * change only their own manifest's entry, so neither loses the other's.
 *
 * File system calls are synchronous, for the reason write.ts gives.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256 } from './header.js';
import { isRunning, makeDirectories, OutputPathError, writeAll } from './transaction.js';
import { assertRelativePath, safeTarget } from './write.js';

export const RECORD_PATH = '.mlgen/generated.json';
export const LOCK_PATH = `${RECORD_PATH}.lock`;
const LOCK_WAIT_MS = 30_000;
/** A lock older than this is a killed run's, whatever its pid says (pids are reused). */
const LOCK_STALE_MS = 120_000;

/** Path -> sha256 of what mlgen wrote; undefined for entries of a record without hashes (v1). */
export type RecordedFiles = Map<string, string | undefined>;

export interface GeneratedRecord {
  /** Manifest path (as headers name it) -> its files. */
  manifests: Map<string, RecordedFiles>;
}

/** The record is not one mlgen wrote: named, with what is wrong and what to do. */
export class RecordError extends OutputPathError {
  constructor(what: string) {
    super(`${RECORD_PATH} ${what}: restore it from Git (\`git checkout -- ${RECORD_PATH}\`) or delete it; without it mlgen deletes no orphans`);
  }
}

export const contentHash = (content: string): string => sha256(content.replace(/\r\n/g, '\n'));

/** The record in `text`; `undefined` text is no record. Throws RecordError for anything else. */
export function parseRecord(text: string | undefined): GeneratedRecord {
  const manifests = new Map<string, RecordedFiles>();
  if (text === undefined) return { manifests };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RecordError(`is not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const entries = (parsed as { manifests?: unknown } | null)?.manifests;
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) throw new RecordError('has no "manifests" object');
  for (const [manifest, files] of Object.entries(entries)) {
    const recorded: RecordedFiles = new Map();
    // Version 1 listed paths only; version 2 maps each path to the hash of its content.
    const pairs: [string, unknown][] = Array.isArray(files) ? files.map((p) => [p as string, undefined]) : files && typeof files === 'object' ? Object.entries(files) : [];
    if (pairs.length === 0 && !(files && typeof files === 'object')) throw new RecordError(`lists ${JSON.stringify(manifest)} with ${JSON.stringify(files)}, not its files`);
    for (const [path, hash] of pairs) {
      if (typeof path !== 'string') throw new RecordError(`lists a path of ${JSON.stringify(manifest)} that is not a string`);
      try {
        assertRelativePath(path);
      } catch {
        throw new RecordError(`lists ${JSON.stringify(path)} for ${JSON.stringify(manifest)}, a path outside the output directory`);
      }
      if (hash !== undefined && (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))) {
        throw new RecordError(`gives ${JSON.stringify(path)} the hash ${JSON.stringify(hash)}, not a sha256`);
      }
      recorded.set(path, hash as string | undefined);
    }
    manifests.set(manifest, recorded);
  }
  return { manifests };
}

export function renderRecord(record: GeneratedRecord): string {
  const manifests: Record<string, Record<string, string>> = {};
  for (const key of [...record.manifests.keys()].sort()) {
    const files = record.manifests.get(key)!;
    const entry: Record<string, string> = {};
    for (const path of [...files.keys()].sort()) entry[path] = files.get(path) ?? '';
    // A v1 entry without a hash cannot be written as v2: it is dropped from the map.
    for (const path of Object.keys(entry)) if (entry[path] === '') delete entry[path];
    if (Object.keys(entry).length > 0) manifests[key] = entry;
  }
  const note = 'Written by mlgen generate: the files it generated from each manifest, with the sha256 of what it wrote, so it can remove them once they are no longer generated (and only then). Commit it.';
  return `${JSON.stringify({ '//': note, version: 2, manifests }, null, 2)}\n`;
}

/** The record's real path; throws RecordError for a record that is a symlink leading outside. */
export async function recordFile(outReal: string): Promise<string> {
  try {
    return await safeTarget(outReal, RECORD_PATH);
  } catch (error) {
    throw new RecordError(`cannot be used: ${(error as Error).message}`);
  }
}

export async function readRecord(outReal: string): Promise<GeneratedRecord> {
  const file = await recordFile(outReal);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new RecordError(`cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseRecord(text);
}

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function lockHolder(lock: string): { pid: number; since: number } | undefined {
  try {
    const [pid, since] = readFileSync(lock, 'utf8').trim().split(' ').map(Number);
    return Number.isInteger(pid) && Number.isFinite(since) ? { pid: pid!, since: since! } : undefined;
  } catch {
    return undefined;
  }
}


/** Runs `work` holding the record's lock; a lock whose holder died is taken over. */
export async function withRecordLock<T>(outReal: string, work: () => Promise<T>): Promise<T> {
  const lock = await safeTarget(outReal, LOCK_PATH);
  makeDirectories(dirname(lock));
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${process.pid} ${Date.now()}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(lock);
    if (!holder || !isRunning(holder.pid) || Date.now() - holder.since > LOCK_STALE_MS) {
      // Gone, or half-written by a run killed between open and write: take it over.
      if (!holder && Date.now() < deadline - LOCK_WAIT_MS + 1000) {
        sleep(20); // a holder may be writing its pid just now
        continue;
      }
      try {
        unlinkSync(lock);
      } catch {
        // another run took it over first
      }
      continue;
    }
    if (Date.now() > deadline) throw new OutputPathError(`another mlgen run (pid ${holder.pid}) holds ${LOCK_PATH}: wait for it, or delete the lock if no mlgen runs`);
    sleep(20 + Math.floor(Math.random() * 30));
  }
  try {
    return await work();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // gone already
    }
  }
}

/**
 * Sets this manifest's entry to `files` (path -> hash) in the record as it is now on disk, under
 * the lock, and returns the writes that do it: none when the text does not change, or when
 * there is nothing to record and no record yet. The caller commits them with the run's files.
 */
export async function recordWrite(outReal: string, manifestPath: string, files: RecordedFiles): Promise<{ path: string; file: string; content: string }[]> {
  const file = await recordFile(outReal);
  let before: string | undefined;
  try {
    before = readFileSync(file, 'utf8');
  } catch {
    before = undefined;
  }
  const record = parseRecord(before);
  record.manifests.set(manifestPath, files);
  const after = renderRecord(record);
  if (before === after || (before === undefined && files.size === 0)) return [];
  return [{ path: RECORD_PATH, file, content: after }];
}

/** Writes the record alone (adopt, tests). */
export async function updateRecord(outReal: string, manifestPath: string, files: RecordedFiles): Promise<boolean> {
  return withRecordLock(outReal, async () => {
    const writes = await recordWrite(outReal, manifestPath, files);
    writeAll(writes);
    return writes.length > 0;
  });
}
