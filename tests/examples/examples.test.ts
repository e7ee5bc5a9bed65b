import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import type { GeneratedFile } from '../../src/files/index.js';
import { GATE_SCRIPT_PATH } from '../../src/gate/index.js';
import { loadManifest } from '../../src/manifest/index.js';
import type { Plan, PlanJob } from '../../src/plan/index.js';
import { exampleManifests } from '../support/harness.js';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const SCHEMA_LINE = '# yaml-language-server: $schema=https://unpkg.com/mlgen/schemas/mlgen.schema.json';
const temporaryDirectories: string[] = [];

afterAll(() => {
  for (const dir of temporaryDirectories) rmSync(dir, { recursive: true, force: true });
});

describe('examples', () => {
  const examples = exampleManifests();

  it('are the three documented ones', () => {
    expect(examples.map((e) => e.name).sort()).toEqual(['churn-propensity', 'fraud-canary', 'house-prices']);
  });

  it.each(examples.map((e) => [e.name, e.text] as const))('%s validates, names the schema and has a README', (name, text) => {
    const loaded = loadManifest(text, `examples/${name}/mlgen.yaml`);
    expect(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([]);
    expect(loaded.ok).toBe(true);
    expect(text.split('\n')[0]).toBe(SCHEMA_LINE);
    expect(existsSync(join(EXAMPLES, name, 'README.md'))).toBe(true);
  });
});

/** Runs one command the way every target does: `sh -c` in the repository root with the MLGEN_* variables. */
function runCommand(dir: string, command: string, extraEnv: Record<string, string> = {}) {
  const result = spawnSync('sh', ['-c', command], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, MLGEN_PIPELINE: 'ci', MLGEN_TRAIN_MODE: 'full', MLGEN_VERSION: '0123456789abcdef0123456789abcdef01234567', MLGEN_MODEL_VERSION: 'latest', PIP_NO_INDEX: '1', ...extraEnv },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The gate file exactly as generate() writes it, next to the CI files. */
function gateFrom(text: string): { plan: Plan; gate: GeneratedFile } {
  const result = generate(text, { manifestPath: 'mlgen.yaml' });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
  const gate = result.files.find((f) => f.path === GATE_SCRIPT_PATH);
  if (!gate) throw new Error(`generate() wrote no ${GATE_SCRIPT_PATH}: ${result.files.map((f) => f.path).join(', ')}`);
  return { plan: result.plan, gate };
}

function writeFile(dir: string, file: GeneratedFile): void {
  mkdirSync(dirname(join(dir, file.path)), { recursive: true });
  writeFileSync(join(dir, file.path), file.content);
}

function job(plan: Plan, id: string): PlanJob {
  const found = plan.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
}

describe('house-prices runs end to end with python3 alone', () => {
  const source = join(EXAMPLES, 'house-prices');
  const text = readFileSync(join(source, 'mlgen.yaml'), 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-house-prices-'));
  temporaryDirectories.push(dir);
  cpSync(source, dir, { recursive: true, filter: (path) => !/(__pycache__|[/\\]model$|metrics\.json$)/.test(path) });
  const { plan, gate } = gateFrom(text);

  it('commits the CSV its generator writes, byte for byte', () => {
    const committed = readFileSync(join(dir, 'data/houses.csv'));
    const run = runCommand(dir, 'python3 data/generate.py');
    expect(run.status, run.output).toBe(0);
    expect(readFileSync(join(dir, 'data/houses.csv')).equals(committed)).toBe(true);
  });

  it('installs nothing, then passes its checks and data tests', () => {
    expect(readFileSync(join(dir, 'requirements.txt'), 'utf8')).toBe('');
    const ids = plan.jobs.filter((j) => j.kind === 'check' || j.kind === 'data-test').map((j) => j.id);
    expect(ids).toEqual(['check-unit', 'check-lint', 'data-schema', 'data-ranges']);
    for (const command of job(plan, 'check-unit').setup.install) {
      const run = runCommand(dir, command);
      expect(run.status, run.output).toBe(0);
    }
    for (const id of ids) {
      const run = runCommand(dir, (job(plan, id) as { run: string }).run);
      expect(run.status, `${id}: ${run.output}`).toBe(0);
    }
  });

  it('trains, writes its artifacts, and the gate rendered from its manifest passes', () => {
    const train = job(plan, 'train');
    if (train.kind !== 'train') throw new Error('train job expected');
    const trained = runCommand(dir, train.run);
    expect(trained.status, trained.output).toBe(0);
    for (const artifact of train.artifacts) expect(existsSync(join(dir, artifact)), artifact).toBe(true);
    const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    expect(Object.keys(metrics).sort()).toEqual(['mae', 'r2', 'rows']);
    expect(JSON.parse(readFileSync(join(dir, 'model/model.json'), 'utf8')).version).toBe('0123456789abcdef0123456789abcdef01234567');

    writeFile(dir, gate);
    const evaluate = job(plan, 'evaluate');
    if (evaluate.kind !== 'evaluate') throw new Error('evaluate job expected');
    const gated = runCommand(dir, evaluate.run);
    expect(gated.status, gated.output).toBe(0);
    expect(gated.output).toMatch(/^mae\s+\d+(\.\d+)?\s+<= 20000\s+pass$/m);
    expect(gated.output).toMatch(/^r2\s+0\.9\d*\s+>= 0\.9\s+pass$/m);
  });

  it('fails the gate, naming the metric, when the bound is impossible', () => {
    expect(existsSync(join(dir, 'metrics.json')), 'the training test runs first').toBe(true);
    const impossible = text.replace('{ metric: mae, max: 20000 }', '{ metric: mae, max: 100 }');
    expect(impossible).not.toBe(text);
    const strict = gateFrom(impossible);
    writeFile(dir, strict.gate);
    const gated = runCommand(dir, (job(strict.plan, 'evaluate') as { run: string }).run);
    expect(gated.status).toBe(1);
    expect(gated.output).toMatch(/FAIL: mae = \d+(\.\d+)? is above its max 100/);
  });
});
