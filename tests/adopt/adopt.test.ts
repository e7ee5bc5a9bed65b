/**
 * adopt's pieces: the structural delta, the manifest edit that keeps the file, and adoptEdit
 * against a stand-in GitHub-like target (two workflows sharing a job), so every rule is
 * exercised whatever the real targets render. tests/commands/adopt.test.ts uses the real ones.
 */
import { describe, expect, it } from 'vitest';
import { adoptEdit, type Engine } from '../../src/adopt/index.js';
import { computeDelta } from '../../src/adopt/delta.js';
import { addOverride } from '../../src/adopt/edit-manifest.js';
import { generate } from '../../src/engine/generate.js';
import { addHeader, shortHash } from '../../src/files/header.js';
import { deepMerge } from '../../src/files/merge.js';
import { toYaml } from '../../src/files/yaml.js';
import { loadManifest } from '../../src/manifest/index.js';
import { fixtureText } from '../support/harness.js';

describe('computeDelta', () => {
  it('merges mappings, replaces lists and scalars, deletes with null, and reproduces the edit under deepMerge', () => {
    const base = { a: 1, b: { c: [1, 2], d: 'x', e: { f: true } }, g: 'gone' };
    const edited = { a: 2, b: { c: [1, 2, 3], d: 'x', e: { f: true, h: 'new' } }, i: { j: 1 } };
    const result = computeDelta(base, edited);
    expect(result).toEqual({ ok: true, delta: { g: null, a: 2, b: { c: [1, 2, 3], e: { h: 'new' } }, i: { j: 1 } } });
    expect(deepMerge(base, result.ok && result.delta)).toEqual(edited);
  });

  it('cannot set a value to null, since an override null deletes', () => {
    expect(computeDelta({ a: 1 }, { a: null })).toEqual({ ok: false, problems: [{ path: ['a'], message: expect.stringContaining('a is set to null') }] });
  });
});

describe('addOverride', () => {
  it('changes only the overrides value, keeping every other byte and the comments in it', () => {
    const manifest = fixtureText('spec-complete');
    const edited = addOverride(manifest, 'github', { jobs: { train: { 'timeout-minutes': 300, env: { EXTRA: 'yes' } } } });
    const at = manifest.indexOf('overrides:');
    expect(edited.slice(0, at)).toBe(manifest.slice(0, at));
    expect(edited.slice(at)).toBe(
      'overrides:                         # escape hatch: deep-merged into the generated document of one target\n' +
        '  github: { jobs: { train: { timeout-minutes: 300, env: { EXTRA: "yes" } } } }\n',
    );
    const loaded = loadManifest(edited, 'mlgen.yaml');
    expect(loaded.ok && loaded.manifest.overrides?.github).toEqual({ jobs: { train: { 'timeout-minutes': 300, env: { EXTRA: 'yes' } } } });
  });

  it('adds a section when there is none, and fills an empty one', () => {
    const plain = 'version: 1 # v\nname: demo\n';
    expect(addOverride(plain, 'gitlab', { stages: ['a', 'b'] })).toBe(`${plain}\noverrides:\n  gitlab:\n    stages:\n      - a\n      - b\n`);
    const empty = 'version: 1\nname: demo\noverrides:   # later\n# end\n';
    expect(addOverride(empty, 'azure', { pr: null })).toBe('version: 1\nname: demo\noverrides:   # later\n  azure:\n    pr: null\n# end\n');
  });

  it('keeps comments inside a block overrides section and its layout elsewhere', () => {
    const manifest = 'version: 1\nname: demo\noverrides:\n    # for the GPU runners\n    github:\n        env: { A: "1" }\n    gitlab:\n        stages: [a]   # keep\n';
    const edited = addOverride(manifest, 'github', { env: { B: '2' } });
    expect(edited).toContain('# for the GPU runners');
    expect(edited).toContain('# keep');
    const loaded = loadManifest(edited, 'mlgen.yaml');
    expect(loaded.ok && loaded.manifest.overrides).toEqual({ github: { env: { A: '1', B: '2' } }, gitlab: { stages: ['a'] } });
  });
});

