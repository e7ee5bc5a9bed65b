// Everything `npm run build` makes after `tsc` (which must run first):
//   dist/templates-precompiled.js   templates/**/*.hbs precompiled (scripts/build-templates.mjs)
//   dist/mlgen-<command>.cjs + .v8cache  the fast path of bin/run.js (scripts/build-bundle.mjs)
//   oclif.manifest.json             oclif's command manifest (scripts/build-manifest.mjs)
//   dist/build-id                   a new id per build: generate's last-run cache never outlives a rebuild (src/version.ts)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const scripts = dirname(fileURLToPath(import.meta.url));
writeFileSync(join(dirname(scripts), 'dist', 'build-id'), `${randomBytes(8).toString('hex')}\n`);
for (const script of ['build-templates.mjs', 'build-bundle.mjs', 'build-manifest.mjs']) {
  const result = spawnSync(process.execPath, [join(scripts, script)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
