#!/usr/bin/env node
// mlgen's benchmark against issue 15's targets, each relative to a reference measured beside it:
// cold validate against `node -e 0`, cold generate against the floor (bench/floor.js), generate
// with nothing changed against cold validate, in-process compilation against the floor's rate.
// Each subject alternates with its reference run for run, so machine noise hits both alike.
// Writes bench/RESULTS.md.
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

/**
 * Alternates reference and subject runs, after one warm-up each (file cache, not JIT: each run is
 * a new process), so machine noise hits both sides alike; medians of each side.
 */
const loads = [loadavg()[0]];
function compare(subject, reference = ['node', '-e', '0'], { prepare = () => {}, env = {}, rounds = runs } = {}) {
  loads.push(loadavg()[0]);
  timeOnce(reference);
  prepare();
  timeOnce(subject, env);
  const base = [];
  const measured = [];
  for (let i = 0; i < rounds; i++) {
    base.push(timeOnce(reference));
    prepare();
    measured.push(timeOnce(subject, env));
  }
  return { baseline: median(base), subject: median(measured), ratio: median(measured) / median(base) };
}

const generateOut = join(work, 'out');
const sameOut = join(work, 'same');
const validateArgv = [...cli, 'validate', 'mlgen.yaml'];
const generateArgv = [...cli, 'generate', '--manifest', 'mlgen.yaml', '--out', generateOut, '--force'];
// "Nothing changed": a second generate into an output directory a first one filled (the record
// knows the manifest, mlgen and every file are as that run left them).
const sameArgv = [...cli, 'generate', '--manifest', 'mlgen.yaml', '--out', sameOut];
const fresh = { prepare: () => rmSync(generateOut, { recursive: true, force: true }) };
const oclifOnly = { MLGEN_NO_BUNDLE: '1' };
{
  timeOnce(sameArgv);
  const second = spawnSync(sameArgv[0], sameArgv.slice(1), { cwd: work, encoding: 'utf8' });
  if (second.status !== 0 || /wrote|written/.test(second.stdout) || !/unchanged/.test(second.stdout)) {
    throw new Error(`the nothing-changed generate is not one: ${second.stdout}${second.stderr}`);
  }
}

// The cold floor: the prescribed libraries alone, bundled and cached as mlgen's fast path is.
const { generate: generateFiles } = await import(pathToFileURL(engine).href);
const floor = await floorInProcess(root);
const fullDocuments = yamlDocumentsOf(generateFiles, fullManifest);
const yamlKiB = floor(fullManifest, fullDocuments) / 1024;
const floorArgv = await buildColdFloor(root, work, join(work, 'mlgen.yaml'), fullDocuments);

const validate = compare(validateArgv);
const generate = compare(generateArgv, floorArgv.generate, fresh);
const nothingChanged = compare(sameArgv, validateArgv);
const validateFloor = compare(floorArgv.validate);
const generateFloor = compare(floorArgv.generate);
const generateNode = compare(generateArgv, undefined, fresh);
// The oclif rows only show what the bundle saves: fewer rounds.
const oclifRounds = Math.max(5, Math.ceil(runs / 3));
const validateOclif = compare(validateArgv, undefined, { env: oclifOnly, rounds: oclifRounds });
const generateOclif = compare(generateArgv, undefined, { ...fresh, env: oclifOnly, rounds: oclifRounds });
rmSync(work, { recursive: true, force: true });

// In-process: distinct manifests (names and commands differ), all four targets each, against
// the floor (bench/floor.js) on the same manifests, alternating blocks of up to 100 manifests
// so noise hits both alike.
function throughput(count) {
  const texts = Array.from({ length: count }, (_, i) =>
    fullManifest.replace('name: house-prices', `name: house-prices-${i}`).replace('ruff check .', `ruff check src/pkg${i}`),
  );
  let peak = process.memoryUsage().rss;
  let files = 0;
  let mlgenNs = 0n;
  let floorNs = 0n;
  let parseNs = 0n;
  const block = Math.min(count, 100);
  for (let from = 0; from < count; from += block) {
    const slice = texts.slice(from, from + block);
    let start = process.hrtime.bigint();
    for (const text of slice) {
      const result = generateFiles(text, { manifestPath: 'mlgen.yaml' });
      if (!result.ok) throw new Error('bench manifest invalid');
      files += result.files.length;
    }
    mlgenNs += process.hrtime.bigint() - start;
    peak = Math.max(peak, process.memoryUsage().rss);
    // The floor's input, the documents as plain data, made untimed for this block only.
    const documents = slice.map((text) => yamlDocumentsOf(generateFiles, text));
    start = process.hrtime.bigint();
    slice.forEach((text, i) => floor(text, documents[i]));
    floorNs += process.hrtime.bigint() - start;
    start = process.hrtime.bigint();
    for (const text of slice) floor(text, []);
    parseNs += process.hrtime.bigint() - start;
  }
  const rate = (ns) => count / (Number(ns) / 1e9);
  return { count, perSecond: rate(mlgenNs), floorPerSecond: rate(floorNs), parseFloorPerSecond: rate(parseNs), files, peakMiB: peak / 2 ** 20 };
}
const inProcess = [1, 100, 1000].map(throughput);

