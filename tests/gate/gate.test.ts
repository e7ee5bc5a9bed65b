import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import { GATE_SCRIPT_PATH, renderGateScript } from '../../src/gate/index.js';
import type { GateConfig } from '../../src/plan/index.js';
import { fixtureText } from '../support/harness.js';
import { gateFile, removeTemporaryDirectories, runGate } from './run-gate.js';

afterAll(removeTemporaryDirectories);

const HOUSE: GateConfig = {
  metrics: 'metrics.json',
  gates: [
    { metric: 'mae', max: 10000 },
    { metric: 'r2', min: 0.8 },
  ],
};

const WITH_BASELINE: GateConfig = { ...HOUSE, baseline: { file: 'baseline.json', tolerance: { mae: 0.05, r2: 0.05 } } };

function expectNoTraceback(output: string): void {
  expect(output).not.toContain('Traceback');
}

describe('gate: bounds', () => {
  it('passes and prints every metric when all gates hold', () => {
    const run = runGate(HOUSE, { 'metrics.json': { mae: 8123.5, r2: 0.91, rows: 200 } });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^mae\s+8123\.5\s+<= 10000\s+pass$/m);
    expect(run.stdout).toMatch(/^r2\s+0\.91\s+>= 0\.8\s+pass$/m);
    expect(run.stdout).toMatch(/^rows\s+200\s+-\s+not gated$/m);
    expect(run.stdout).toContain('mlgen gate: passed');
  });

  it('names each failing metric with its value and bound', () => {
    const run = runGate(HOUSE, { 'metrics.json': { mae: 12000, r2: 0.5 } });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('FAIL: mae = 12000 is above its max 10000');
    expect(run.stdout).toContain('FAIL: r2 = 0.5 is below its min 0.8');
    expect(run.stdout).toContain('failed: 2 problem(s) in 2 metric(s)');
  });

  it('passes a value exactly on its bound', () => {
    expect(runGate(HOUSE, { 'metrics.json': { mae: 10000, r2: 0.8 } }).status).toBe(0);
  });

  it('checks every gate of a metric gated twice or on both sides', () => {
    const config: GateConfig = { metrics: 'metrics.json', gates: [{ metric: 'r2', min: 0.8, max: 0.99 }, { metric: 'r2', min: 0.85 }] };
    const run = runGate(config, { 'metrics.json': { r2: 0.999 } });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('r2 = 0.999 is above its max 0.99');
    expect(runGate(config, { 'metrics.json': { r2: 0.82 } }).stdout).toContain('r2 = 0.82 is below its min 0.85');
    expect(runGate(config, { 'metrics.json': { r2: 0.9 } }).status).toBe(0);
  });

  it('fails on a missing gated metric', () => {
    const run = runGate(HOUSE, { 'metrics.json': { mae: 100 } });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('FAIL: r2 is missing from metrics.json');
    expect(run.stdout).toMatch(/^r2\s+missing\s+>= 0\.8\s+FAIL$/m);
  });

  it.each([
    ['NaN', '{"mae": NaN, "r2": 0.9}', 'mae = NaN is not a finite number'],
    ['Infinity', '{"mae": Infinity, "r2": 0.9}', 'mae = Infinity is not a finite number'],
    ['-Infinity', '{"mae": 1, "r2": -Infinity}', 'r2 = -Infinity is not a finite number'],
    ['an overflowing number', '{"mae": 1e400, "r2": 0.9}', 'mae = Infinity is not a finite number'],
    ['an integer beyond any float', `{"mae": 1${'0'.repeat(400)}, "r2": 0.9}`, 'mae = 1000'],
    ['a numeric string', '{"mae": "12", "r2": 0.9}', 'mae = "12" (a string) is not a finite number'],
    ['a boolean', '{"mae": 1, "r2": true}', 'r2 = true (a boolean) is not a finite number'],
    ['null', '{"mae": null, "r2": 0.9}', 'mae = null is not a finite number'],
    ['a list', '{"mae": [1], "r2": 0.9}', 'mae = a list is not a finite number'],
  ])('fails on %s', (_name, metrics, message) => {
    const run = runGate(HOUSE, { 'metrics.json': metrics });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`FAIL: ${message}`);
  });

  it('does not fail on an ungated metric that is not a number', () => {
    const run = runGate(HOUSE, { 'metrics.json': { mae: 1, r2: 0.9, note: 'trained on 200 rows' } });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^note\s+"trained on 200 rows" \(a string\)\s+-\s+not gated$/m);
  });
});

