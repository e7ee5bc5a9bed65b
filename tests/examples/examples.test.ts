import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/index.js';
import { exampleManifests } from '../support/harness.js';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const SCHEMA_LINE = '# yaml-language-server: $schema=https://unpkg.com/mlgen/schemas/mlgen.schema.json';
/** An exact pin: `name==version`, nothing looser (comments and blank lines aside). */
const EXACT_PIN = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[a-z0-9,-]+\])?==[A-Za-z0-9.+-]+$/;

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

  it.each(examples.map((e) => [e.name] as const))('%s pins every requirement exactly, and commits no file over 200 KB', (name) => {
    const lines = readFileSync(join(EXAMPLES, name, 'requirements.txt'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((l) => !EXACT_PIN.test(l))).toEqual([]);
    // Data DVC tracks lives in the remote; what git holds stays small.
    const committed = execFileSync('git', ['ls-files', '.'], { cwd: join(EXAMPLES, name), encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(committed.length).toBeGreaterThan(5);
    expect(committed.filter((file) => existsSync(join(EXAMPLES, name, file)) && statSync(join(EXAMPLES, name, file)).size >= 200 * 1024)).toEqual([]);
  });
});
