#!/usr/bin/env node
// mlgen's benchmark: cold CLI runs against `node -e 0`, alternated in one process so machine
// noise hits both sides alike, and in-process compilation throughput. Writes bench/RESULTS.md.
//
//   npm run bench                                   (builds first)
//   node bench/run.js --runs 30 --no-write --cli "node /tmp/x/node_modules/mlgen/bin/run.js"
//
// --cli names the CLI to time (default: this checkout's bin/run.js); the in-process rows use
// the engine of the same package (<package>/dist/engine/generate.js).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildColdFloor, floorInProcess, yamlDocumentsOf } from './floor.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(option('--runs', '25'));
const cli = option('--cli', `node ${join(root, 'bin/run.js')}`).split(' ');
const write = !args.includes('--no-write');
const packageRoot = cli.at(-1).endsWith('bin/run.js') ? resolve(dirname(cli.at(-1)), '..') : root;
const engine = join(packageRoot, 'dist/engine/generate.js');
if (!existsSync(engine)) throw new Error(`${engine} does not exist: build first (npm run build)`);

const fullManifest = readFileSync(join(root, 'tests/fixtures/manifests/spec-complete.yaml'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'mlgen-bench-'));
writeFileSync(join(work, 'mlgen.yaml'), fullManifest);
const loadBefore = loadavg()[0];

function timeOnce(argv, env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr.toString().slice(0, 500)}`);
  }
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Alternates baseline and subject runs, after one warm-up each (file cache, not JIT: each run is a new process). */
function compare(subject, { prepare = () => {}, env = {} } = {}) {
  const baseline = ['node', '-e', '0'];
  timeOnce(baseline);
  prepare();
  timeOnce(subject, env);
  const base = [];
  const measured = [];
  for (let i = 0; i < runs; i++) {
    base.push(timeOnce(baseline));
    prepare();
    measured.push(timeOnce(subject, env));
  }
  return { baseline: median(base), subject: median(measured), ratio: median(measured) / median(base) };
}

const generateOut = join(work, 'out');
const validateArgv = [...cli, 'validate', 'mlgen.yaml'];
const generateArgv = [...cli, 'generate', '--manifest', 'mlgen.yaml', '--out', generateOut, '--force'];
const fresh = { prepare: () => rmSync(generateOut, { recursive: true, force: true }) };
const oclifOnly = { MLGEN_NO_BUNDLE: '1' };
const validate = compare(validateArgv);
const generate = compare(generateArgv, fresh);
const validateOclif = compare(validateArgv, { env: oclifOnly });
const generateOclif = compare(generateArgv, { ...fresh, env: oclifOnly });

// In-process: distinct manifests (names and commands differ), all four targets each; then the
// floor (bench/floor.js) on the same manifests.
const { generate: generateFiles } = await import(pathToFileURL(engine).href);
const floor = await floorInProcess(root);
function throughput(count) {
  const texts = Array.from({ length: count }, (_, i) =>
    fullManifest.replace('name: house-prices', `name: house-prices-${i}`).replace('ruff check .', `ruff check src/pkg${i}`),
  );
  let peak = process.memoryUsage().rss;
  let files = 0;
  const start = process.hrtime.bigint();
  for (const text of texts) {
    const result = generateFiles(text, { manifestPath: 'mlgen.yaml' });
    if (!result.ok) throw new Error('bench manifest invalid');
    files += result.files.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const documents = texts.map((text) => yamlDocumentsOf(generateFiles, text));
  const floorStart = process.hrtime.bigint();
  texts.forEach((text, i) => floor(text, documents[i]));
  const floorPerSecond = count / (Number(process.hrtime.bigint() - floorStart) / 1e9);
  const parseStart = process.hrtime.bigint();
  for (const text of texts) floor(text, []);
  const parseFloorPerSecond = count / (Number(process.hrtime.bigint() - parseStart) / 1e9);
  return { count, perSecond: count / seconds, floorPerSecond, parseFloorPerSecond, files, peakMiB: peak / 2 ** 20 };
}
const inProcess = [1, 100, 1000].map(throughput);

// The cold floor: the prescribed libraries alone, bundled and cached as mlgen's fast path is.
const fullDocuments = yamlDocumentsOf(generateFiles, fullManifest);
const yamlKiB = floor(fullManifest, fullDocuments) / 1024;
const floorArgv = await buildColdFloor(root, work, join(work, 'mlgen.yaml'), fullDocuments);
const validateFloor = compare(floorArgv.validate);
const generateFloor = compare(floorArgv.generate);
rmSync(work, { recursive: true, force: true });

const fmt = (n, digits = 1) => n.toFixed(digits);
const verdict = (ok) => (ok ? 'met' : '**missed**');
const row = (what, m, target) =>
  `| ${what} | ${fmt(m.subject)} ms | ${fmt(m.baseline)} ms | ${fmt(m.ratio, 2)}x | ${target ? `at most ${fmt(target)}x: ${verdict(m.ratio <= target)}` : 'for comparison'} |`;
const thousand = inProcess[2];
const table = [
  '| measurement | median | `node -e 0` | ratio | target |',
  '| --- | --- | --- | --- | --- |',
  row('cold `mlgen validate` (full manifest)', validate, 1.6),
  row('cold `mlgen generate` (all four targets)', generate, 2.0),
  row('cold `mlgen validate`, oclif only (`MLGEN_NO_BUNDLE=1`)', validateOclif),
  row('cold `mlgen generate`, oclif only (`MLGEN_NO_BUNDLE=1`)', generateOclif),
  row('floor of validate: `yaml` parses, zod validates (no mlgen code)', validateFloor),
  row('floor of generate: the same, plus `yaml` emits the YAML files (no Jenkinsfiles, nothing written)', generateFloor),
  '',
  '| in-process compilation, all four targets | manifests per second | floor: the libraries alone | floor: parse and validate only | files | peak RSS |',
  '| --- | --- | --- | --- | --- | --- |',
  ...inProcess.map(
    (r) =>
      `| ${r.count} distinct manifest${r.count === 1 ? '' : 's'} | ${fmt(r.perSecond, 0)} | ${fmt(r.floorPerSecond, 0)} | ${fmt(r.parseFloorPerSecond, 0)} | ${r.files} | ${fmt(r.peakMiB, 0)} MiB |`,
  ),
  '',
  `In-process target: at least 1000 manifests per second (1000 distinct manifests): ${verdict(thousand.perSecond >= 1000)}.`,
  '',
  'The floor rows (bench/floor.js) time only what the prescribed libraries must do for this manifest: `yaml` parses it',
  'with positions, mlgen\'s zod schema validates it, and `yaml` emits the GitHub, GitLab and Azure files (given as plain',
  `data; ${fmt(yamlKiB, 0)} KiB for this manifest) with mlgen's options. No plan, no Jenkinsfile, no header, no file read or written: a lower bound for any mlgen`,
  `on this stack. A target below its floor cannot be met by changing mlgen's code: ${floorVerdicts()}.`,
].join('\n');

