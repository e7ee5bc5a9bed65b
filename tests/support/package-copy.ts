/**
 * A private copy of the package whose dist/ is compiled from only the given entry files, so
 * CLI tests run the real bin/run.js without racing other builds of the checkout's dist/.
 * (Without oclif.manifest.json, oclif loads every command it finds in that dist/.)
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;

export function buildPackageCopy(prefix: string, entries: readonly string[]): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  symlinkSync(join(ROOT, 'templates'), join(copy, 'templates'), 'dir');
  const tsconfig = join(copy, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { rootDir: join(ROOT, 'src'), outDir: join(copy, 'dist') },
      include: [],
      files: entries.map((f) => join(ROOT, f)),
    }),
  );
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { stdio: 'pipe' });
  return copy;
}
