import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectDefaults, DETECTORS, FALLBACK, imageFromRemote, type RepoView } from '../../src/init/detect.js';
import { interview } from '../../src/init/interview.js';
import { gitDefaultBranch, repoView } from '../../src/init/repo.js';
import { renderManifest } from '../../src/init/scaffold.js';
import { loadManifest } from '../../src/manifest/index.js';
import { scratch } from '../files/cli.js';

function fakeRepo(files: Record<string, string>, branch?: string): RepoView {
  return {
    dirName: 'House Prices!',
    exists: (p) => Object.keys(files).some((f) => f === p || f.startsWith(`${p}/`)),
    read: (p) => files[p],
    gitBranch: () => branch,
  };
}

describe('init: detection', () => {
  it('suggests dvc pull only when DVC is a dependency, and finds dependencies in requirements and pyproject', () => {
    expect(detectDefaults(fakeRepo({ 'dvc.yaml': '', 'requirements.txt': 'pandas==2.2\n' })).answers.dataPull).toBeNull();
    expect(detectDefaults(fakeRepo({ '.dvc': '', 'requirements.txt': 'pandas==2.2\ndvc==3.59.1\n' })).answers).toMatchObject({ dataPull: 'dvc pull', cache: ['pip', 'dvc'] });
    expect(detectDefaults(fakeRepo({ 'dvc.yaml': '', 'pyproject.toml': '[project]\ndependencies = ["dvc[gs]>=3", "pandas"]\n' })).answers.dataPull).toBe('dvc pull');
    expect(detectDefaults(fakeRepo({ 'dvc.yaml': '', 'requirements.txt': 'dvclive==3\n' })).answers.dataPull).toBeNull();
  });

  it('suggests defaults from what the repository holds', () => {
    const { answers, found } = detectDefaults(
      fakeRepo(
        {
          'requirements.txt': 'scikit-learn==1.5.2\ndvc[s3]>=3\n',
          'pyproject.toml': '[project]\nrequires-python = ">=3.10"\n[tool.ruff]\n',
          'dvc.yaml': '',
          '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n',
          Dockerfile: '',
          'src/train.py': '',
          'tests/test_a.py': '',
          '.gitlab-ci.yml': '',
          'Jenkinsfile': '',
        },
        'trunk',
      ),
    );
    expect(answers).toEqual({
      name: 'house-prices',
      targets: ['gitlab', 'jenkins'],
      python: '3.10',
      branch: 'trunk',
      install: ['pip install -r requirements.txt'], // requirements.txt's row comes before pyproject's
      cache: ['pip', 'dvc'],
      dataPull: 'dvc pull', // DVC's row comes before Git LFS's
      train: 'python src/train.py',
      checks: [
        { name: 'unit', run: 'pytest tests' },
        { name: 'lint', run: 'ruff check .' },
      ],
      dockerfile: 'Dockerfile',
      image: null,
    });
    expect(found.map((f) => f.id)).toEqual(['requirements', 'pyproject', 'dvc', 'git-lfs', 'train-script', 'tests', 'ruff', 'dockerfile', 'gitlab', 'jenkins', 'git-branch']);
  });

  it('falls back to plain defaults in an empty directory, and every detector has a row id', () => {
    expect(detectDefaults(fakeRepo({})).answers).toEqual({ ...FALLBACK, name: 'house-prices' });
    expect(new Set(DETECTORS.map((d) => d.id)).size).toBe(DETECTORS.length);
  });

  it('reads the default branch from git, and nothing outside git', () => {
    const dir = scratch();
    expect(gitDefaultBranch(dir)).toBeUndefined();
    execFileSync('git', ['init', '-q', '-b', 'develop', dir]);
    mkdirSync(join(dir, 'sub'));
    expect(gitDefaultBranch(join(dir, 'sub'))).toBe('develop');
    mkdirSync(join(dir, '.git/refs/remotes/origin'), { recursive: true });
    writeFileSync(join(dir, '.git/refs/remotes/origin/HEAD'), 'ref: refs/remotes/origin/release\n');
    expect(repoView(dir).gitBranch()).toBe('release');
  });
});