function floorVerdicts() {
  const below = [];
  if (validateFloor.ratio > 1.6) below.push(`validate (floor ${fmt(validateFloor.ratio, 2)}x > 1.6x)`);
  if (generateFloor.ratio > 2.0) below.push(`generate (floor ${fmt(generateFloor.ratio, 2)}x > 2.0x)`);
  if (thousand.floorPerSecond < 1000) below.push(`in-process (floor ${fmt(thousand.floorPerSecond, 0)}/s < 1000/s)`);
  return below.length ? `below the floor here: ${below.join('; ')}` : 'every target is above its floor here';
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB`;
const report = `# Benchmark results

Produced by \`npm run bench\` (bench/run.js): ${runs} alternating runs per cold measurement, medians.
Machine: ${machine}; load average ${fmt(loadBefore, 2)} before, ${fmt(loadavg()[0], 2)} after. Node ${process.version}.
CLI: \`${cli.join(' ').replace(root, '.')}\`.

${table}
`;
console.log(report);
if (write) writeFileSync(join(root, 'bench/RESULTS.md'), report);

const failed = [validate.ratio > 1.6 && 'validate', generate.ratio > 2.0 && 'generate', thousand.perSecond < 1000 && 'throughput'].filter(Boolean);
if (failed.length) console.log(`Above target: ${failed.join(', ')}`);
