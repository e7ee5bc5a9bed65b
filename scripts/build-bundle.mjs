// The fast path of bin/run.js: per command, one minified CommonJS file and a V8 code cache.
//
// `mlgen validate` and `mlgen generate` run on every commit and every save; in one file they
// skip resolving and reading some 200 modules, and with the code cache V8 skips compiling what
// a run uses (Node 20 has no module compile cache). bin/run.js loads a bundle with
// vm.Script(Module.wrap(source), { cachedData }); V8 rejects a cache made by another Node
// version or for other source, and then compiles as usual. One bundle per command, so that
// validate neither reads nor deserialises generate's code.
//
//   node scripts/build-bundle.mjs [outDir]    (default: dist; writes mlgen-<command>.cjs and .v8cache)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build } from 'esbuild';
import { precompiledModule } from './build-templates.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

const COMMANDS = ['validate', 'generate'];

export async function buildBundle(outDir, command) {
  const bundle = join(outDir, `mlgen-${command}.cjs`);
  const result = await build({
    entryPoints: [join(root, `src/cli/fast-${command}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    outfile: bundle,
    metafile: true,
    logLevel: 'warning',
    // templates.ts finds templates/ next to dist/ through import.meta.url.
    define: { 'import.meta.url': '__mlgenBundleUrl' },
    banner: { js: "var __mlgenBundleUrl=require('node:url').pathToFileURL(__filename).href;" },
    plugins: [
      {
        name: 'precompiled-templates',
        setup(b) {
          b.onLoad({ filter: /[\\/]src[\\/]templates-precompiled\.ts$/ }, () => ({ contents: precompiledModule(), loader: 'js' }));
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs);
  for (const banned of ['@oclif/core', 'ajv', '@gitbeaker', 'jenkins/']) {
    if (inputs.some((input) => input.includes(`node_modules/${banned}`))) throw new Error(`the fast bundle must not contain ${banned}`);
  }
  await writeCodeCache(bundle, join(outDir, `mlgen-${command}.v8cache`), command);
  return { bundle, bytes: readFileSync(bundle).length, metafile: result.metafile };
}

/**
 * Runs the bundle on a full manifest (generate writes into a scratch directory) and saves
 * V8's code for every function the run compiled.
 */
async function writeCodeCache(bundle, cacheFile, command) {
  const source = readFileSync(bundle, 'utf8');
  const script = new vm.Script(Module.wrap(source), { filename: bundle });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(bundle), module, bundle, dirname(bundle));
  const scratch = mkdtempSync(join(tmpdir(), 'mlgen-bundle-'));
  const manifest = join(root, 'tests/fixtures/manifests/spec-complete.yaml');
  const exitCode = process.exitCode;
  try {
    const argv = command === 'validate' ? ['validate', manifest, '--quiet'] : ['generate', '--manifest', manifest, '--out', scratch, '--quiet'];
    if (!(await module.exports.run(argv)) || process.exitCode) throw new Error(`warming the bundle: mlgen ${argv.join(' ')} failed`);
  } finally {
    process.exitCode = exitCode;
    rmSync(scratch, { recursive: true, force: true });
  }
  writeFileSync(cacheFile, script.createCachedData());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(root, 'dist'));
  mkdirSync(outDir, { recursive: true });
  for (const command of COMMANDS) {
    const { bundle, bytes } = await buildBundle(outDir, command);
    console.log(`${bundle}: ${(bytes / 1024).toFixed(0)} KiB`);
  }
}
