/**
 * Rule 4, "train.paths changed", as a Jenkins run decides it: the stub runs the main
 * Jenkinsfile's source stage for the event (which MLGEN_CHANGES_* it sets from CHANGE_ID,
 * CHANGE_TARGET, BRANCH_NAME and the git plugin's GIT_PREVIOUS_SUCCESSFUL_COMMIT), and dash
 * runs the script of that very `sh` step in a real git history. No changelog decides it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAIN_CHANGED_LABEL } from '../../../src/targets/jenkins/stages.js';
import { fixtureText, generateFor } from '../../support/harness.js';
import { evaluateJenkinsfile, scenarioFor, type Scenario } from '../../support/harness-jenkins.js';

const { plan, files } = generateFor(fixtureText('spec-complete'), 'jenkins');
const main = files.find((f) => f.path === 'Jenkinsfile')!.content;
const repo = mkdtempSync(join(tmpdir(), 'mlgen-jenkins-changes-'));
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim();
function commit(path: string, message: string): string {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), `${message}\n`);
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

const history: Record<string, string> = {};
const decided: Record<string, { script: string; env: Record<string, string> }> = {};

/** The scenarios of the source stage, each with the commit Jenkins would check out. */
function scenarios(): Record<string, { head: string; scenario: Scenario }> {
  const push = (branch: string, previous?: string) => {
    const { scenario } = scenarioFor(plan, { kind: 'push', branch }, true);
    return { ...scenario, ...(previous ? { previousSuccessfulCommit: previous } : {}) };
  };
  return {
    threeCommitPush: { head: history.release3!, scenario: push('main', history.base) },
    lastCommitOnly: { head: history.release3!, scenario: push('main', history.release2) },
    prEarlierCommit: { head: history.pr2!, scenario: scenarioFor(plan, { kind: 'pull-request' }, true).scenario },
    docsOnlyFirstBuild: { head: history.docs1!, scenario: push('docs') },
    firstReleaseBuild: { head: history.release3!, scenario: push('main') },
  };
}

function decide(name: string): string {
  const { script, env } = decided[name]!;
  git('checkout', '-q', '--detach', scenarios()[name]!.head);
  // /bin/sh is dash here, as on Debian agents: the script must be POSIX.
  return execFileSync('sh', ['-c', script], { cwd: repo, encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: repo, ...env } }).trim();
}

afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('train.paths changed on Jenkins (rule 4), on real git histories', () => {
  // Inside this describe: the multi-line test below stands on its own (an older mlgen's missing
  // change detection fails these tests, not that one).
  beforeAll(async () => {
    git('init', '-q', '-b', 'main');
    history.base = commit('src/model.py', 'base');
    // A pull request whose earlier commit touched src/, then docs only.
    git('checkout', '-q', '-b', 'feature');
    commit('src/model.py', 'pr: model change');
    history.pr2 = commit('README.md', 'pr: docs');
    // A branch whose only commit is docs, branched from main.
    git('checkout', '-q', 'main');
    git('checkout', '-q', '-b', 'docs');
    history.docs1 = commit('docs/guide.md', 'docs only');
    // Three commits pushed to main at once: only the first touches src/.
    git('checkout', '-q', 'main');
    commit('src/model.py', 'release: model change');
    history.release2 = commit('README.md', 'release: docs 1');
    history.release3 = commit('docs/guide.md', 'release: docs 2');
    const entries = Object.entries(scenarios());
    const results = await Promise.all(entries.map(([id, { scenario }]) => evaluateJenkinsfile(main, [{ ...scenario, id }])));
    entries.forEach(([id], i) => {
      const step = results[i]!.outcomes![id]!.executed.find((e) => e.label === TRAIN_CHANGED_LABEL);
      if (!step) throw new Error(`${id}: the source stage ran no change detection`);
      decided[id] = { script: step.script, env: Object.fromEntries(Object.entries(step.env).filter(([k]) => k.startsWith('MLGEN_CHANGES_'))) };
    });
  }, 900_000);

  it('a three-commit push to the release branch whose first commit alone touches train.paths trains (the range since the last successful build)', () => {
    expect(decided.threeCommitPush!.env).toEqual({ MLGEN_CHANGES_KIND: 'release', MLGEN_CHANGES_TARGET: 'main', MLGEN_CHANGES_BEFORE: history.base });
    expect(decide('threeCommitPush')).toBe('true');
    // The control: from the push's last commit alone nothing changed, so the range is what decides.
    expect(decide('lastCommitOnly')).toBe('false');
  });

  it('a pull request whose earlier commit touched train.paths trains (merge base with CHANGE_TARGET)', () => {
    expect(decided.prEarlierCommit!.env).toMatchObject({ MLGEN_CHANGES_KIND: 'pr', MLGEN_CHANGES_TARGET: 'main' });
    expect(decide('prEarlierCommit')).toBe('true');
  });

  it("a docs-only first build of a branch does not train (merge base with the release branch, not an empty changelog)", () => {
    expect(decided.docsOnlyFirstBuild!.env).toEqual({ MLGEN_CHANGES_KIND: 'branch', MLGEN_CHANGES_TARGET: 'main', MLGEN_CHANGES_BEFORE: '' });
    expect(decide('docsOnlyFirstBuild')).toBe('false');
  });

  it('the release branch with no previous successful build trains (unknown means train)', () => {
    expect(decide('firstReleaseBuild')).toBe('true');
  });
});

describe('multi-line scripts under dash', () => {
  it('a bash-only script fails under /bin/sh and passes as generated (#!/bin/bash), as the sh step runs it', () => {
    const command = 'set -o pipefail\nfalse | cat\necho survived';
    const small = generateFor(`version: 1\nname: b\nchecks:\n  - name: pf\n    run: |\n${command.split('\n').map((l) => `      ${l}`).join('\n')}\n`, 'jenkins');
    const body = small.files.find((f) => f.path === 'Jenkinsfile')!.content;
    expect(body).toContain("sh(script: '#!/bin/bash\\nset -o pipefail");
    const file = join(repo, 'pf.sh');
    writeFileSync(file, `#!/bin/bash\n${command}\n`);
    // How the sh step runs a script: with its interpreter line if it has one, else `sh -xe`.
    expect(() => execFileSync('sh', ['-e', '-c', command], { stdio: 'pipe' })).toThrow();
    expect(execFileSync('bash', [file], { encoding: 'utf8' })).toBe('survived\n');
  });
});
