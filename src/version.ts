import { readFileSync } from 'node:fs';

/** mlgen's version, written into every header. A test keeps it equal to package.json's. */
export const VERSION = '0.1.0';

let build: string | undefined;

/**
 * This build of mlgen: the version and the id `npm run build` writes to dist/build-id (a
 * rebuilt checkout is another build, though its version is the same). The oclif commands
 * (dist/version.js) and the bundles (dist/mlgen-*.cjs) find the same file beside them.
 */
export function buildId(): string {
  if (build === undefined) {
    let id = '';
    try {
      id = ` ${readFileSync(new URL('./build-id', import.meta.url), 'utf8').trim()}`;
    } catch {
      // no id (running from src/ under a test runner): the version alone
    }
    build = `${VERSION}${id}`;
  }
  return build;
}
