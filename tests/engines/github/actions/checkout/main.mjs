// Stand-in for actions/checkout v4: the same git steps the real action runs (init, fetch with
// --depth, checkout), against the test's repository instead of github.com.
// Source: https://github.com/actions/checkout/blob/v4.2.2/src/git-source-provider.ts
import * as core from '@actions/core';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

function git(cwd, ...args) {
  core.info(`[command]git ${args.join(' ')}`);
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

try {
  // The harness passes the repository's path: act runs the job on the host and github.com is
  // unreachable, so this path is "the remote".
  const source = process.env.MLGEN_ACT_SOURCE_REPO;
  if (!source) throw new Error('MLGEN_ACT_SOURCE_REPO is not set: run this stand-in through tests/engines/github/act.ts');
  const repository = core.getInput('repository');
  if (repository && repository !== process.env.GITHUB_REPOSITORY) {
    throw new Error(`the stand-in checks out only the workflow's own repository (${process.env.GITHUB_REPOSITORY}), not ${repository}`);
  }
  const depthInput = core.getInput('fetch-depth') || '1';
  const depth = Number(depthInput);
  if (!Number.isInteger(depth) || depth < 0) throw new Error(`fetch-depth must be a whole number, got '${depthInput}'`);

  const workspace = process.env.GITHUB_WORKSPACE;
  const target = resolve(workspace, core.getInput('path'));
  mkdirSync(target, { recursive: true });

  // What the real action checks out: the input ref, else the event's ref at GITHUB_SHA.
  const refInput = core.getInput('ref');
  const ref = refInput || process.env.GITHUB_REF || '';
  const sha = refInput ? '' : process.env.GITHUB_SHA;
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : '';

  git(target, 'init', '--quiet', '-b', 'mlgen-checkout-init');
  // file:// makes git use its transport, so --depth is honored as it is over https.
  git(target, 'remote', 'add', 'origin', `file://${source}`);
  const fetch = ['-c', 'protocol.version=2', 'fetch', '--no-tags', '--prune', '--no-recurse-submodules'];
  let checkoutTarget;
  if (depth === 0) {
    // fetch-depth 0: all branches and tags, as the real action does.
    git(target, ...fetch.filter((a) => a !== '--no-tags'), 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*');
    // The commit itself too: a pull request's merge commit is on no branch.
    git(target, ...fetch, 'origin', sha || ref);
  } else {
    const want = sha || ref;
    const dest = branch ? `refs/remotes/origin/${branch}` : ref.startsWith('refs/pull/') ? `refs/remotes/pull/${ref.slice('refs/pull/'.length)}` : '';
    git(target, ...fetch, `--depth=${depth}`, 'origin', dest ? `+${want}:${dest}` : want);
  }
  if (branch && !refInput) {
    // A branch push: a local branch at GITHUB_SHA, as `git checkout -B <branch>` in the real action.
    git(target, 'checkout', '--quiet', '--force', '-B', branch, sha);
    checkoutTarget = branch;
  } else {
    git(target, 'checkout', '--quiet', '--force', '--detach', sha || 'FETCH_HEAD');
    checkoutTarget = sha || ref;
  }
  const commit = git(target, 'rev-parse', 'HEAD');
  core.info(`Checked out ${checkoutTarget} (${commit}) into ${target}, fetch-depth ${depth}`);
  core.setOutput('ref', ref);
  core.setOutput('commit', commit);
} catch (error) {
  core.setFailed(error instanceof Error ? error.message : String(error));
}