/** Two workflows that share the train job, overrides deep-merged into both (GitHub's rule). */
const fakeGithub: Engine = (text, options) => {
  const result = generate(text, { ...options, targets: [] });
  if (!result.ok) return result;
  const targets = options.targets ?? result.plan.targets;
  const info = { manifestPath: options.manifestPath, version: 'test' };
  const train = { 'runs-on': 'ubuntu-latest', 'timeout-minutes': 60, steps: [{ run: 'python train.py' }] };
  const docs = [
    { path: 'wf/ci.yml', doc: { name: 'ci', on: { push: null }, jobs: { train } } },
    { path: 'wf/retrain.yml', doc: { name: 'retrain', on: { schedule: [{ cron: '0 3 * * *' }] }, jobs: { train, report: { 'runs-on': 'x' } } } },
  ];
  const files = targets.includes('github')
    ? docs.map(({ path, doc }) => {
        const merged = deepMerge(doc, result.plan.overrides.github ?? {}) as Record<string, unknown>;
        const jobs = merged.jobs as Record<string, unknown>;
        for (const key of Object.keys(jobs)) if (!(key in doc.jobs)) delete jobs[key]; // a jobs entry applies only where the job exists
        return addHeader({ path, body: toYaml(merged, { bareTopLevelKeys: ['on'] }), comment: '#' }, info);
      })
    : [];
  if (targets.includes('jenkins')) files.push(addHeader({ path: 'Jenkinsfile', body: 'pipeline {}\n', comment: '//' }, info));
  return { ...result, targets, files };
};

const MANIFEST = 'version: 1\nname: demo\ntargets: [github, jenkins]\ntrain:\n  run: python train.py\n';

function edit(path: string, change: (body: string) => string) {
  const base = fakeGithub(MANIFEST, { manifestPath: 'mlgen.yaml' });
  if (!base.ok) throw new Error('invalid');
  const content = base.files.find((f) => f.path === path)!.content;
  const [l1, l2, ...rest] = content.split('\n');
  const edited = [l1, l2, change(rest.join('\n'))].join('\n');
  return adoptEdit({ manifestText: MANIFEST, manifestFile: 'mlgen.yaml', manifestPath: 'mlgen.yaml', path, edited, engine: fakeGithub });
}

describe('adoptEdit', () => {
  it('turns an edit into an override that regenerates the file exactly, and names the other workflow it changes', () => {
    const outcome = edit('wf/ci.yml', (body) => body.replace('timeout-minutes: 60', 'timeout-minutes: 240').replace('python train.py', 'python train.py --gpu'));
    expect(outcome).toMatchObject({ kind: 'adopted', target: 'github', changes: ['jobs.train.timeout-minutes', 'jobs.train.steps'], alsoChanges: ['wf/retrain.yml'] });
    if (outcome.kind !== 'adopted') return;
    expect(outcome.manifestText.startsWith(MANIFEST)).toBe(true);
    const again = fakeGithub(outcome.manifestText, { manifestPath: 'mlgen.yaml' });
    const ci = again.ok ? again.files.find((f) => f.path === 'wf/ci.yml')!.content : '';
    expect(ci).toContain('timeout-minutes: 240');
    expect(ci).toContain('python train.py --gpu');
  });

  it('adopts a deletion and a new top-level key placed last', () => {
    const outcome = edit('wf/retrain.yml', (body) => body.replace(/ {2}report:\n {4}runs-on: x\n/, '') + 'concurrency: retrain\n');
    expect(outcome).toMatchObject({ kind: 'adopted', changes: ['jobs.report', 'concurrency'] });
  });

  it('takes a comment, a key order change or a new key mid-mapping as data (tests/adopt/styles.test.ts has every style)', () => {
    expect(edit('wf/ci.yml', (b) => `${b}# a note\n`)).toMatchObject({ kind: 'same-data' });
    expect(edit('wf/ci.yml', (b) => b.replace(/^name: ci\n(.*)$/s, '$1name: ci\n'))).toMatchObject({ kind: 'same-data' });
    expect(edit('wf/ci.yml', (b) => b.replace('name: ci\n', 'name: ci\nconcurrency: x\n'))).toMatchObject({ kind: 'adopted', changes: ['concurrency'], restyled: true });
  });

  it('refuses what an override cannot express, saying why and where', () => {
    expect(edit('wf/ci.yml', (b) => b.replace('timeout-minutes: 60', 'timeout-minutes:'))).toMatchObject({ kind: 'cannot', reason: expect.stringMatching(/wf\/ci\.yml:\d+:\d+: jobs\.train\.timeout-minutes is set to null/) });
    expect(edit('Jenkinsfile', (b) => b.replace('{}', '{ }'))).toMatchObject({ kind: 'cannot', reason: expect.stringContaining('not a YAML document adopt can diff') });
    expect(edit('wf/ci.yml', (b) => b)).toMatchObject({ kind: 'nothing' });
    expect(edit('wf/ci.yml', (b) => `${b}jobs: [\n`)).toMatchObject({ kind: 'cannot', reason: expect.stringMatching(/^wf\/ci\.yml:\d+:\d+: .*not valid YAML/) });
    expect(edit('wf/ci.yml', (b) => `${b}extra: !reference [a, b]\n`)).toMatchObject({ kind: 'cannot', reason: expect.stringMatching(/^wf\/ci\.yml:\d+:8: .*cannot be read as plain data: Unresolved tag: !reference/) });
  });
});
