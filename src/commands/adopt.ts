import { readFile, realpath } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { adoptEdit } from '../adopt/index.js';
import { BaseCommand, UserError } from '../cli/base.js';
import { manifestPathFor, readManifestText, regenerate, summarize } from '../engine/regenerate.js';
import { unifiedDiff } from '../files/diff.js';
import { parseHeader } from '../files/header.js';
import { safeTarget, writeFileAtomic } from '../files/write.js';
import { generate } from '../engine/generate.js';

export interface AdoptResult {
  file: string;
  adopted: boolean;
  target?: string;
  changes: string[];
  alsoChanges: string[];
  manifestDiff: string;
}

export default class Adopt extends BaseCommand {
  static override summary = 'Keep a hand edit of a generated YAML file: move it into the manifest as an override.';
  static override description = [
    'Compares the edited file with what mlgen generates, writes the difference into `overrides:` in the manifest',
    '(keeping its comments and layout), and regenerates, so the edit survives every later `mlgen generate`.',
    'Edits an override cannot express (comments, key order, Jenkinsfiles) are explained and nothing changes.',
  ].join('\n');

  static override examples = ['<%= config.bin %> adopt .github/workflows/mlgen-ci.yml', '<%= config.bin %> adopt .gitlab-ci.yml --dry-run'];
  static override args = { file: Args.string({ description: 'The edited generated file.', required: true }) };
  static override flags = {
    manifest: Flags.string({ char: 'm', description: 'The manifest.', default: 'mlgen.yaml' }),
    out: Flags.string({ char: 'o', description: "The output directory the file belongs to (default: the manifest's directory)." }),
    'dry-run': Flags.boolean({ description: 'Show the change to the manifest; write nothing.', default: false }),
  };

  async run(): Promise<AdoptResult> {
    const { args, flags } = await this.parse(Adopt);
    this.quiet = flags.quiet;
    const manifestText = await readManifestText(flags.manifest);
    const out = await realpath(flags.out ?? dirname(flags.manifest)).catch(() => {
      throw new UserError(`the output directory ${flags.out} does not exist`);
    });
    const toPosix = (p: string) => p.split(sep).join('/');
    const manifestPath = manifestPathFor(out, flags.manifest);
    const fileReal = await realpath(args.file).catch(() => {
      throw new UserError(`${args.file} does not exist`);
    });
    const path = toPosix(relative(out, fileReal));
    if (path.startsWith('../') || resolve(out, path) !== fileReal) throw new UserError(`${args.file} is outside the output directory ${out}`);
    const edited = await readFile(fileReal, 'utf8');

    const outcome = adoptEdit({ manifestText, manifestFile: flags.manifest, manifestPath, path, edited, engine: generate });
    const result: AdoptResult = { file: path, adopted: false, changes: [], alsoChanges: [], manifestDiff: '' };
    switch (outcome.kind) {
      case 'nothing':
        this.say(outcome.reason);
        return result;
      case 'invalid-manifest':
        this.printDiagnostics(outcome.diagnostics, new Map([[flags.manifest, manifestText]]));
        throw new UserError(`${flags.manifest} is not valid: fix it first, then adopt`);
      case 'cannot':
        if (outcome.details && !this.jsonEnabled()) process.stderr.write(outcome.details);
        throw new UserError(`cannot adopt ${path}: ${outcome.reason}. Nothing was changed.`);
      case 'adopted':
        break;
      default: {
        const unknown: never = outcome;
        throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
      }
    }

    // Before touching anything: regeneration must not meet another edit it would overwrite.
    const preview = await regenerate({ manifest: flags.manifest, out: flags.out, text: outcome.manifestText, dryRun: true });
    if (preview.kind === 'invalid') throw new UserError(`the override would make ${flags.manifest} invalid`);
    const sameBody = (current: string | undefined, generated: string | undefined) =>
      current !== undefined && generated !== undefined && parseHeader(current)?.body === parseHeader(generated)?.body;
    const blocking = preview.files.filter((f) => f.action === 'refuse' && f.path !== path && !sameBody(f.current, f.generated));
    if (blocking.length > 0) {
      throw new UserError(
        `cannot adopt ${path} yet: regenerating would overwrite ${blocking.map((f) => `${f.path} (${f.reason})`).join(', ')}. Adopt or revert those first. Nothing was changed.`,
      );
    }
    Object.assign(result, { adopted: true, target: outcome.target, changes: outcome.changes, alsoChanges: outcome.alsoChanges });
    result.manifestDiff = unifiedDiff(manifestText, outcome.manifestText, `a/${flags.manifest}`, `b/${flags.manifest}`);
    if (flags['dry-run']) {
      if (!this.quiet && !this.jsonEnabled()) process.stdout.write(result.manifestDiff);
      this.say(`would add overrides.${outcome.target}: ${outcome.changes.join(', ')}`);
      return { ...result, adopted: false };
    }

    await writeFileAtomic(resolve(flags.manifest), outcome.manifestText);
    // Files whose body already is what the new manifest generates (the adopted one, or the same
    // edit made in another workflow) lose nothing: give them their new header.
    for (const f of preview.files) {
      if ((f.action === 'refuse' || f.path === path) && sameBody(f.current, f.generated)) {
        await writeFileAtomic(await safeTarget(out, f.path), f.generated!);
      }
    }
    const after = await regenerate({ manifest: flags.manifest, out: flags.out });
    this.say(`adopted ${path} into ${flags.manifest}: overrides.${outcome.target}: ${outcome.changes.join(', ')}`);
    if (outcome.alsoChanges.length > 0) {
      this.say(`the override also changes ${outcome.alsoChanges.join(', ')}${outcome.target === 'github' ? ' (GitHub overrides apply to every workflow; a jobs: entry to every workflow with that job)' : ''}`);
    }
    if (after.kind === 'done') this.say(summarize(after));
    return result;
  }
}
