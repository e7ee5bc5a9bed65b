import { Args, Flags } from '@oclif/core';
import { BaseCommand, UserError } from '../cli/base.js';
import { adoptFile, type AdoptResult } from '../engine/adopt.js';

export default class Adopt extends BaseCommand {
  static override summary = 'Keep a hand edit of a generated YAML file: move it into the manifest as an override.';
  static override description = [
    'Compares the data of the edited file with what mlgen generates (style, comments and key order are not data),',
    'writes the difference into `overrides:` in the manifest (keeping its comments and layout), and regenerates,',
    'so the edit survives every later `mlgen generate`. A file only re-styled needs no override: it is written',
    'as mlgen writes it. Edits an override cannot carry (a value set to null, Jenkinsfiles) are explained',
    'at their file:line:col and nothing changes.',
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
    const run = await adoptFile({ manifest: flags.manifest, out: flags.out, file: args.file, dryRun: flags['dry-run'] });
    switch (run.kind) {
      case 'nothing':
        this.say(run.reason);
        return run.result;
      case 'invalid-manifest':
        this.printDiagnostics(run.diagnostics, new Map([[flags.manifest, run.manifestText]]));
        throw new UserError(`${flags.manifest} is not valid: fix it first, then adopt`);
      case 'cannot':
        if (run.details && !this.jsonEnabled()) process.stderr.write(run.details);
        throw new UserError(`cannot adopt ${run.file}: ${run.reason}. Nothing was changed.`);
      case 'adopted':
        if (run.dryRun && !this.quiet && !this.jsonEnabled()) process.stdout.write(run.result.manifestDiff);
        for (const message of run.messages) this.say(message);
        return run.result;
      default: {
        const unknown: never = run;
        throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
      }
    }
  }
}
