/**
 * schemas/mlgen.schema.json: up to date with the zod model, deterministic, understood by
 * ajv in strict mode, and describing every key (editors show the descriptions on hover).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildManifestJsonSchema, renderManifestJsonSchema, SCHEMA_FILE, SCHEMA_ID } from '../../scripts/write-schema.js';
import { fixtureNames, fixtureText } from '../support/harness.js';
import { compileManifestSchema } from './ajv.js';
import { propertiesOf, type JsonSchema } from './properties.js';

describe('schemas/mlgen.schema.json', () => {
  const committed = readFileSync(SCHEMA_FILE, 'utf8');
  const schema = buildManifestJsonSchema() as JsonSchema;

  it('is up to date with src/manifest/schema.ts', () => {
    const fresh = renderManifestJsonSchema();
    expect(committed === fresh, 'schemas/mlgen.schema.json is stale: run `npm run schema` and commit the result').toBe(true);
  });

  it('is rendered byte-identically every time', () => {
    expect(renderManifestJsonSchema()).toBe(renderManifestJsonSchema());
    expect(committed.endsWith('}\n')).toBe(true);
  });

  it('names itself: draft-07, the unpkg $id the spec example points at, a title', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toBe(SCHEMA_ID);
    expect(fixtureText('spec-complete')).toContain(`$schema=${SCHEMA_ID}`);
    expect(schema.title).toMatch(/mlgen/);
    expect(Object.keys(schema).slice(0, 3)).toEqual(['$schema', '$id', 'title']);
  });

  it('is a valid draft-07 schema that ajv compiles in strict mode', () => {
    const { ajv } = compileManifestSchema(schema);
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
  });

  it('gives every key a description', () => {
    const properties = propertiesOf(schema);
    // The walk must reach the whole manifest, or this test could pass by seeing nothing.
    expect(properties.length).toBeGreaterThan(80);
    for (const path of ['defaults.runner', 'evaluate.gates[].min', 'deploy.canary.steps', 'pipelines.retrain.triggers[].event', 'overrides.jenkins.environment']) {
      expect(properties.map(([p]) => p)).toContain(path);
    }
    const undescribed = properties.filter(([, child]) => typeof child.description !== 'string' || child.description.length < 10).map(([p]) => p);
    expect(undescribed, 'add .describe() for these keys in src/manifest/schema.ts').toEqual([]);
    expect(typeof schema.description).toBe('string');
  });

  it('lets editors see the defaults', () => {
    const defaults = schema.properties!.defaults!.properties!;
    expect(defaults.python!.default).toBe('3.11');
    expect(defaults.branch!.default).toBe('main');
    expect(schema.required).toEqual(['version', 'name']);
  });

  it('accepts every fixture manifest', () => {
    const { validate } = compileManifestSchema(schema);
    for (const name of fixtureNames()) {
      expect(validate(parse(fixtureText(name))), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('restates in JSON the rules it can express, so editors flag them too', () => {
    const { validate } = compileManifestSchema(schema);
    const base = { version: 1, name: 'm', train: { run: 'python train.py' } };
    const refused: [string, object][] = [
      ['"${{" in a command', { ...base, train: { run: 'echo ${{ secrets.X }}' } }],
      ['an absolute path', { ...base, train: { run: 'x', artifacts: ['/tmp/model'] } }],
      ['a path with ..', { ...base, train: { run: 'x', paths: ['src/../../etc'] } }],
      ['a duration without a unit', { ...base, defaults: { timeout: '60' } }],
      ['a gate without a bound', { ...base, evaluate: { gates: [{ metric: 'r2' }] } }],
      ['package without image or register', { ...base, package: { dockerfile: 'Dockerfile' } }],
      ['a trigger without schedule or event', { ...base, pipelines: { retrain: { triggers: [{ mode: 'full' }] } } }],
      ['a target twice', { ...base, targets: ['github', 'github'] }],
      ['a reserved secret prefix', { ...base, secrets: ['GITHUB_TOKEN'] }],
      ['a canary step twice', { ...base, deploy: { canary: { steps: [10, 10], run: 'x' } } }],
      ['a non-http URL', { ...base, deploy: { staging: { run: 'x', url: 'javascript:alert(1)' } } }],
    ];
    for (const [what, document] of refused) expect(validate(document), what).toBe(false);
    expect(validate(base)).toBe(true);
  });
});
