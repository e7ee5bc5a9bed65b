/**
 * Regeneration as one function that `generate`, `--check`, `--diff`, `--watch` and `adopt` share:
 * read the manifest, build the files (engine, pure), classify them against the disk, and then,
 * unless it is a dry run or something would be overwritten, write them (files/write, cleanup).
 */
import { realpathSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { generate, type GenerateOptions, type GenerateResult } from './generate.js';
import { classifyFiles, decideActions, isOutOfDate, type FileDecision } from '../files/classify.js';
import { removeOrphans } from '../files/cleanup.js';
import { lastRunStillHolds, rememberRun } from '../files/last-run.js';
import { contentHash, readRecord, recordFile, recordWrite, withRecordLock, type RecordedFiles } from '../files/record.js';
import { describeErrno, removeLeftovers, writeAll } from '../files/transaction.js';
import { unifiedDiff } from '../files/diff.js';
import { assertRelativePath, OutputPathError, plannedWrites, readSnapshot, resolveOutputDir, type Backup } from '../files/write.js';
import type { Diagnostic } from '../manifest/index.js';
import type { TargetId } from '../plan/index.js';
import { UserError } from './errors.js';
import { readManifestFile } from './read-manifest.js';

export type Engine = (text: string, options: GenerateOptions) => GenerateResult;

export interface RegenerateOptions {
  /** The manifest path as the user gave it. */
  manifest: string;
  /** The output directory (default: the manifest's directory). */
  out?: string;
  /** Only these targets; files of other targets are left alone, orphans are not looked for. */
  targets?: TargetId[];
  /** Overwrite hand-edited and foreign files. */
  force?: boolean;
  /** Move hand-edited and foreign files to a backup (PATH.mlgen-backup), then write. */
  replace?: boolean;
  /** Decide, write nothing (`--check`, `--diff`). */
  dryRun?: boolean;
  /** Manifest text to use instead of reading the file (adopt checks an edit before saving it). */
  text?: string;
  engine?: Engine;
}

interface Common {
  manifest: string;
  out: string;
  files: FileDecision[];
}

export type RegenerateResult =
  | { kind: 'invalid'; manifest: string; out: string; diagnostics: Diagnostic[]; source: string }
  | (Common & { kind: 'refused'; refused: FileDecision[] })
  | (Common & { kind: 'done'; written: string[]; removed: string[]; kept: string[]; unchanged: string[]; dryRun: boolean; backups?: Backup[]; recordWritten?: boolean });

const toPosix = (path: string) => path.split(sep).join('/');

/** How headers name the manifest: relative to the output directory, '/'-separated. */
export function manifestPathFor(outReal: string, manifest: string): string {
  return toPosix(relative(outReal, realpathOr(manifest)));
}

/** The real path, or the absolute path of what does not exist (yet). */
function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export async function readManifestText(manifest: string): Promise<string> {
  return readManifestFile(manifest, 'run `mlgen init` to create it, or pass --manifest PATH');
}

/** The output directory, created; `--out` naming a file is a user error, not a stack trace. */
async function outputDir(outGiven: string): Promise<string> {
  try {
    return await resolveOutputDir(outGiven);
  } catch (error) {
    throw new UserError(`cannot use ${outGiven} as the output directory: ${describeErrno(error)}`);
  }
}

export async function regenerate(options: RegenerateOptions): Promise<RegenerateResult> {
  const engine = options.engine ?? generate;
  const text = options.text ?? (await readManifestText(options.manifest));
  const outGiven = options.out ?? dirname(options.manifest);
  // Same manifest bytes, same mlgen, every file as the last run left it: nothing to render.
  const shortcut = options.engine === undefined && options.text === undefined && options.targets === undefined;
  if (shortcut) {
    const out = realpathOr(outGiven);
    const paths = await lastRunStillHolds(out, manifestPathFor(out, options.manifest), text);
    if (paths) {
      const files: FileDecision[] = paths.map((path) => ({ path, status: 'unchanged', reason: 'up to date', action: 'skip' }));
      return { kind: 'done', manifest: options.manifest, out, files, written: [], removed: [], kept: [], unchanged: paths, dryRun: options.dryRun ?? false };
    }
  }
  const build = (out: string) => engine(text, { manifestPath: manifestPathFor(out, options.manifest), file: options.manifest, ...(options.targets ? { targets: options.targets } : {}) });
  try {
    // An invalid manifest creates nothing, not even --out (finding 21).
    const planned = realpathOr(outGiven);
    let built = build(planned);
    if (!built.ok) return { kind: 'invalid', manifest: options.manifest, out: planned, diagnostics: built.diagnostics, source: text };
    const out = options.dryRun ? planned : await outputDir(outGiven);
    const manifestPath = manifestPathFor(out, options.manifest);
    if (out !== planned) built = build(out);
    if (!built.ok) return { kind: 'invalid', manifest: options.manifest, out, diagnostics: built.diagnostics, source: text };
    for (const file of built.files) assertRelativePath(file.path);

    const partial = options.targets !== undefined;
    // The record is read (and checked) before anything is written.
    const recorded: RecordedFiles = (await readRecord(out)).manifests.get(manifestPath) ?? new Map();
    const generatedPaths = built.files.map((f) => f.path);
    const candidates: RecordedFiles = partial ? new Map() : recorded;
    const snapshot = await readSnapshot(out, [...generatedPaths, ...candidates.keys()]);
    const files = decideActions(classifyFiles(built.files, snapshot, candidates, manifestPath), options.force ?? false, options.replace ?? false);
    const common = { manifest: options.manifest, out, files };
    const unchanged = files.filter((f) => f.status === 'unchanged').map((f) => f.path);
    const kept = files.filter((f) => f.action === 'keep').map((f) => f.path);
    const remember = async (recordedNow: RecordedFiles) => {
      if (shortcut && files.every((f) => f.status === 'unchanged')) await rememberRun(out, manifestPath, text, recordedNow);
    };
    if (options.dryRun) {
      await remember(recorded);
      return { ...common, kind: 'done', written: [], removed: [], kept, unchanged, dryRun: true };
    }

    const refused = files.filter((f) => f.action === 'refuse');
    if (refused.length > 0) return { ...common, kind: 'refused', refused };
    const { writes, backups } = await plannedWrites(out, files);
    // Temporary files a killed run left where this run writes (recognised by name and pid).
    removeLeftovers(new Set([...writes.map((w) => dirname(w.file)), dirname(await recordFile(out))]));
    const nowOurs: RecordedFiles = new Map(partial ? recorded : [...recorded].filter(([path]) => kept.includes(path)));
    for (const file of built.files) nowOurs.set(file.path, contentHash(file.content));
    const nothingToDo = writes.length === 0 && !files.some((f) => f.action === 'remove') && (await recordWrite(out, manifestPath, nowOurs)).length === 0;
    if (nothingToDo) {
      await remember(nowOurs);
      return { ...common, kind: 'done', written: [], removed: [], kept, unchanged, dryRun: false };
    }
    let recordWritten = false;
    const removed = await withRecordLock(out, async () => {
      // The run's files and the record commit together: all of them or none.
      const record = await recordWrite(out, manifestPath, nowOurs);
      recordWritten = record.length > 0;
      writeAll([...writes, ...record]);
      return removeOrphans(out, files);
    });
    if (shortcut && kept.length === 0 && removed.length === files.filter((f) => f.action === 'remove').length) await rememberRun(out, manifestPath, text, nowOurs);
    const backupPaths = new Set(backups.map((b) => b.backup));
    return { ...common, kind: 'done', written: writes.map((w) => w.path).filter((p) => !backupPaths.has(p)), removed, kept, unchanged, dryRun: false, backups, recordWritten };
  } catch (error) {
    if (error instanceof OutputPathError) throw new UserError(error.message);
    const code = (error as NodeJS.ErrnoException)?.code;
    if (typeof code === 'string') throw new UserError(`cannot generate into ${outGiven}: ${describeErrno(error)}${(error as NodeJS.ErrnoException).path ? ` (${(error as NodeJS.ErrnoException).path})` : ''}`);
    throw error;
  }
}

/** `4 written, 1 unchanged`: counts that are not zero, in a fixed order. */
export function summarize(result: Extract<RegenerateResult, { kind: 'done' }>): string {
  const parts: [number, string][] = result.dryRun
    ? [
        [result.files.filter((f) => f.action === 'write').length, 'to write'],
        [result.files.filter((f) => f.action === 'replace').length, 'to replace (old file kept as a backup)'],
        [result.files.filter((f) => f.action === 'refuse').length, 'refused'],
        [result.files.filter((f) => f.action === 'remove').length, 'to remove'],
      ]
    : [
        [result.written.length, 'written'],
        [result.backups?.length ?? 0, 'backed up'],
        [result.removed.length, 'removed'],
      ];
  parts.push([result.unchanged.length, 'unchanged'], [result.kept.length, 'kept']);
  const shown = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return shown.length > 0 ? shown.join(', ') : 'no files generated (the manifest defines no jobs the targets render)';
}

/** Files that make `--check` fail. */
export function outOfDate(result: Extract<RegenerateResult, { kind: 'done' | 'refused' }>): FileDecision[] {
  return result.files.filter(isOutOfDate);
}

/** A unified diff of everything regeneration would change (hand edits shown as --force would undo them). */
export function diffOf(files: readonly FileDecision[]): string {
  return files
    .filter((f) => f.action !== 'skip' && f.action !== 'keep')
    .map((f) => {
      const before = f.current ?? '';
      const after = f.action === 'remove' ? '' : (f.generated ?? '');
      return unifiedDiff(before, after, f.current === undefined ? '/dev/null' : `a/${f.path}`, f.action === 'remove' ? '/dev/null' : `b/${f.path}`);
    })
    .join('');
}
