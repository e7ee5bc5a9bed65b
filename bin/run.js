#!/usr/bin/env node
// `mlgen validate` and `mlgen generate` run on every commit and every save, so each starts from
// one bundled file with a V8 code cache (scripts/build-bundle.mjs) instead of oclif and some
// 200 modules. Everything else, help, and any argv a bundle declines goes to oclif.
// MLGEN_NO_BUNDLE=1 always uses oclif.
import { existsSync, readFileSync, statSync } from 'node:fs';
import Module from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const argv = process.argv.slice(2);

/** The command's bundle; undefined when there is none, or when in a checkout `tsc` rebuilt dist/ after it. */
function loadBundle(command) {
  const bundle = fileURLToPath(new URL(`../dist/mlgen-${command}.cjs`, import.meta.url));
  try {
    const built = statSync(bundle).mtimeMs;
    // Only a checkout has src/ (the package does not ship it), and there `npx tsc` alone leaves
    // the bundle behind: tsc rewrites every file of dist/, so one of them tells. (An installed
    // package's files all have their extraction times, so this test would misfire there.)
    if (existsSync(new URL('../src', import.meta.url)) && statSync(new URL('../dist/cli/fast.js', import.meta.url)).mtimeMs > built) return undefined;
  } catch {
    return undefined;
  }
  let cachedData;
  try {
    cachedData = readFileSync(bundle.replace(/\.cjs$/, '.v8cache'));
  } catch {
    // no cache: V8 compiles as usual
  }
  const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(bundle), module, bundle, dirname(bundle));
  return module.exports;
}

const fast = (argv[0] === 'validate' || argv[0] === 'generate') && !process.env.MLGEN_NO_BUNDLE ? loadBundle(argv[0]) : undefined;
if (fast && (await fast.run(argv))) {
  // Done: exit rather than wait for Node to tear down a heap it is discarding anyway (some ms),
  // unless output is still queued (writes to pipes are asynchronous on some systems).
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
} else {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
