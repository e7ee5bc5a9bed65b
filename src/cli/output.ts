/**
 * How the commands print, as plain functions: the oclif commands and the bundled fast path
 * (bin/run.js) call the same ones, so both write the same bytes.
 *
 * Each mirrors what oclif does for a command: `log` goes to stdout only without --json,
 * --json prints one pretty JSON document (oclif's logJson: two-space JSON by console.log).
 */
import { formatDiagnostics, type Diagnostic } from '../manifest/index.js';
import type { UserError } from '../engine/errors.js';
import { styleFor } from './style.js';

export interface Output {
  /** --json: data on stdout, nothing else there. */
  json: boolean;
  /** --quiet: only errors. */
  quiet: boolean;
}

/** A line for people: not with --quiet, not with --json. */
export function say(output: Output, text: string): void {
  if (!output.quiet && !output.json) console.log(text);
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, undefined, 2));
}

export function printDiagnostics(output: Output, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  if (output.json || diagnostics.length === 0) return;
  process.stderr.write(`${formatDiagnostics(diagnostics, sources, styleFor(process.stderr))}\n`);
}

/** A user's mistake as the last thing a run prints: `{ "error": ... }` with --json, else `error: ...` on stderr. */
export function printUserError(output: Output, error: UserError): void {
  if (output.json) printJson({ error: error.message });
  else process.stderr.write(`${styleFor(process.stderr).red('error')}: ${error.message}\n`);
}
