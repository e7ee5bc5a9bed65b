/**
 * What a test needs from outside the repository, said in one line when it is missing (issue 15,
 * item 6): a clone alone runs every test except those that need these, and those fail naming
 * what to put where, without a stack trace.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const CHECKOUT = new URL('../../', import.meta.url).pathname;

/** The shared inputs directory: $MLGEN_SHARED, else ../shared beside the clone. */
export const SHARED_DIR = process.env.MLGEN_SHARED ? resolve(process.env.MLGEN_SHARED) : resolve(CHECKOUT, '../shared');

/** An error that prints as its message alone. */
export function missing(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}

/** The path of a file under the shared directory; throws a one-line error naming it when it is missing. */
export function sharedFile(relativePath: string, what: string): string {
  const file = join(SHARED_DIR, relativePath);
  if (!existsSync(file)) {
    throw missing(`needs ${file} (${what}), which mlgen does not vendor: put the shared inputs directory beside the clone as ../shared, or set MLGEN_SHARED=DIR`);
  }
  return file;
}
