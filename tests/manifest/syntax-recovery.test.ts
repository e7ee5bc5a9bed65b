/**
 * After a YAML syntax error, the problems above it are reported too (newcomer review: "1
 * problem", then more once it is fixed), and nothing the error itself causes or hides is.
 */
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/index.js';

const problems = (text: string) => {
  const loaded = loadManifest(text, 'mlgen.yaml');
  expect(loaded.ok).toBe(false);
  return loaded.ok ? [] : loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message.split(':')[0]}`);
};

describe('a manifest with a syntax error', () => {
  it('reports the problems above the error with it, in line order', () => {
    const text = 'version: 1\nname: x\ntrain:\n  run: python t.py\n  timeout: 5 minutes\ntargets: [gitlb]\ndata:\n  pull: [dvc pull\nchecks: 3\n';
    expect(problems(text)).toEqual(['5:12 train.timeout', '6:11 targets[0]', '9:1 YAML syntax']);
  });

  it('reports no value the error runs into, and no missing key (it may be below the error)', () => {
    expect(problems('version: 1\nname: Bad Name\ntrain:\n  run: [python t.py\ntargets: [foo]\n')).toEqual(['2:7 name', '5:1 YAML syntax']);
    expect(problems('version: 1\nname: x\ncheck: [\n')).toEqual(problems('version: 1\nname: x\ncheck: [\n').filter((p) => !p.includes('missing')));
  });

  it('one tab is one problem', () => {
    expect(problems('version: 1\nname: x\ntrain:\n\trun: python t.py\n')).toHaveLength(1);
  });
});