describe('init: the scaffold', () => {
  it('starts with the schema line and validates, for detected and fallback answers', () => {
    const text = renderManifest(detectDefaults(fakeRepo({ Dockerfile: '', 'dvc.yaml': '', tests: '' })).answers);
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=node_modules/mlgen/schemas/mlgen.schema.json');
    expect(text).toContain('https://unpkg.com/mlgen/schemas/mlgen.schema.json also works'); // the published form, as a note
    expect(loadManifest(text, 'mlgen.yaml')).toMatchObject({ ok: true });
    expect(loadManifest(renderManifest({ ...FALLBACK, dockerfile: 'Dockerfile', image: 'ghcr.io/acme/model' }), 'mlgen.yaml')).toMatchObject({
      ok: true,
      manifest: { package: { image: 'ghcr.io/acme/model', dockerfile: 'Dockerfile' } },
    });
  });

  it('carries any command text through YAML unchanged (quoting decided by the yaml package)', () => {
    const command = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s.trim() !== '' && !/[\0-\x1f\x7f\ud800-\udfff\ufeff]/.test(s));
    fc.assert(
      fc.property(command, command, (train, pull) => {
        const loaded = loadManifest(renderManifest({ ...FALLBACK, train, dataPull: pull, install: [train], checks: [{ name: 'x', run: pull }] }), 'mlgen.yaml');
        if (!loaded.ok) return loaded.diagnostics.every((d) => /secret|credential|token|password/i.test(d.message));
        return loaded.manifest.train?.run === train && loaded.manifest.data?.pull === pull && loaded.manifest.checks[0]?.run === pull;
      }),
      { numRuns: 100 },
    );
    for (const hostile of ['yes', 'on', '010', '1:30', '- x', '"q"', "'s'", '{a: 1}', '[x]', 'a # b', '*ref', '&anchor', '!tag', '%dir', '@at', '`tick`', 'a: b']) {
      const loaded = loadManifest(renderManifest({ ...FALLBACK, train: hostile }), 'mlgen.yaml');
      expect(loaded.ok && loaded.manifest.train?.run).toBe(hostile);
    }
  });
});

describe('init: the interview', () => {
  it('keeps defaults on Enter, re-asks after a wrong answer, and stops asking at the end of input', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let said = '';
    output.on('data', (d: Buffer) => (said += d.toString()));
    input.end(['', 'circleci', '', '3.x', ''].join('\n'));
    const answers = await interview({ ...FALLBACK, name: 'demo', dataPull: 'dvc pull' }, { input, output });
    expect(answers).toMatchObject({ name: 'demo', targets: FALLBACK.targets, python: FALLBACK.python });
    expect(said).toContain('Project name [demo]: ');
    expect(said).toContain('CI systems (github, gitlab, azure, jenkins) [github, gitlab, azure, jenkins]: ');
    expect(said).toContain('name one or more of github, gitlab, azure, jenkins');
    expect(said).toContain('a Python 3 version such as 3.11');
    expect(said.endsWith('Python version [3.11]: \n')).toBe(true); // input ended at the re-ask: defaults stay

    const input2 = new PassThrough();
    input2.end(['churn', 'github, gitlab', '3.12', 'release', 'pip install .', '-'].join('\n'));
    const answers2 = await interview({ ...FALLBACK, dataPull: 'dvc pull' }, { input: input2, output: new PassThrough() });
    expect(answers2).toMatchObject({ name: 'churn', targets: ['github', 'gitlab'], python: '3.12', branch: 'release', install: ['pip install .'], dataPull: null, train: 'python train.py' });
  });
});

describe('init: the image of a detected Dockerfile', () => {
  it('is the registry beside the Git host that origin names, else none', () => {
    expect(imageFromRemote('git@github.com:Acme/Churn-Model.git')).toBe('ghcr.io/acme/churn-model');
    expect(imageFromRemote('https://github.com/acme/churn')).toBe('ghcr.io/acme/churn');
    expect(imageFromRemote('https://gitlab.com/group/sub/model.git')).toBe('registry.gitlab.com/group/sub/model');
    expect(imageFromRemote('https://git.example.com/acme/churn.git')).toBeUndefined();
    expect(imageFromRemote(undefined)).toBeUndefined();
    const repo = { ...fakeRepo({ Dockerfile: 'FROM python:3.11\n' }), gitRemote: () => 'git@github.com:acme/churn.git' };
    expect(detectDefaults(repo).answers).toMatchObject({ dockerfile: 'Dockerfile', image: 'ghcr.io/acme/churn' });
    expect(detectDefaults(fakeRepo({ Dockerfile: '' })).answers).toMatchObject({ dockerfile: 'Dockerfile', image: null });
  });
});
