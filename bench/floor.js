// The floor: what the libraries the design card prescribes cost on their own, without any of
// mlgen's code. Any mlgen built on them pays at least this, so a target below the floor cannot
// be met on this stack, however mlgen's own code is written.
//
// For one manifest, the floor does only what no implementation can skip:
//   - parse it with `yaml` (with a LineCounter, as every error must name file:line:col),
//   - validate it with mlgen's zod schema,
//   - emit, with `yaml` and mlgen's options, the YAML documents mlgen generates for it
//     (GitHub, GitLab, Azure), given as plain data prepared beforehand.
// It leaves out everything else a generate does: building the plan and the documents, the
// Jenkinsfiles (Handlebars), the gate script, headers, and reading or writing any file of the
// output. So the floor is a lower bound.
//
// Cold, the floor runs like mlgen's own fast path: one minified CommonJS bundle (esbuild), with
// a V8 code cache made after one run.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

/** Plain data of the YAML files mlgen generates for `text`. */
export function yamlDocumentsOf(generateFiles, text) {
  const result = generateFiles(text, { manifestPath: 'mlgen.yaml' });
  if (!result.ok) throw new Error('floor: the manifest is invalid');
  return result.files.filter((f) => /\.ya?ml$/.test(f.path) && !f.path.endsWith('actionlint.yaml')).map((f) => parse(f.content));
}

/** In process: the floor's work for one manifest and its documents. */
export async function floorInProcess(packageRoot) {
  const { Document, LineCounter, parseDocument } = await import('yaml');
  const { manifestSchema } = await import(pathToFileURL(join(packageRoot, 'dist/manifest/schema.js')).href);
  const { STRINGIFY_OPTIONS } = await import(pathToFileURL(join(packageRoot, 'dist/files/yaml.js')).href);
  return (text, documents) => {
    const parsed = parseDocument(text, { lineCounter: new LineCounter() });
    if (!manifestSchema().safeParse(parsed.toJS()).success) throw new Error('floor: the manifest is invalid');
    let bytes = 0;
    for (const document of documents) bytes += new Document(document, STRINGIFY_OPTIONS).toString(STRINGIFY_OPTIONS).length;
    return bytes;
  };
}

const ENTRY = (packageRoot) => `
import { config } from 'zod';
import { Document, LineCounter, parseDocument } from 'yaml';
import { readFileSync } from 'node:fs';
import { manifestSchema } from ${JSON.stringify(join(packageRoot, 'dist/manifest/schema.js'))};
import { STRINGIFY_OPTIONS } from ${JSON.stringify(join(packageRoot, 'dist/files/yaml.js'))};
config({ jitless: true }); // as mlgen's CLI does
export function run([manifest, documentsFile]) {
  const parsed = parseDocument(readFileSync(manifest, 'utf8'), { lineCounter: new LineCounter() });
  if (!manifestSchema().safeParse(parsed.toJS()).success) throw new Error('floor: the manifest is invalid');
  let bytes = 0;
  if (documentsFile) for (const document of JSON.parse(readFileSync(documentsFile, 'utf8'))) bytes += new Document(document, STRINGIFY_OPTIONS).toString(STRINGIFY_OPTIONS).length;
  return bytes;
}
`;

const LOADER = `'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const vm = require('node:vm');
const [bundle, cacheFile, ...args] = process.argv.slice(2);
let cachedData;
try { cachedData = readFileSync(cacheFile); } catch {}
const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
const bundled = { exports: {} };
script.runInThisContext()(bundled.exports, Module.createRequire(bundle), bundled, bundle, __dirname);
bundled.exports.run(args);
if (!cachedData) writeFileSync(cacheFile, script.createCachedData());
`;

/**
 * Builds the cold floor into `work` and returns two argv: parse and validate only (the floor of
 * `mlgen validate`), and that plus emitting `documents` (the floor of `mlgen generate`).
 */
export async function buildColdFloor(packageRoot, work, manifest, documents) {
  const { build } = await import('esbuild');
  const entry = join(work, 'floor-entry.mjs');
  const bundle = join(work, 'floor.cjs');
  const loader = join(work, 'floor-run.cjs');
  const cache = join(work, 'floor.v8cache');
  const documentsFile = join(work, 'floor-documents.json');
  writeFileSync(entry, ENTRY(packageRoot));
  writeFileSync(loader, LOADER);
  writeFileSync(documentsFile, JSON.stringify(documents));
  await build({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: true, outfile: bundle, logLevel: 'warning', nodePaths: [join(packageRoot, 'node_modules')] });
  // The first run writes the code cache, after compiling what a full run uses.
  const first = spawnSync(process.execPath, [loader, bundle, cache, manifest, documentsFile], { stdio: 'inherit' });
  if (first.status !== 0 || !existsSync(cache)) throw new Error('floor: the first run failed or wrote no code cache');
  return {
    validate: [process.execPath, loader, bundle, cache, manifest],
    generate: [process.execPath, loader, bundle, cache, manifest, documentsFile],
  };
}
