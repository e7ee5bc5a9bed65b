/**
 * What every mlgen command shares: --json and --quiet, colour rules, and how problems end a
 * run (diagnostics on stderr, exit 1; never a stack trace for a user's mistake).
 *
 * The printing itself lives in output.ts, shared with the bundled fast path of bin/run.js.
 */
import { Command, Errors } from '@oclif/core';
import type { Diagnostic } from '../manifest/index.js';
import { UserError } from './errors.js';
import { BASE_FLAGS } from './flags.js';
import { oclifFlags } from './oclif-flags.js';
import { printDiagnostics, printUserError, say, type Output } from './output.js';

export { UserError } from './errors.js';

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = oclifFlags(BASE_FLAGS);

  protected quiet = false;

  protected output(): Output {
    return { json: this.jsonEnabled(), quiet: this.quiet };
  }

  protected say(text: string): void {
    say(this.output(), text);
  }

  protected printDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
    printDiagnostics(this.output(), diagnostics, sources);
  }

  /** An invalid manifest ends the command: diagnostics (as data with --json), exit 1. */
  protected failWithDiagnostics(diagnostics: readonly Diagnostic[], file: string, text: string): never {
    this.printDiagnostics(diagnostics, new Map([[file, text]]));
    if (this.jsonEnabled()) this.logJson({ diagnostics });
    this.exit(1);
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (error instanceof UserError) {
      printUserError(this.output(), error);
      this.exit(error.exitCode);
    }
    // this.exit() throws ExitError; oclif's own handler would print a second JSON document.
    if (error instanceof Errors.ExitError) throw error;
    return super.catch(error);
  }
}
