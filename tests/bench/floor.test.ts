/**
 * bench/floor.js claims to be a lower bound for any mlgen on the prescribed libraries: it must
 * do the same work mlgen cannot skip, on the same documents. These tests check that it does
 * (what it emits is what mlgen generates, as data and in size); the benchmark measures it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: bench/ is plain JavaScript, outside the TypeScript project
import { floorInProcess, yamlDocumentsOf } from '../../bench/floor.js';
import { generate } from '../../src/engine/generate.js';
import { STRINGIFY_OPTIONS } from '../../src/files/yaml.js';
import { Document } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FULL = readFileSync(join(ROOT, 'tests/fixtures/manifests/spec-complete.yaml'), 'utf8');

describe('the benchmark floor', () => {
  it('emits every YAML file mlgen generates, as the same data and about the same bytes', () => {
    const result = generate(FULL, { manifestPath: 'mlgen.yaml' });
    if (!result.ok) throw new Error('fixture invalid');
    const yamlFiles = result.files.filter((f) => /\.ya?ml$/.test(f.path) && !f.path.endsWith('actionlint.yaml'));
    const documents = yamlDocumentsOf(generate, FULL) as unknown[];
    expect(documents).toHaveLength(yamlFiles.length);
    const emitted = documents.map((d) => new Document(d, STRINGIFY_OPTIONS).toString(STRINGIFY_OPTIONS));
    emitted.forEach((text, i) => expect(parse(text)).toEqual(parse(yamlFiles[i]!.content)));
    // mlgen's files also carry a header and version comments; the rest is the same text.
    const mlgenBytes = yamlFiles.reduce((n, f) => n + f.content.length, 0);
    const floorBytes = emitted.reduce((n, t) => n + t.length, 0);
    expect(floorBytes / mlgenBytes).toBeGreaterThan(0.9);
    expect(floorBytes).toBeLessThanOrEqual(mlgenBytes);
  });

  it('parses and validates with mlgen’s schema, so an invalid manifest stops it', async () => {
    const floor = (await floorInProcess(ROOT)) as (text: string, documents: unknown[]) => number;
    expect(floor(FULL, [])).toBe(0);
    expect(() => floor(FULL.replace('version: 1', 'version: 7'), [])).toThrow(/invalid/);
  });
});
