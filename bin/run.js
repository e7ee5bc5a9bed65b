#!/usr/bin/env node
// `mlgen validate` and `mlgen generate` run on every commit and every save, so each starts from
// one bundled file with a V8 code cache (scripts/build-bundle.mjs) instead of oclif and some
// 200 modules. Everything else, help, and any argv a bundle declines goes to oclif.
// MLGEN_NO_BUNDLE=1 always uses oclif.
//
// CommonJS (bin/package.json) rather than ESM: Node starts a CommonJS entry a few ms sooner,
// which is about a tenth of what a validate adds to Node's own start.
'use strict';
const { existsSync, readFileSync, statSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const packageRoot = dirname(__dirname);
const argv = process.argv.slice(2);

/** The command's bundle; undefined when there is none, or when in a checkout `tsc` rebuilt dist/ after it. */
function loadBundle(command) {
  const bundle = join(packageRoot, 'dist', `mlgen-${command}.cjs`);
  try {
    const built = statSync(bundle).mtimeMs;
    // Only a checkout has src/ (the package does not ship it), and there `npx tsc` alone leaves
    // the bundle behind: tsc rewrites every file of dist/, so one of them tells. (An installed
    // package's files all have their extraction times, so this test would misfire there.)
    if (existsSync(join(packageRoot, 'src')) && statSync(join(packageRoot, 'dist/cli/fast.js')).mtimeMs > built) return undefined;
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

async function main() {
  const fast = (argv[0] === 'validate' || argv[0] === 'generate') && !process.env.MLGEN_NO_BUNDLE ? loadBundle(argv[0]) : undefined;
  if (fast && (await fast.run(argv))) {
    // Done: exit rather than wait for Node to tear down a heap it is discarding anyway (some ms),
    // unless output is still queued (writes to pipes are asynchronous on some systems).
    if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
    return;
  }
  const { execute } = require('@oclif/core');
  // The package root, not bin/: bin/package.json only marks this file as CommonJS.
  await execute({ dir: packageRoot });
}

main().catch((error) => {
  // What an unhandled rejection would print, without Node's warning banner; oclif handles its own errors.
  console.error(error);
  process.exitCode = 1;
});
