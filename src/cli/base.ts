/**
 * What every mlgen command shares: --json and --quiet, colour rules, and how problems end a
 * run (diagnostics on stderr, exit 1; never a stack trace for a user's mistake).
 */
import { Command, Errors, Flags } from '@oclif/core';
import { formatDiagnostics, type Diagnostic } from '../manifest/index.js';
import { styleFor } from './style.js';

/** A user's mistake, already explained: print the message and exit with the code. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    quiet: Flags.boolean({ char: 'q', description: 'Print only errors.', default: false }),
  };

  protected quiet = false;

  protected say(text: string): void {
    if (!this.quiet && !this.jsonEnabled()) this.log(text);
  }

  protected printDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
    if (this.jsonEnabled() || diagnostics.length === 0) return;
    process.stderr.write(`${formatDiagnostics(diagnostics, sources, styleFor(process.stderr))}\n`);
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (error instanceof UserError) {
      if (this.jsonEnabled()) this.logJson({ error: error.message });
      else process.stderr.write(`${styleFor(process.stderr).red('error')}: ${error.message}\n`);
      this.exit(error.exitCode);
    }
    // this.exit() throws ExitError; oclif's own handler would print a second JSON document.
    if (error instanceof Errors.ExitError) throw error;
    return super.catch(error);
  }
}