const fmt = (n, digits = 1) => n.toFixed(digits);
const verdict = (ok) => (ok ? 'met' : '**missed**');
const TARGETS = { validate: 1.6, generate: 1.15, nothingChanged: 1.1, inProcess: 0.85 };
const row = (what, m, reference, target) =>
  `| ${what} | ${fmt(m.subject)} ms | ${reference}: ${fmt(m.baseline)} ms | ${fmt(m.ratio, 2)}x | ${target ? `at most ${target}x: ${verdict(m.ratio <= target)}` : 'for comparison'} |`;
const thousand = inProcess[2];
const inProcessRatio = thousand.perSecond / thousand.floorPerSecond;
const node = '`node -e 0`';
const table = [
  '| measurement | median | reference (alternated with it): median | ratio | target (issue 15) |',
  '| --- | --- | --- | --- | --- |',
  row('cold `mlgen validate` (full manifest)', validate, node, TARGETS.validate),
  row('cold `mlgen generate` (all four targets, empty output directory)', generate, 'floor of generate', TARGETS.generate),
  row('`mlgen generate`, nothing changed (second run: the record says nothing changed)', nothingChanged, 'cold `mlgen validate`', TARGETS.nothingChanged),
  row('floor of validate: `yaml` parses, zod validates (no mlgen code)', validateFloor, node),
  row('floor of generate: the same, plus `yaml` emits the YAML files (no Jenkinsfiles, nothing written)', generateFloor, node),
  row('cold `mlgen generate` (all four targets)', generateNode, node),
  row('cold `mlgen validate`, oclif only (`MLGEN_NO_BUNDLE=1`)', validateOclif, node),
  row('cold `mlgen generate`, oclif only (`MLGEN_NO_BUNDLE=1`)', generateOclif, node),
  '',
  '| in-process compilation, all four targets | manifests per second | floor: the libraries alone | ratio to the floor | floor: parse and validate only | files | peak RSS |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...inProcess.map(
    (r) =>
      `| ${r.count} distinct manifest${r.count === 1 ? '' : 's'} | ${fmt(r.perSecond, 0)} | ${fmt(r.floorPerSecond, 0)} | ${fmt(r.perSecond / r.floorPerSecond, 2)}x | ${fmt(r.parseFloorPerSecond, 0)} | ${r.files} | ${fmt(r.peakMiB, 0)} MiB |`,
  ),
  '',
  `In-process target (issue 15): at least ${TARGETS.inProcess}x the floor's rate on 1000 distinct manifests: ${fmt(inProcessRatio, 2)}x, ${verdict(inProcessRatio >= TARGETS.inProcess)}.`,
  '',
  'The floor rows (bench/floor.js) time only what the prescribed libraries must do for this manifest: `yaml` parses it',
  'with positions, mlgen\'s zod schema validates it, and `yaml` emits the GitHub, GitLab and Azure files (given as plain',
  `data; ${fmt(yamlKiB, 0)} KiB for this manifest) with mlgen's options. No plan, no Jenkinsfile, no header, no file read or written: a lower bound for any mlgen`,
  'on this stack. Each cold ratio alternates the measured command with its reference run for run; the in-process rows alternate blocks of 100 manifests.',
].join('\n');

function busy() {
  const peak = Math.max(...loads, loadavg()[0]);
  if (peak <= cpus().length / 2) return 'The machine was quiet.\n';
  return `**The machine was busy** (load up to ${fmt(peak, 2)} on ${cpus().length} cores: other test runs beside the bench), so the absolute times are inflated and noisy; each ratio alternates its two sides run for run and takes medians, which keeps it fair, but read ratios near a target as within noise.\n`;
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB`;
const report = `# Benchmark results

Produced by \`npm run bench\` (bench/run.js): ${runs} alternating runs per cold measurement (${oclifRounds} for the oclif rows), medians.
Machine: ${machine}; load average (1 min) ${fmt(loadBefore, 2)} before, ${fmt(loadavg()[0], 2)} after, ${fmt(Math.min(...loads), 2)} to ${fmt(Math.max(...loads), 2)} during. Node ${process.version}.
${busy()}
CLI: \`${cli.join(' ').replace(root, '.')}\`.

${table}
`;
console.log(report);
if (write) writeFileSync(join(root, 'bench/RESULTS.md'), report);

const failed = [
  validate.ratio > TARGETS.validate && 'validate',
  generate.ratio > TARGETS.generate && 'generate',
  nothingChanged.ratio > TARGETS.nothingChanged && 'generate with nothing changed',
  inProcessRatio < TARGETS.inProcess && 'in process',
].filter(Boolean);
if (failed.length) console.log(`Missed: ${failed.join(', ')}`);
