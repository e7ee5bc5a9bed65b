/**
 * What every mlgen command shares: --json and --quiet, colour rules, and how problems end a
 * run (diagnostics on stderr, exit 1; never a stack trace for a user's mistake).
 *
 * The printing itself lives in output.ts, shared with the bundled fast path of bin/run.js.
 */
import { Command, Errors } from '@oclif/core';
import type { Diagnostic } from '../manifest/index.js';
import { closest } from '../manifest/suggest.js';
import { UserError } from '../engine/errors.js';
import { BASE_FLAGS } from './flags.js';
import { oclifFlags } from './oclif-flags.js';
import { printDiagnostics, printUserError, say, type Output } from './output.js';

export { UserError } from '../engine/errors.js';

/** Flags of a parse error oclif raises for unknown flags (NonExistentFlagsError). */
interface ParseError extends Error {
  parse?: unknown;
  flags?: string[];
}

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

  /** oclif's usage errors (unknown flag, missing value, exclusive flags) as one mlgen line, with did-you-mean. */
  private usageError(raised: Error): UserError | undefined {
    const error = raised as ParseError;
    if (!(raised instanceof Errors.CLIError) || error.parse === undefined) return undefined;
    const command = `${this.config.bin} ${this.id?.replaceAll(':', ' ') ?? ''}`.trim();
    const help = `${command} --help lists the flags`;
    if (Array.isArray(error.flags) && error.flags.length > 0) {
      const known = Object.keys({ ...this.ctor.baseFlags, ...this.ctor.flags, json: true }).map((f) => `--${f}`);
      const parts = error.flags.map((flag: string) => {
        const nearest = closest(flag.replace(/=.*/, ''), known);
        return `unknown flag ${flag}${nearest ? `: did you mean ${nearest}?` : ''}`;
      });
      return new UserError(`${parts.join('; ')} (${help})`, 2);
    }
    const first = error.message.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('See more help'));
    const text = first
      .join(' ')
      .replace(/^The following errors? occurred:\s*/, '')
      .replace(/--([\w-]+)=\S+ cannot also be provided when using --([\w-]+)/g, '--$1 and --$2 cannot be given together');
    return new UserError(`${text.charAt(0).toLowerCase()}${text.slice(1)} (${help})`, 2);
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (error instanceof UserError) {
      printUserError(this.output(), error);
      this.exit(error.exitCode);
    }
    // this.exit() throws ExitError; oclif's own handler would print a second JSON document.
    if (error instanceof Errors.ExitError) throw error;
    const usage = this.usageError(error);
    if (usage) {
      printUserError(this.output(), usage);
      this.exit(2);
    }
    return super.catch(error);
  }
}
