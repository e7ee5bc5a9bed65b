/**
 * Manifests written to the spec validate: the spec's complete example, the shared fixtures,
 * and realistic manifests written the way other teams would (tests/manifest/realistic/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compilePlan } from '../../src/plan/index.js';
import { compileManifestSchema } from '../schema/ajv.js';
import { fixtureNames, fixtureText } from '../support/harness.js';
import { accepts } from './diagnose.js';

const REALISTIC = new URL('./realistic/', import.meta.url);
const realistic = readdirSync(REALISTIC)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => [f, readFileSync(new URL(f, REALISTIC), 'utf8')] as const);

describe("the spec's complete example", () => {
  const manifest = accepts(fixtureText('spec-complete'));

  it('validates with every section read as the spec describes it', () => {
    expect(manifest.name).toBe('house-prices');
    expect(manifest.targets).toEqual(['github', 'gitlab', 'azure', 'jenkins']);
    expect(manifest.defaults).toMatchObject({ python: '3.11', image: 'python:3.11-slim', runner: 'ubuntu-latest', cache: ['pip'], timeout: '60m', branch: 'main' });
    expect(manifest.data!.tests.map((t) => t.name)).toEqual(['schema', 'ranges']);
    expect(manifest.checks.map((c) => c.name)).toEqual(['unit', 'lint']);
    expect(manifest.train).toMatchObject({ runner: ['self-hosted', 'gpu'], timeout: '3h', artifacts: ['model/', 'metrics.json'] });
    expect(manifest.evaluate!.gates).toEqual([{ metric: 'mae', max: 10000 }, { metric: 'r2', min: 0.8 }]);
    expect(manifest.evaluate!.baseline!.tolerance).toEqual({ mae: 0.05 });
    expect(manifest.deploy!.canary).toMatchObject({ steps: [10, 50], interval: '15m' });
    expect(manifest.deploy!.production!.approval).toBe(true);
    expect(manifest.pipelines!.retrain!.triggers.map((t) => t.mode)).toEqual(['incremental', 'full', 'drift']);
    expect(manifest.secrets).toEqual(['REGISTRY_PASSWORD', 'MLFLOW_TRACKING_TOKEN']);
    expect(manifest.overrides!.github).toEqual({ jobs: { train: { 'timeout-minutes': 240 } } });
  });

  it('with only version, name and train.run, is still a manifest', () => {
    expect(accepts('version: 1\nname: m\ntrain:\n  run: python train.py\n').train!.artifacts).toEqual([]);
  });
});

describe.each([...fixtureNames().map((n) => [`fixture ${n}`, fixtureText(n)] as const), ...realistic])('%s', (_, source) => {
  it('validates with zod and with the JSON Schema, and compiles to a plan with jobs', () => {
    const manifest = accepts(source);
    const { validate } = compileManifestSchema();
    expect(validate(parse(source)), JSON.stringify(validate.errors)).toBe(true);
    expect(compilePlan(manifest).jobs.length).toBeGreaterThan(0);
  });
});

it('has realistic manifests to check', () => {
  expect(realistic.length).toBeGreaterThanOrEqual(4);
});
