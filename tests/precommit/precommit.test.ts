/**
 * The pre-commit hooks with Debian's `pre-commit`, in a scratch git repository.
 *
 * The published .pre-commit-hooks.yaml says `language: node`, for which pre-commit npm-installs
 * the hook repository (network). Offline, this test reads the published hooks and runs each as
 * a `repo: local` hook with `language: system` whose entry calls this checkout's bin/run.js:
 * same ids, file patterns, arguments and pass_filenames, only the install step differs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BIN, CHECKOUT, scratch } from '../files/cli.js';

interface Hook {
  id: string;
  name: string;
  entry: string;
  language: string;
  files: string;
  pass_filenames: boolean;
}

const published = parse(readFileSync(join(CHECKOUT, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];

function localConfig(): string {
  const hooks = published.filter((hook) => hook.id !== 'mlgen-check').map((hook) => ({
    ...hook,
    language: 'system',
    entry: hook.entry.replace(/^mlgen\b/, `${process.execPath} ${BIN}`),
  }));
  return stringify({ repos: [{ repo: 'local', hooks }] });
}

describe('pre-commit hooks (offline: published hooks run as language: system against this checkout)', () => {
  it('publishes mlgen-validate and mlgen-generate as node hooks on mlgen.yaml', () => {
    expect(published.map((h) => [h.id, h.language])).toEqual([
      ['mlgen-validate', 'node'],
      ['mlgen-generate', 'node'],
      ['mlgen-check', 'node'],
    ]);
    for (const hook of published) expect(new RegExp(hook.files).test('mlgen.yaml')).toBe(true);
    expect(new RegExp(published[1]!.files).test('.github/workflows/mlgen-ci.yml')).toBe(true);
    expect(new RegExp(published[1]!.files).test('src/train.py')).toBe(false);
  });

  it('a bad manifest blocks the commit with the error; regenerated files make the commit ask to add them', () => {
    const dir = scratch('mlgen-precommit-');
    const env = {
      ...process.env,
      PRE_COMMIT_HOME: join(dir, '.cache-pre-commit'),
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
      NO_COLOR: '1',
    };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const commit = () => {
      const r = spawnSync('git', ['commit', '-q', '-m', 'change'], { cwd: dir, env, encoding: 'utf8' });
      return { code: r.status, output: `${r.stdout}${r.stderr}` };
    };
    git('init', '-q', '-b', 'main');
    writeFileSync(join(dir, '.gitignore'), '.cache-pre-commit/\n');
    writeFileSync(join(dir, '.pre-commit-config.yaml'), localConfig());
    execFileSync('pre-commit', ['install'], { cwd: dir, env });

    writeFileSync(join(dir, 'mlgen.yaml'), 'version: 1\nname: Demo Project\ntargets: [gitlab]\ntrain:\n  run: python train.py\n');
    git('add', '-A');
    const bad = commit();
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/mlgen validate\.+Failed/);
    expect(bad.output).toContain('mlgen.yaml:2:7 error');
    expect(() => git('rev-parse', 'HEAD')).toThrow(); // nothing committed

    writeFileSync(join(dir, 'mlgen.yaml'), 'version: 1\nname: demo\ntargets: [gitlab]\ntrain:\n  run: python train.py\n');
    git('add', '-A');
    const first = commit();
    expect(first.code).not.toBe(0);
    expect(first.output).toMatch(/mlgen generate\.+Failed/);
    expect(first.output).toContain('files were regenerated: add them and commit again');
    git('add', '-A');
    const added = commit();
    expect(added.code, added.output).toBe(0);
    expect(git('ls-files')).toContain('.gitlab-ci.yml');

    // A manifest change: the stale file is regenerated and the commit refused until it is re-added.
    writeFileSync(join(dir, 'mlgen.yaml'), 'version: 1\nname: demo\ntargets: [gitlab]\ntrain:\n  run: python train.py --epochs 5\n');
    git('add', 'mlgen.yaml');
    const stale = commit();
    expect(stale.code).not.toBe(0);
    expect(stale.output).toContain('wrote .gitlab-ci.yml (stale)');
    expect(git('status', '--porcelain')).toContain(' M .gitlab-ci.yml');
    git('add', '-A');
    const readded = commit();
    expect(readded.code, readded.output).toBe(0);
    expect(git('show', 'HEAD:.gitlab-ci.yml')).toContain('python train.py --epochs 5');
  });
});
