/**
 * `mlgen generate` as a plain function: the oclif command (commands/generate.ts) and the
 * bundled fast path (cli/fast.ts) both call it, with flags parsed from the same specs.
 */
import type { Action, FileDecision, FileStatus } from '../files/classify.js';
import { targetIds, type Diagnostic, type TargetId } from '../manifest/index.js';
import { UserError } from '../engine/errors.js';
import type { GenerateFlags } from './flags.js';
import { printDiagnostics, say, type Output } from './output.js';
import { diffOf, outOfDate, readManifestText, regenerate, summarize, type RegenerateResult } from '../engine/regenerate.js';
import { styleFor } from './style.js';
import { watchFile } from '../engine/watch.js';

export interface GenerateCommandResult {
  ok: boolean;
  mode: 'write' | 'check' | 'diff';
  manifest: string;
  out?: string;
  files: { path: string; status: FileStatus; action: Action; reason: string }[];
  summary: string;
  diff?: string;
  /** For an invalid manifest: every problem, with file, line and column. */
  diagnostics?: Diagnostic[];
}

/** Runs generate (or --check, --diff, --watch); `ok: false` means exit 1. Throws UserError for usage problems. */
export async function generateFiles(flags: GenerateFlags, output: Output): Promise<GenerateCommandResult> {
  const targets = parseTargets(flags.target);
  const mode = flags.check ? 'check' : flags.diff ? 'diff' : 'write';
  const options = { manifest: flags.manifest, out: flags.out, targets, force: flags.force, replace: flags.replace, dryRun: mode !== 'write' };

  if (flags.watch) {
    await readManifestText(flags.manifest); // a missing manifest is a usage problem, not a state to watch
    const once = async () => {
      try {
        report(output, await regenerate(options), 'write', false);
      } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
      }
    };
    await once();
    say(output, `watching ${flags.manifest} (Ctrl-C to stop)`);
    await watchFile(flags.manifest, once);
    say(output, 'stopped watching');
    return { ok: true, mode, manifest: flags.manifest, files: [], summary: 'stopped watching' };
  }

  return report(output, await regenerate(options), mode, flags['fail-on-change']);
}

/** Prints one run's outcome; `ok: false` means the command should exit 1. */
function report(output: Output, result: RegenerateResult, mode: GenerateCommandResult['mode'], failOnChange: boolean): GenerateCommandResult {
  const out = styleFor(process.stdout);
  const err = styleFor(process.stderr);
  if (result.kind === 'invalid') {
    printDiagnostics(output, result.diagnostics, new Map([[result.manifest, result.source]]));
    if (!output.json) process.stderr.write(`\n${result.manifest} is not valid: nothing was written\n`);
    return { ok: false, mode, manifest: result.manifest, out: result.out, files: [], summary: 'invalid manifest', diagnostics: result.diagnostics };
  }
  const files = result.files.map(({ path, status, action, reason }) => ({ path, status, action, reason }));
  const base = { mode, manifest: result.manifest, out: result.out, files };
  if (result.kind === 'refused') {
    if (!output.json) {
      const lines = result.refused.map((f) => `  ${f.path}: ${f.reason}`);
      process.stderr.write(
        `${err.red('error')}: ${result.refused.length} file${result.refused.length === 1 ? '' : 's'} would be overwritten, so nothing was written:\n${lines.join('\n')}\n${howToProceed(result.refused).join('\n')}\n`,
      );
    }
    return { ...base, ok: false, summary: `${result.refused.length} refused` };
  }
  const summary = summarize(result);
  if (mode === 'check') {
    const stale = outOfDate(result);
    for (const f of stale) say(output, `${f.path}: ${f.status}: ${f.reason}`);
    if (stale.length > 0) {
      if (!output.json) process.stderr.write(`${stale.length} file${stale.length === 1 ? ' is' : 's are'} not what ${result.manifest} generates:\n${howToProceed(stale).join('\n')}\n`);
      return { ...base, ok: false, summary: `${stale.length} out of date` };
    }
    say(output, `${result.files.length} file${result.files.length === 1 ? '' : 's'} up to date`);
    return { ...base, ok: true, summary: 'up to date' };
  }
  if (mode === 'diff') {
    // Like diff(1) and `git diff --exit-code`: 0 when nothing would change, 1 when something would.
    const diff = diffOf(result.files);
    if (!output.quiet && !output.json && diff) process.stdout.write(diff);
    say(output, summary);
    const refused = result.files.filter((f) => f.action === 'refuse');
    if (refused.length > 0 && !output.json) process.stderr.write(`${refused.length} file${refused.length === 1 ? '' : 's'} would be refused:\n${howToProceed(refused).join('\n')}\n`);
    return { ...base, ok: diff === '' && refused.length === 0, summary, diff };
  }
  for (const { path, backup } of result.backups ?? []) say(output, `${out.yellow('moved')} ${path} to ${backup} (kept as a backup; mlgen never deletes it)`);
  for (const path of result.written) say(output, `${out.green('wrote')} ${path} (${result.files.find((f) => f.path === path)?.status})`);
  if (result.recordWritten) say(output, `${out.green('wrote')} .mlgen/generated.json (the record of what mlgen generated: commit it)`);
  for (const path of result.removed) say(output, `${out.yellow('removed')} ${path} (no longer generated)`);
  for (const path of result.kept) say(output, `${out.yellow('kept')} ${path}: no longer generated, but edited by hand; delete it yourself when done with it`);
  say(output, summary);
  const changed = result.written.length + result.removed.length > 0;
  if (failOnChange && changed && !output.json) process.stderr.write('files were regenerated: add them and commit again\n');
  return { ...base, ok: !(failOnChange && changed), summary };
}

/** What to run next for files that are not what the manifest generates, by what is wrong with them. */
function howToProceed(files: readonly FileDecision[]): string[] {
  const has = (status: FileStatus) => files.find((f) => f.status === status);
  const lines: string[] = [];
  if (files.some((f) => f.status === 'new' || f.status === 'stale' || f.status === 'orphaned')) lines.push('  To bring the generated files up to date: mlgen generate');
  const edited = has('hand-edited');
  if (edited) {
    lines.push(`  To keep a hand edit, turn it into an override: mlgen adopt ${edited.path}`);
    lines.push('  To discard hand edits: mlgen generate --force (or --replace, which keeps each old file as PATH.mlgen-backup)');
  }
  const foreign = has('foreign');
  if (foreign) {
    lines.push(`  To let mlgen own ${foreign.path}: mlgen generate --replace (moves it to ${foreign.path}.mlgen-backup and writes the generated one)`);
    lines.push('  Or write the generated files elsewhere: mlgen generate --out DIR, or leave that target out of targets: in the manifest');
  }
  return lines;
}

function parseTargets(list: string | undefined): TargetId[] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !targetIds().includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new UserError(`--target takes a comma-separated list of ${targetIds().join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`, 2);
  }
  return [...new Set(names)] as TargetId[];
}
