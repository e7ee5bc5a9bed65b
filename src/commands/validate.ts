import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { validateFiles, type ValidateResult } from '../cli/validate.js';

export type { ValidateResult } from '../cli/validate.js';

export default class Validate extends BaseCommand {
  static override summary = 'Check mlgen manifests: every problem at once, each with file:line:col and a fix.';
  static override examples = ['<%= config.bin %> validate', '<%= config.bin %> validate services/*/mlgen.yaml --json'];
  static override strict = false;
  static override args = { files: Args.string({ description: 'Manifests to check (default: ./mlgen.yaml).' }) };

  async run(): Promise<ValidateResult> {
    const { argv, flags } = await this.parse(Validate);
    this.quiet = flags.quiet;
    const files = argv.length > 0 ? (argv as string[]) : ['mlgen.yaml'];
    const { result, exitCode } = await validateFiles(files, this.output());
    if (exitCode !== 0) {
      if (this.jsonEnabled()) this.logJson(result);
      this.exit(exitCode);
    }
    return result;
  }
}
