/**
 * tests/support/arbitrary.ts keeps its promises: every generated manifest validates, its YAML
 * reads back as the same object, every key of the JSON Schema is reachable, and failures
 * shrink to small manifests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildManifestJsonSchema } from '../../scripts/write-schema.js';
import { loadManifest } from '../../src/manifest/index.js';
import { compilePlan } from '../../src/plan/index.js';
import { HOSTILE_COMMANDS, hostileCommand } from '../support/adversarial.js';
import { manifestToYaml, validManifest, validManifestText } from '../support/arbitrary.js';
import { propertiesOf } from '../schema/properties.js';

/** Key paths of a document in the JSON Schema walk's notation: "train.paths[]", "overrides.github". */
function keyPaths(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => keyPaths(v, `${path}[]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const at = path ? `${path}.${key}` : key;
    return [at, ...keyPaths(v, at)];
  });
}

describe('validManifest and validManifestText', () => {
  it('generate manifests that load, with at least one job', () => {
    fc.assert(
      fc.property(validManifestText(), (source) => {
        const result = loadManifest(source);
        if (!result.ok) throw new Error(`${source}\n${result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n')}`);
        expect(compilePlan(result.manifest).jobs.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('write YAML that reads back as the same manifest, in every style', () => {
    const styles = [{}, { defaultStringType: 'QUOTE_DOUBLE' }, { defaultStringType: 'QUOTE_SINGLE' }, { defaultStringType: 'BLOCK_LITERAL' }, { collectionStyle: 'flow' }] as const;
    fc.assert(
      fc.property(validManifest(), fc.constantFrom(...styles), (manifest, style) => {
        expect(parse(manifestToYaml(manifest, style))).toEqual(manifest);
      }),
      { numRuns: 200 },
    );
  });

  it('reach every key of the JSON Schema', () => {
    const reached = new Set(fc.sample(validManifest(), { numRuns: 400, seed: 7 }).flatMap((m) => keyPaths(m)));
    const schemaKeys = propertiesOf(buildManifestJsonSchema()).map(([path]) => path);
    // Record keys (tolerance metrics, jenkins environment names) are data, written as ".*" by the walk.
    const missing = [...new Set(schemaKeys)].filter((key) => !key.includes('.*') && !reached.has(key));
    expect(missing, 'add these keys to tests/support/arbitrary.ts').toEqual([]);
  });

  it('vary what matters to targets', () => {
    const samples = fc.sample(validManifest(), { numRuns: 400, seed: 11 });
    const count = (predicate: (m: (typeof samples)[number]) => unknown) => samples.filter(predicate).length;
    expect(count((m) => m.targets === undefined)).toBeGreaterThan(0);
    expect(count((m) => m.targets?.length === 1)).toBeGreaterThan(0);
    expect(count((m) => typeof m.defaults?.install === 'string')).toBeGreaterThan(0);
    expect(count((m) => Array.isArray(m.defaults?.install))).toBeGreaterThan(0);
    expect(count((m) => Array.isArray(m.train?.runner))).toBeGreaterThan(0);
    expect(count((m) => m.pipelines?.retrain?.deploy === true)).toBeGreaterThan(0);
    expect(count((m) => m.pipelines?.retrain?.deploy === false)).toBeGreaterThan(0);
    expect(count((m) => m.pipelines?.retrain?.triggers.some((t) => t.schedule && t.event))).toBeGreaterThan(0);
    expect(count((m) => !m.train)).toBeGreaterThan(0);
    expect(count((m) => m.package && !m.package.image)).toBeGreaterThan(0);
    const hostile = new Set(HOSTILE_COMMANDS);
    expect(count((m) => JSON.stringify(m).includes('\\n'))).toBeGreaterThan(20);
    expect(count((m) => keyPaths(m).length > 0 && JSON.stringify(m).split('"').some((s) => hostile.has(s)))).toBeGreaterThan(20);
  });

  it('shrink a failure to a small manifest', () => {
    // A property that fails whenever there is a canary: the counterexample should be little more than that.
    const result = fc.check(fc.property(validManifest(), (m) => m.deploy?.canary === undefined), { numRuns: 500, seed: 3 });
    expect(result.failed).toBe(true);
    const smallest = result.counterexample![0];
    expect(smallest.deploy!.canary).toBeDefined();
    expect(manifestToYaml(smallest).split('\n').length).toBeLessThan(20);
  });
});

describe('hostile commands', () => {
  it('never contain "${{" and never look like credentials', () => {
    for (const command of [...HOSTILE_COMMANDS, ...fc.sample(hostileCommand, { numRuns: 300, seed: 5 })]) {
      expect(command).not.toContain('${{');
      const result = loadManifest(manifestToYaml({ version: 1, name: 'm', train: { run: command } }));
      expect(result.ok, `${JSON.stringify(command)}: ${result.diagnostics.map((d) => d.message).join('; ')}`).toBe(true);
    }
  });

  it('cover the syntaxes the brief names', () => {
    const all = HOSTILE_COMMANDS.join('\n');
    for (const needle of ["'", '"', '$VAR', '${', '$(', '`', '\\', '%', '#', ': ', '\n', 'é', "'''", '"""', '$(Build', '$[']) {
      expect(all).toContain(needle);
    }
  });
});
