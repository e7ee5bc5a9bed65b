/**
 * What the last complete run wrote, so that a run with the same manifest bytes and the same
 * mlgen skips loading, planning and rendering (issue 15): the pre-commit generate hook then
 * costs what validate does, or less.
 *
 * It lives in `.mlgen/cache/last-run.json`, beside the record but not in it: the record is
 * committed, and a hash of the manifest's bytes there would change with every comment and make
 * two branches that touch the manifest conflict in it. The directory ignores itself for Git
 * (`.mlgen/cache/.gitignore` holds `*`, as pytest and ruff do with their caches).
 *
 * The shortcut is taken only when everything still holds: same manifest bytes, same mlgen build
 * (version.ts: the version and dist/build-id, so a rebuilt checkout never reuses an older
 * build's result), the committed record's entry is exactly what the last run recorded, and every
 * file on disk still has the recorded hash. Anything else, including an unreadable cache, is a
 * full run. Writing it is best effort: a run never fails because of its cache.
 */
import { readFileSync } from 'node:fs';
import { buildId } from '../version.js';
import { sha256 } from './header.js';
import { readRecord, type RecordedFiles } from './record.js';
import { writeAll } from './transaction.js';
import { safeTarget } from './write.js';

export const CACHE_DIR = '.mlgen/cache';
const CACHE_PATH = `${CACHE_DIR}/last-run.json`;
const IGNORE_PATH = `${CACHE_DIR}/.gitignore`;
const IGNORE = '# Written by mlgen: this directory is a local cache, never committed.\n*\n';

interface LastRun {
  source: string;
  build: string;
  files: Record<string, string>;
}

function readRuns(file: string): Record<string, LastRun> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { runs?: Record<string, LastRun> };
    return parsed.runs && typeof parsed.runs === 'object' ? parsed.runs : {};
  } catch {
    return {};
  }
}

const lf = (text: string): string => (text.includes('\r\n') ? text.replace(/\r\n/g, '\n') : text);

/**
 * The paths of this manifest's files when the last run's result still stands for `text`
 * (see the top of this file); undefined when a full run is needed.
 */
export async function lastRunStillHolds(outReal: string, manifestPath: string, text: string): Promise<string[] | undefined> {
  try {
    const run = readRuns(await safeTarget(outReal, CACHE_PATH))[manifestPath];
    if (!run || run.source !== sha256(text) || run.build !== buildId() || !run.files) return undefined;
    const recorded = (await readRecord(outReal)).manifests.get(manifestPath);
    const paths = Object.keys(run.files);
    if (!recorded || recorded.size !== paths.length || paths.length === 0) return undefined;
    for (const path of paths) {
      const hash = run.files[path];
      if (recorded.get(path) !== hash) return undefined;
      if (sha256(lf(readFileSync(await safeTarget(outReal, path), 'utf8'))) !== hash) return undefined;
    }
    return paths.sort();
  } catch {
    return undefined;
  }
}

/** Remembers that `text` generates exactly `files` (path -> hash), all on disk now. Best effort. */
export async function rememberRun(outReal: string, manifestPath: string, text: string, files: RecordedFiles): Promise<void> {
  if (files.size === 0) return;
  try {
    const file = await safeTarget(outReal, CACHE_PATH);
    const runs = readRuns(file);
    const entry: LastRun = { source: sha256(text), build: buildId(), files: Object.fromEntries([...files].filter((pair): pair is [string, string] => pair[1] !== undefined)) };
    const before = JSON.stringify(runs[manifestPath]);
    if (before === JSON.stringify(entry)) return;
    runs[manifestPath] = entry;
    const writes = [{ path: CACHE_PATH, file, content: `${JSON.stringify({ runs }, null, 2)}\n` }];
    const ignore = await safeTarget(outReal, IGNORE_PATH);
    let ignored = false;
    try {
      ignored = readFileSync(ignore, 'utf8') === IGNORE;
    } catch {
      // not there yet
    }
    if (!ignored) writes.push({ path: IGNORE_PATH, file: ignore, content: IGNORE });
    writeAll(writes);
  } catch {
    // a cache that cannot be written costs the next run its shortcut, nothing more
  }
}