describe('gate: unreadable input', () => {
  it.each([
    ['a missing metrics file', {}, /error: the metrics file "metrics.json" does not exist: training writes it/],
    ['bad JSON', { 'metrics.json': '{"mae": 1,\n  "r2": }' }, /error: metrics.json:2:9: the metrics file is not valid JSON: Expecting value/],
    ['an empty file', { 'metrics.json': '' }, /error: metrics.json:1:1: the metrics file is not valid JSON/],
    ['a list', { 'metrics.json': '[1, 2]' }, /must be a flat JSON object of numbers, like \{"mae": 1234.5, "r2": 0.91\}; found a list/],
    ['a duplicate key', { 'metrics.json': '{"mae": 1, "mae": 2, "r2": 1}' }, /the key "mae" appears twice/],
    ['invalid UTF-8', { 'metrics.json': Buffer.from([0x7b, 0xff, 0x7d]) }, /cannot read the metrics file "metrics.json": 'utf-8' codec can't decode/],
  ])('reports %s on stderr without a traceback, exit 1', (_name, files, message) => {
    const run = runGate(HOUSE, files);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
    expectNoTraceback(run.output);
  });

  it('exits 2 with usage on an unknown option', () => {
    const run = runGate(HOUSE, { 'metrics.json': { mae: 1, r2: 1 } }, ['--bogus']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: python3 .mlgen/gate.py');
  });

  it('reads another metrics file with --metrics', () => {
    const run = runGate(HOUSE, { 'other.json': { mae: 1, r2: 0.9 } }, ['--metrics', 'other.json']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('gate(s) on other.json');
  });
});

describe('gate: baseline', () => {
  const good = { mae: 9000, r2: 0.9 };

  it('passes a regression within tolerance and fails one beyond it, higher worse for max gates', () => {
    const within = runGate(WITH_BASELINE, { 'metrics.json': { ...good, mae: 9400 }, 'baseline.json': { mae: 9000, r2: 0.9 } });
    expect(within.status).toBe(0);
    expect(within.stdout).toMatch(/^mae\s+9400\s+<= 10000\s+9000 \(limit <= 9450, \+5%\)\s+pass$/m);
    const beyond = runGate(WITH_BASELINE, { 'metrics.json': { ...good, mae: 9500 }, 'baseline.json': { mae: 9000, r2: 0.9 } });
    expect(beyond.status).toBe(1);
    expect(beyond.stdout).toContain('FAIL: mae = 9500 is worse than the baseline 9000 (higher is worse; a tolerance of 5% allows at most 9450)');
  });

  it('treats lower as worse for min gates, and never fails an improvement', () => {
    const baseline = { mae: 9000, r2: 0.9 };
    expect(runGate(WITH_BASELINE, { 'metrics.json': { mae: 5000, r2: 0.99 }, 'baseline.json': baseline }).status).toBe(0);
    expect(runGate(WITH_BASELINE, { 'metrics.json': { ...good, r2: 0.86 }, 'baseline.json': baseline }).status).toBe(0);
    const worse = runGate(WITH_BASELINE, { 'metrics.json': { ...good, r2: 0.85 }, 'baseline.json': baseline });
    expect(worse.status).toBe(1);
    expect(worse.stdout).toContain('FAIL: r2 = 0.85 is worse than the baseline 0.9 (lower is worse; a tolerance of 5% allows at least 0.855)');
  });

  it('defaults the tolerance to 0 and passes a value exactly on the limit despite float rounding', () => {
    const strict: GateConfig = { ...HOUSE, baseline: { file: 'baseline.json', tolerance: { r2: 0.05 } } };
    expect(runGate(strict, { 'metrics.json': { mae: 9000.5, r2: 0.9 }, 'baseline.json': good }).stdout).toContain('mae = 9000.5 is worse than the baseline 9000');
    expect(runGate(strict, { 'metrics.json': good, 'baseline.json': good }).status).toBe(0);
    // In floating point, 0.3 + 0.1 * 0.3 is 0.32999999999999996 and 1.1 - 0.1 * 1.1 is 0.9900000000000001.
    const edge: GateConfig = {
      metrics: 'metrics.json',
      gates: [{ metric: 'loss', max: 1 }, { metric: 'auc', min: 0 }],
      baseline: { file: 'b.json', tolerance: { loss: 0.1, auc: 0.1 } },
    };
    expect(runGate(edge, { 'metrics.json': { loss: 0.33, auc: 0.99 }, 'b.json': { loss: 0.3, auc: 1.1 } }).status).toBe(0);
    const beyond = runGate(edge, { 'metrics.json': { loss: 0.3301, auc: 0.9899 }, 'b.json': { loss: 0.3, auc: 1.1 } });
    expect(beyond.stdout).toContain('loss = 0.3301 is worse');
    expect(beyond.stdout).toContain('auc = 0.9899 is worse');
  });

  it('allows no regression at all from a baseline of 0', () => {
    const zero: GateConfig = { metrics: 'metrics.json', gates: [{ metric: 'errors', max: 10 }], baseline: { file: 'b.json', tolerance: { errors: 0.5 } } };
    expect(runGate(zero, { 'metrics.json': { errors: 0 }, 'b.json': { errors: 0 } }).status).toBe(0);
    const run = runGate(zero, { 'metrics.json': { errors: 1 }, 'b.json': { errors: 0 } });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('errors = 1 is worse than the baseline 0');
  });

  it('measures the slack relative to |baseline| for negative baselines', () => {
    const config: GateConfig = {
      metrics: 'metrics.json',
      gates: [{ metric: 'log_likelihood', min: -1000 }, { metric: 'neg_loss', max: 0 }],
      baseline: { file: 'b.json', tolerance: { log_likelihood: 0.1, neg_loss: 0.5 } },
    };
    const baseline = { log_likelihood: -100, neg_loss: -2 };
    // min gate: the limit is -100 - 10 = -110; max gate: -2 + 1 = -1.
    expect(runGate(config, { 'metrics.json': { log_likelihood: -109, neg_loss: -1.5 }, 'b.json': baseline }).status).toBe(0);
    const run = runGate(config, { 'metrics.json': { log_likelihood: -111, neg_loss: -0.5 }, 'b.json': baseline });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('log_likelihood = -111 is worse than the baseline -100 (lower is worse; a tolerance of 10% allows at least -110)');
    expect(run.stdout).toContain('neg_loss = -0.5 is worse than the baseline -2 (higher is worse; a tolerance of 50% allows at most -1)');
  });

  it('fails with a clear message when the baseline file is missing or invalid', () => {
    const missing = runGate(WITH_BASELINE, { 'metrics.json': good });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('error: the baseline file "baseline.json" does not exist: evaluate.baseline.fetch should write it');
    const invalid = runGate(WITH_BASELINE, { 'metrics.json': good, 'baseline.json': 'not json' });
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toContain('baseline.json:1:1: the baseline file is not valid JSON');
    expectNoTraceback(missing.output + invalid.output);
  });

  it('skips a metric the baseline lacks, fails one it holds as a non-number, and skips metrics gated on both sides', () => {
    const lacks = runGate(WITH_BASELINE, { 'metrics.json': good, 'baseline.json': { r2: 0.9 } });
    expect(lacks.status).toBe(0);
    expect(lacks.stdout).toMatch(/^mae\s+9000\s+<= 10000\s+none for this metric\s+pass$/m);
    const bad = runGate(WITH_BASELINE, { 'metrics.json': good, 'baseline.json': { mae: 'n/a', r2: 0.9 } });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('FAIL: the baseline baseline.json has mae = "n/a" (a string), not a finite number');
    const band: GateConfig = { metrics: 'metrics.json', gates: [{ metric: 'ratio', min: 0.9, max: 1.1 }], baseline: { file: 'b.json', tolerance: {} } };
    const banded = runGate(band, { 'metrics.json': { ratio: 1.05 }, 'b.json': { ratio: 1 } });
    expect(banded.status).toBe(0);
    expect(banded.stdout).toContain('not compared (gated on both sides)');
  });

  it('writes a machine-readable summary on request', () => {
    const run = runGate(WITH_BASELINE, { 'metrics.json': { mae: 9500, r2: Number.NaN, rows: 3 }, 'baseline.json': good }, ['--summary', 'gate.json']);
    expect(run.status).toBe(1);
    const summary = JSON.parse(readFileSync(join(run.dir, 'gate.json'), 'utf8'));
    expect(summary.passed).toBe(false);
    expect(summary.metrics.map((m: { metric: string; verdict: string }) => `${m.metric}:${m.verdict}`)).toEqual(['mae:FAIL', 'r2:FAIL', 'rows:not gated']);
    expect(summary.failures).toHaveLength(2);
  });
});

describe('gate: rendering', () => {
  it('is byte-identical for the same config, and through generate()', () => {
    expect(gateFile(WITH_BASELINE)).toBe(gateFile(structuredClone(WITH_BASELINE)));
    const text = fixtureText('spec-complete');
    const first = generate(text, { manifestPath: 'mlgen.yaml' });
    const second = generate(text, { manifestPath: 'mlgen.yaml' });
    if (!first.ok || !second.ok) throw new Error('spec-complete must be valid');
    expect(renderGateScript(first.plan.gate!).body).toBe(renderGateScript(second.plan.gate!).body);
    expect(first.files.find((f) => f.path === GATE_SCRIPT_PATH)?.content).toBe(second.files.find((f) => f.path === GATE_SCRIPT_PATH)?.content);
  });

  it('depends only on the config, not on key order', () => {
    const reordered = { baseline: { tolerance: { mae: 0.05, r2: 0.05 }, file: 'baseline.json' }, gates: [{ max: 10000, metric: 'mae' }, { min: 0.8, metric: 'r2' }], metrics: 'metrics.json' };
    expect(renderGateScript(reordered as GateConfig).body).toBe(renderGateScript(WITH_BASELINE).body);
  });

  it('is pure ASCII Python that parses as Python 3.8', () => {
    const script = gateFile(WITH_BASELINE);
    expect(/^[\x09\x0a\x20-\x7e]*$/.test(script)).toBe(true);
    const check = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read(), feature_version=(3, 8))'], { input: script, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('carries odd strings (quotes, backslashes, newlines, unicode, template braces) into Python unchanged', () => {
    const odd = ['"', "'", "'''", '"""', '\\', '\\"', '\\u0041', '\n', '\u2028', 'é', '😀', '{{x}}', '#', '${{ secrets.X }}', '\u0000'];
    const config: GateConfig = {
      metrics: `m ${odd.slice(0, 12).join(' ').replace(/\n/g, 'n')}.json`,
      gates: odd.map((s, i) => ({ metric: `m${i}${s}`, max: i })),
      baseline: { file: 'b "\\ é.json', tolerance: Object.fromEntries(odd.map((s, i) => [`m${i}${s}`, i / 100])) },
    };
    const run = runGate(config, {}, ['--help']);
    expect(run.status).toBe(0);
    const dump = spawnSync('python3', ['-c', 'import json,runpy,sys; print(json.dumps(runpy.run_path(sys.argv[1], run_name="gate")["CONFIG"]))', join(run.dir, GATE_SCRIPT_PATH)], { encoding: 'utf8' });
    expect(dump.stderr).toBe('');
    expect(JSON.parse(dump.stdout)).toEqual(config);
  });

  it('judges odd metric and file names end to end', () => {
    const name = 'acc "top-1" \\ é';
    const config: GateConfig = { metrics: 'métriques "v1".json', gates: [{ metric: name, min: 0.5 }] };
    const pass = runGate(config, { 'métriques "v1".json': { [name]: 0.7 } });
    expect(pass.status).toBe(0);
    const fail = runGate(config, { 'métriques "v1".json': { [name]: 0.2 } });
    expect(fail.stdout).toContain(`FAIL: ${name} = 0.2 is below its min 0.5`);
  });
});
