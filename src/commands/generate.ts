import { Flags } from '@oclif/core';
import { BaseCommand, UserError } from '../cli/base.js';
import { diffOf, outOfDate, readManifestText, regenerate, summarize, type RegenerateResult } from '../cli/regenerate.js';
import { styleFor } from '../cli/style.js';
import { watchFile } from '../cli/watch.js';
import type { Action, FileStatus } from '../files/classify.js';
import { TARGET_IDS, type Diagnostic, type TargetId } from '../manifest/index.js';

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

export default class Generate extends BaseCommand {
  static override summary = 'Write the CI files for the manifest: only what changed, never over a hand edit.';
  static override description = [
    'Each file is new, unchanged, stale, hand-edited, foreign (not written by mlgen) or orphaned (no longer generated).',
    'New and stale files are written atomically; orphans are removed while nobody edited them.',
    'Hand-edited and foreign files stop the run before anything is written: keep an edit with `mlgen adopt FILE`, or pass --force.',
  ].join('\n');

  static override examples = [
    '<%= config.bin %> generate',
    '<%= config.bin %> generate --check   # in CI: fail when the files are not what the manifest generates',
    '<%= config.bin %> generate --diff',
    '<%= config.bin %> generate --target github,gitlab --out build/',
    '<%= config.bin %> generate --watch',
  ];

  static override flags = {
    manifest: Flags.string({ char: 'm', description: 'The manifest.', default: 'mlgen.yaml' }),
    out: Flags.string({ char: 'o', description: "Where the files go (default: the manifest's directory)." }),
    target: Flags.string({ char: 't', description: `Only these targets, comma-separated: ${TARGET_IDS.join(', ')}. Leaves other files alone.` }),
    force: Flags.boolean({ char: 'f', description: 'Overwrite hand-edited and foreign files.', default: false }),
    check: Flags.boolean({ description: 'Write nothing; exit 1 when any file is missing, stale, hand-edited, foreign or orphaned.', default: false, exclusive: ['watch'] }),
    diff: Flags.boolean({ description: 'Write nothing; print a unified diff of what would change.', default: false, exclusive: ['watch'] }),
    watch: Flags.boolean({ char: 'w', description: 'Regenerate on every save of the manifest until Ctrl-C.', default: false }),
    'fail-on-change': Flags.boolean({ description: 'Exit 1 after writing or removing files (for pre-commit hooks: re-add them).', default: false }),
  };

  async run(): Promise<GenerateCommandResult> {
    const { flags } = await this.parse(Generate);
    this.quiet = flags.quiet;
    const targets = parseTargets(flags.target);
    const mode = flags.check ? 'check' : flags.diff ? 'diff' : 'write';
    const options = { manifest: flags.manifest, out: flags.out, targets, force: flags.force, dryRun: mode !== 'write' };

    if (flags.watch) {
      await readManifestText(flags.manifest); // a missing manifest is a usage problem, not a state to watch
      const once = async () => {
        try {
          this.report(await regenerate(options), 'write', false);
        } catch (error) {
          process.stderr.write(`error: ${(error as Error).message}\n`);
        }
      };
      await once();
      this.say(`watching ${flags.manifest} (Ctrl-C to stop)`);
      await watchFile(flags.manifest, once);
      this.say('stopped watching');
      return { ok: true, mode, manifest: flags.manifest, files: [], summary: 'stopped watching' };
    }

    const result = await regenerate(options);
    const reported = this.report(result, mode, flags['fail-on-change']);
    // Exit 1 by exit code, not by this.exit(): under --json oclif would print the exit as a second JSON document.
    if (!reported.ok) process.exitCode = 1;
    return reported;
  }

  /** Prints one run's outcome; `ok: false` means the command should exit 1. */
  private report(result: RegenerateResult, mode: GenerateCommandResult['mode'], failOnChange: boolean): GenerateCommandResult {
    const out = styleFor(process.stdout);
    const err = styleFor(process.stderr);
    if (result.kind === 'invalid') {
      this.printDiagnostics(result.diagnostics, new Map([[result.manifest, result.source]]));
      if (!this.jsonEnabled()) process.stderr.write(`\n${result.manifest} is not valid: nothing was written\n`);
      return { ok: false, mode, manifest: result.manifest, out: result.out, files: [], summary: 'invalid manifest', diagnostics: result.diagnostics };
    }
    const files = result.files.map(({ path, status, action, reason }) => ({ path, status, action, reason }));
    const base = { mode, manifest: result.manifest, out: result.out, files };
    if (result.kind === 'refused') {
      if (!this.jsonEnabled()) {
        const lines = result.refused.map((f) => `  ${f.path}: ${f.reason}`);
        process.stderr.write(
          `${err.red('error')}: ${result.refused.length} file${result.refused.length === 1 ? '' : 's'} would be overwritten, so nothing was written:\n${lines.join('\n')}\n` +
            `  To keep an edit, turn it into an override: mlgen adopt ${result.refused[0]!.path}\n` +
            `  To discard it, move the file away or run mlgen generate --force.\n`,
        );
      }
      return { ...base, ok: false, summary: `${result.refused.length} refused` };
    }
    const summary = summarize(result);
    if (mode === 'check') {
      const stale = outOfDate(result);
      for (const f of stale) this.say(`${f.path}: ${f.status}: ${f.reason}`);
      if (stale.length > 0) {
        if (!this.jsonEnabled()) process.stderr.write(`${stale.length} file${stale.length === 1 ? ' is' : 's are'} not what ${result.manifest} generates: run mlgen generate\n`);
        return { ...base, ok: false, summary: `${stale.length} out of date` };
      }
      this.say(`${result.files.length} file${result.files.length === 1 ? '' : 's'} up to date`);
      return { ...base, ok: true, summary: 'up to date' };
    }
    if (mode === 'diff') {
      const diff = diffOf(result.files);
      if (!this.quiet && !this.jsonEnabled() && diff) process.stdout.write(diff);
      this.say(summary);
      return { ...base, ok: true, summary, diff };
    }
    for (const path of result.written) this.say(`${out.green('wrote')} ${path} (${result.files.find((f) => f.path === path)?.status})`);
    for (const path of result.removed) this.say(`${out.yellow('removed')} ${path} (no longer generated)`);
    for (const path of result.kept) this.say(`${out.yellow('kept')} ${path}: no longer generated, but edited by hand; delete it yourself when done with it`);
    this.say(summary);
    const changed = result.written.length + result.removed.length > 0;
    if (failOnChange && changed && !this.jsonEnabled()) process.stderr.write('files were regenerated: add them and commit again\n');
    return { ...base, ok: !(failOnChange && changed), summary };
  }
}

function parseTargets(list: string | undefined): TargetId[] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(TARGET_IDS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new UserError(`--target takes a comma-separated list of ${TARGET_IDS.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`, 2);
  }
  return [...new Set(names)] as TargetId[];
}
