/**
 * The hooks installed the way a user installs them: a project's .pre-commit-config.yaml names
 * this repository by `repo:` (a local clone) and `rev:`, and pre-commit installs it as
 * `language: node` (npm install, npm pack, npm install -g of the tarball), then runs the hooks
 * on `git commit`. The clone is this checkout with its uncommitted changes committed on top.
 *
 * Needs pre-commit (Debian's `pre-commit` package or `pip install pre-commit`) and npm with the
 * registry or a warm npm cache (the install prefers the cache). A heavy test: run it under
 * `flock /tmp/mlgen-heavy.lock`. pre-commit's install is shared by every step below.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT, scratch } from '../files/cli.js';

const havePreCommit = spawnSync('pre-commit', ['--version']).status === 0;

const root = scratch('mlgen-precommit-install-');
const env = {
  ...process.env,
  PRE_COMMIT_HOME: join(root, 'pre-commit-home'),
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  NO_COLOR: '1',
};
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A clone of this checkout whose HEAD is the working tree as it is now (tracked changes and new files). */
function cloneOfWorkingTree(): { repo: string; rev: string } {
  const repo = join(root, 'mlgen-clone');
  git(root, 'clone', '-q', CHECKOUT, repo);
  const changed = git(CHECKOUT, 'ls-files', '--modified', '--others', '--exclude-standard', '-z').split('\0').filter(Boolean);
  const deleted = new Set(git(CHECKOUT, 'ls-files', '--deleted', '-z').split('\0').filter(Boolean));
  for (const path of changed) {
    if (deleted.has(path) || path === 'node_modules') continue;
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    copyFileSync(join(CHECKOUT, path), join(repo, path));
  }
  for (const path of deleted) git(repo, 'rm', '-q', '--', path);
  git(repo, 'add', '-A');
  if (git(repo, 'status', '--porcelain').trim() !== '') git(repo, 'commit', '-q', '-m', 'working tree under test');
  return { repo, rev: git(repo, 'rev-parse', 'HEAD').trim() };
}

describe('pre-commit installs the hooks from a clone by repo: and rev: (language: node)', () => {
  const project = join(root, 'project');
  const commit = () => {
    const r = spawnSync('git', ['commit', '-q', '-m', 'change'], { cwd: project, env, encoding: 'utf8' });
    return { code: r.status, output: `${r.stdout}${r.stderr}` };
  };

  beforeAll(() => {
    if (!havePreCommit) throw new Error('needs pre-commit on PATH: apt-get install pre-commit, or pip install pre-commit');
    const { repo, rev } = cloneOfWorkingTree();
    mkdirSync(project);
    git(project, 'init', '-q', '-b', 'main');
    writeFileSync(
      join(project, '.pre-commit-config.yaml'),
      `repos:\n  - repo: ${repo}\n    rev: ${rev}\n    hooks:\n      - id: mlgen-validate\n      - id: mlgen-check\n        stages: [manual]\n      - id: mlgen-generate\n`,
    );
    execFileSync('pre-commit', ['install'], { cwd: project, env });
    // The install a user's first commit triggers: clone at rev, npm install, npm pack, npm install -g.
    const install = spawnSync('pre-commit', ['install-hooks'], { cwd: project, env, encoding: 'utf8' });
    if (install.status !== 0) throw new Error(`pre-commit install-hooks failed:\n${install.stdout}${install.stderr}`);
  }, 1_200_000);

  it('a bad manifest blocks the commit with mlgen validate’s error', () => {
    writeFileSync(join(project, 'mlgen.yaml'), 'version: 1\nname: Demo Project\ntargets: [gitlab]\ntrain:\n  run: python train.py\n');
    git(project, 'add', '-A');
    const bad = commit();
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/mlgen validate\.+Failed/);
    expect(bad.output).toContain('mlgen.yaml:2:7 error');
    expect(() => git(project, 'rev-parse', 'HEAD')).toThrow(); // nothing committed
  });

  it('a generated file not yet added makes the commit ask to add it; then it commits', () => {
    writeFileSync(join(project, 'mlgen.yaml'), 'version: 1\nname: demo\ntargets: [gitlab]\ntrain:\n  run: python train.py\n');
    git(project, 'add', '-A');
    const first = commit();
    expect(first.code).not.toBe(0);
    expect(first.output).toMatch(/mlgen generate\.+Failed/);
    expect(first.output).toContain('files were regenerated: add them and commit again');
    git(project, 'add', '-A');
    const added = commit();
    expect(added.code, added.output).toBe(0);
    expect(git(project, 'ls-files')).toContain('.gitlab-ci.yml');
  });

  it('a stale file: --check (mlgen-check) fails naming it, generate rewrites it and the commit asks to add it', () => {
    writeFileSync(join(project, 'mlgen.yaml'), 'version: 1\nname: demo\ntargets: [gitlab]\ntrain:\n  run: python train.py --epochs 5\n');
    git(project, 'add', 'mlgen.yaml');
    const check = spawnSync('pre-commit', ['run', 'mlgen-check', '--hook-stage', 'manual'], { cwd: project, env, encoding: 'utf8' });
    expect(check.status).not.toBe(0);
    expect(`${check.stdout}${check.stderr}`).toContain('.gitlab-ci.yml: stale');
    const stale = commit();
    expect(stale.code).not.toBe(0);
    expect(stale.output).toContain('wrote .gitlab-ci.yml (stale)');
    expect(git(project, 'status', '--porcelain')).toContain(' M .gitlab-ci.yml');
    git(project, 'add', '-A');
    const readded = commit();
    expect(readded.code, readded.output).toBe(0);
    expect(git(project, 'show', 'HEAD:.gitlab-ci.yml')).toContain('python train.py --epochs 5');
  });
});
