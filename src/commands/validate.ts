import { readFile } from 'node:fs/promises';
import { Args } from '@oclif/core';
import { BaseCommand, UserError } from '../cli/base.js';
import { loadManifest, type Diagnostic } from '../manifest/index.js';

export interface ValidateResult {
  valid: boolean;
  files: { file: string; valid: boolean }[];
  diagnostics: Diagnostic[];
}

export default class Validate extends BaseCommand {
  static override summary = 'Check mlgen manifests: every problem at once, each with file:line:col and a fix.';
  static override examples = ['<%= config.bin %> validate', '<%= config.bin %> validate services/*/mlgen.yaml --json'];
  static override strict = false;
  static override args = { files: Args.string({ description: 'Manifests to check (default: ./mlgen.yaml).' }) };

  async run(): Promise<ValidateResult> {
    const { argv, flags } = await this.parse(Validate);
    this.quiet = flags.quiet;
    const files = argv.length > 0 ? (argv as string[]) : ['mlgen.yaml'];
    const result: ValidateResult = { valid: true, files: [], diagnostics: [] };
    const sources = new Map<string, string>();
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UserError(code === 'ENOENT' ? `${file} does not exist: run \`mlgen init\` to create a manifest, or name one` : `cannot read ${file}: ${code}`);
      }
      sources.set(file, text);
      const loaded = loadManifest(text, file);
      result.files.push({ file, valid: loaded.ok });
      result.diagnostics.push(...loaded.diagnostics);
      if (!loaded.ok) result.valid = false;
    }
    this.printDiagnostics(result.diagnostics, sources);
    const bad = result.files.filter((f) => !f.valid).length;
    if (bad > 0) {
      if (!this.jsonEnabled()) process.stderr.write(`\n${result.diagnostics.length} problem${result.diagnostics.length === 1 ? '' : 's'} in ${bad} of ${files.length} manifest${files.length === 1 ? '' : 's'}\n`);
      else this.logJson(result);
      this.exit(1);
    }
    this.say(files.length === 1 ? `${files[0]} is valid` : `${files.length} manifests are valid`);
    return result;
  }
}
