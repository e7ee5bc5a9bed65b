/**
 * The one shell implementation of "train.paths changed", run by /bin/sh (dash here, as on
 * Debian agents) on real git histories: a clone of an "origin" with the release branch.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainChanges } from '../../src/plan/changes.js';

const script = trainChanges(['src/**', 'params.yaml']).script;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim();
function commit(repo: string, file: string, message: string): string {
  mkdirSync(join(repo, file, '..'), { recursive: true });
  writeFileSync(join(repo, file), `${message}\n`);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}
function changed(cwd: string, env: Record<string, string>): string {
  return execFileSync('/bin/sh', ['-c', script], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH!, ...env } }).trim();
}

let origin: string;
let clone: string;
let mainHead: string;
beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), 'mlgen-changes-'));
  origin = join(root, 'origin');
  mkdirSync(origin);
  git(origin, 'init', '-q', '-b', 'main');
  commit(origin, 'src/train.py', 'first');
  mainHead = commit(origin, 'README.md', 'docs');
  clone = join(root, 'clone');
  git(root, 'clone', '-q', origin, clone);
});

describe('train.paths changed (manifest-v1, What runs when), on git histories', () => {
  it('a three-commit push to the release branch whose first commit alone touches train.paths: changed', () => {
    git(clone, 'checkout', '-q', 'main');
    const before = git(clone, 'rev-parse', 'HEAD');
    commit(clone, 'src/model.py', 'model change');
    commit(clone, 'docs/a.md', 'docs 1');
    commit(clone, 'docs/b.md', 'docs 2');
    expect(changed(clone, { MLGEN_CHANGES_KIND: 'release', MLGEN_CHANGES_BEFORE: before })).toBe('true');
    // Control: the same kind of push without a model change.
    const docsBefore = git(clone, 'rev-parse', 'HEAD');
    commit(clone, 'docs/c.md', 'docs 3');
    expect(changed(clone, { MLGEN_CHANGES_KIND: 'release', MLGEN_CHANGES_BEFORE: docsBefore })).toBe('false');
    git(clone, 'reset', '-q', '--hard', mainHead);
  });

  it('a pull request whose earlier commit touched train.paths: changed, though its last push did not', () => {
    git(clone, 'checkout', '-q', '-b', 'feature', mainHead);
    commit(clone, 'params.yaml', 'tune');
    commit(clone, 'docs/d.md', 'docs');
    expect(changed(clone, { MLGEN_CHANGES_KIND: 'pr', MLGEN_CHANGES_TARGET: 'main' })).toBe('true');
  });

  it('the first build of a docs-only branch: not changed', () => {
    git(clone, 'checkout', '-q', '-b', 'docs-only', mainHead);
    commit(clone, 'docs/e.md', 'docs');
    expect(changed(clone, { MLGEN_CHANGES_KIND: 'branch', MLGEN_CHANGES_TARGET: 'main' })).toBe('false');
  });

  it('no base (a new history, an all-zero before, a manual run): changed', () => {
    expect(changed(clone, { MLGEN_CHANGES_KIND: 'release', MLGEN_CHANGES_BEFORE: '0000000000000000000000000000000000000000' })).toBe('true');
    expect(changed(clone, { MLGEN_CHANGES_KIND: 'release', MLGEN_CHANGES_BEFORE: 'deadbeef' })).toBe('true');
    expect(changed(clone, { MLGEN_CHANGES_KIND: 'branch', MLGEN_CHANGES_TARGET: 'no-such-branch' })).toBe('true');
    expect(changed(clone, {})).toBe('true');
  });
});
