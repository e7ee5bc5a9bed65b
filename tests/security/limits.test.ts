/**
 * Hostile sizes and shapes end in a clear error, in bounded time and memory (vitest's timeout
 * bounds the time; nothing here measures it): a 10 MB manifest, flow and block nesting far
 * past the limit, YAML alias bombs (billion laughs), a very long single line, 100 000 keys.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostics, LIMITS, loadManifest } from '../../src/manifest/index.js';
import { runCli, scratch } from '../files/cli.js';
import { rejectionProblems } from '../fuzz/invariants.js';

const HEAD = 'version: 1\nname: m\ntrain:\n  run: python train.py\n';

function rejected(text: string) {
  const result = loadManifest(text, 'mlgen.yaml');
  expect(result.ok).toBe(false);
  expect(rejectionProblems(text, 'mlgen.yaml', result.diagnostics)).toEqual([]);
  return result.diagnostics;
}

/** Nine levels of nine aliases each: 9^9 strings once expanded. */
function billionLaughs(indent: string): string {
  const lines = [`${indent}a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`];
  for (let level = 1; level < 9; level++) {
    const name = String.fromCharCode(97 + level);
    const previous = String.fromCharCode(96 + level);
    lines.push(`${indent}${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('limits', () => {
  it('a 10 MB manifest: refused by its size at 1:1, before parsing', () => {
    const d = rejected(HEAD + `# ${'x'.repeat(10 * 1024 * 1024)}\n`);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ line: 1, column: 1, message: expect.stringMatching(/^the manifest is \d+ bytes; mlgen reads at most 1000000$/) });
  });

  it('size counts bytes, not characters: 400 000 four-byte characters are refused', () => {
    expect(rejected(`${HEAD}# ${'🚀'.repeat(400_000)}\n`)[0]!.message).toMatch(/mlgen reads at most/);
  });

  it.each([
    ['flow sequences', `${HEAD}overrides:\n  github: { x: ${'['.repeat(300_000)}${']'.repeat(300_000)} }\n`],
    ['flow mappings', `${HEAD}overrides:\n  github: ${'{a: '.repeat(150_000)}1${'}'.repeat(150_000)}\n`],
    ['block mappings', `${HEAD}overrides:\n  github:\n${Array.from({ length: 600 }, (_, i) => `${' '.repeat(4 + i)}k:`).join('\n')} 1\n`],
    ['block sequences', `${HEAD}overrides:\n  github:\n    x:\n${Array.from({ length: 600 }, (_, i) => `${' '.repeat(6 + 2 * i)}-`).join('\n')} 1\n`],
  ])('nesting far past the limit (%s): one error that names the limit', (_, text) => {
    const d = rejected(text);
    expect(d.some((x) => x.message === `the manifest nests deeper than ${LIMITS.depth} levels`)).toBe(true);
    expect(d.length).toBeLessThanOrEqual(2);
  });

  it.each([
    ['under overrides', `${HEAD}overrides:\n  github:\n${billionLaughs('    ')}`],
    ['at the top level', billionLaughs('')],
    ['in a command list', `${HEAD.replace('train:\n  run: python train.py\n', '')}x: &x [a, a, a, a, a, a, a, a, a, a]\ny: &y [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x]\ntrain:\n  run: [${Array(200).fill('*y').join(', ')}]\n`],
  ])('a billion laughs %s: refused by the alias limit', (_, text) => {
    expect(rejected(text).map((x) => x.message)).toContainEqual(expect.stringMatching(/^cannot expand YAML aliases/));
  });

  it('a very long single line: the error is placed, quotes no more than 40 characters of it, and the formatter skips the line', () => {
    const text = `${HEAD}defaults:\n  python: "${'9'.repeat(900_000)}"\n`;
    const d = rejected(text);
    expect(d[0]).toMatchObject({ line: 6, column: 11 });
    expect(JSON.stringify(d).length).toBeLessThan(2000);
    expect(formatDiagnostics(d, new Map([['mlgen.yaml', text]])).length).toBeLessThan(2000);
  });

  it('100 000 keys: at most 100 problems and a note that more are not shown', () => {
    const text = HEAD + Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join('\n') + '\n';
    expect(text.length).toBeLessThan(LIMITS.bytes);
    const d = rejected(text);
    expect(d).toHaveLength(101);
    expect(d[0]).toMatchObject({ line: 5, column: 1, message: 'unknown key "k0"' });
    expect(d[100]!.message).toMatch(/^99900 further problems are not shown; fix the ones above first$/);
  });

  it('100 000 duplicate keys: found in linear time, reported like any duplicate', () => {
    const text = HEAD + Array.from({ length: 100_000 }, () => 'k: 1').join('\n') + '\n';
    const d = rejected(text);
    expect(d[0]!.message).toBe('this key appears twice in the same mapping');
    expect(d).toHaveLength(101);
  });

  it('through the CLI: a 10 MB file is one clear error, exit 1', async () => {
    const dir = scratch('mlgen-limits-');
    writeFileSync(join(dir, 'mlgen.yaml'), HEAD + `# ${'x'.repeat(10 * 1024 * 1024)}\n`);
    const run = await runCli(['validate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^mlgen\.yaml:1:1 error: the manifest is \d+ bytes; mlgen reads at most 1000000/m);
    expect(run.stderr.length).toBeLessThan(2000);
  });
});
