import { BaseCommand } from '../cli/base.js';
import { GENERATE_FLAGS } from '../cli/flags.js';
import { generateFiles, type GenerateCommandResult } from '../cli/generate.js';
import { oclifFlags } from '../cli/oclif-flags.js';

export type { GenerateCommandResult } from '../cli/generate.js';

export default class Generate extends BaseCommand {
  static override summary = 'Write the CI files for the manifest: only what changed, never over a hand edit.';
  static override description = [
    'Each file is new, unchanged, stale, hand-edited, foreign (not written by mlgen) or orphaned (no longer generated).',
    'New and stale files are written atomically; orphans are removed while nobody edited them.',
    'Hand-edited and foreign files stop the run before anything is written: keep an edit with `mlgen adopt FILE`;',
    'let mlgen own the path with --replace (the old file is moved to PATH.mlgen-backup, which mlgen never deletes), or discard it with --force.',
    'Exit status: 0 done (with --check: up to date; with --diff: nothing would change), 1 invalid manifest, refused file, out-of-date file (--check) or a non-empty diff (--diff).',
  ].join('\n');

  static override examples = [
    '<%= config.bin %> generate',
    '<%= config.bin %> generate --check   # in CI: fail when the files are not what the manifest generates',
    '<%= config.bin %> generate --diff',
    '<%= config.bin %> generate --replace   # an existing hand-written .gitlab-ci.yml becomes .gitlab-ci.yml.mlgen-backup',
    '<%= config.bin %> generate --target github,gitlab --out build/',
    '<%= config.bin %> generate --watch',
  ];

  static override flags = oclifFlags(GENERATE_FLAGS);

  async run(): Promise<GenerateCommandResult> {
    const { flags } = await this.parse(Generate);
    this.quiet = flags.quiet;
    const result = await generateFiles(flags, this.output());
    // Exit 1 by exit code, not by this.exit(): under --json oclif would print the exit as a second JSON document.
    if (!result.ok) process.exitCode = 1;
    return result;
  }
}
