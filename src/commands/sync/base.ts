/**
 * What `mlgen sync gitlab` and `mlgen sync jenkins` share: flags, reading credentials from the
 * environment, generating the files, and how failures end a run (one line, then what was and
 * was not done; exit 1; usage problems exit 2).
 */
import { execFileSync } from 'node:child_process';
import { Flags } from '@oclif/core';
import { BaseCommand, UserError } from '../../cli/base.js';
import { styleFor } from '../../cli/style.js';
import type { TargetId } from '../../plan/index.js';
import { PartialSyncError } from '../../sync/changes.js';
import { SyncError } from '../../sync/errors.js';
import { generateForSync } from '../../sync/generated.js';
import { OutputFilter, withoutCredentials } from '../../sync/redact.js';

export const syncFlags = {
  manifest: Flags.string({ char: 'm', description: 'The manifest.', default: 'mlgen.yaml' }),
  'dry-run': Flags.boolean({ description: 'Print every change it would make, and make none.', default: false }),
  timeout: Flags.string({ description: 'Seconds to wait for each request.', default: '30' }),
};

export abstract class SyncCommand extends BaseCommand {
  /** Everything printed or returned passes through it (redact.ts says why). */
  protected filter = new OutputFilter([]);

  /** The credentials this run holds: never printed, never in --json. */
  protected holding(...secrets: string[]): void {
    this.filter = new OutputFilter(secrets);
  }

  /** A line of the sync's log, filtered. */
  protected logLine = (line: string): void => this.say(this.filter.text(line));

  /** The base URL, checked: a usage error (exit 2) unless it is http(s). */
  protected baseUrl(url: string, example: string): string {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UserError(`--url must be a full URL such as ${example}, not "${url}"`, 2);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UserError(`--url must start with https:// or http://, not "${url}"`, 2);
    if (parsed.username || parsed.password) throw new UserError('--url must not carry credentials: they come from the environment', 2);
    return url.replace(/\/+$/, '');
  }

  /** --timeout in seconds; anything but a positive number is a usage error. */
  protected seconds(input: string): number {
    const seconds = Number(input);
    if (input.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new UserError(`--timeout takes a positive number of seconds, not "${input}"`, 2);
    return seconds;
  }

  /** A credential from the environment; missing is a usage problem that says how to set it. */
  protected fromEnvironment(name: string, what: string): string {
    const value = process.env[name];
    if (value === undefined || value.trim() === '') {
      throw new UserError(`${name} is not set: put ${what} in the environment (\`export ${name}=...\`; in CI, a masked secret variable)`, 2);
    }
    return value.trim();
  }

  /** The generated files of one target, or the manifest's diagnostics and exit 1. */
  protected async generated(manifest: string, target: TargetId) {
    const result = await generateForSync(manifest, target);
    if (!result.ok) this.failWithDiagnostics(result.diagnostics, manifest, result.text);
    return result;
  }

  /** Runs the sync; a SyncError ends the run with its one-line message and the partial report. */
  protected async reportingFailures<T>(work: () => Promise<T>): Promise<T> {
    try {
      return this.filter.value(await work());
    } catch (error) {
      if (!(error instanceof SyncError)) throw error;
      const partial = error instanceof PartialSyncError;
      const after = partial ? error.report() : error.exitCode === 2 ? [] : ['Nothing was changed.'];
      const message = this.filter.text(error.message);
      if (this.jsonEnabled()) this.logJson(this.filter.value({ error: error.message, changes: partial ? error.records : [] }));
      else process.stderr.write(`${styleFor(process.stderr).red('error')}: ${message}\n${after.map((l) => `${this.filter.text(l)}\n`).join('')}`);
      this.exit(error.exitCode);
    }
  }
}

/**
 * The URL of this repository's `origin` remote, when the current directory is a Git checkout,
 * without the credentials a CI clone puts into it (the URL goes into a Jenkins job and the log).
 */
export function gitOrigin(): string | undefined {
  try {
    const url = execFileSync('git', ['remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return url === '' ? undefined : withoutCredentials(url);
  } catch {
    return undefined;
  }
}
