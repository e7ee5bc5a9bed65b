/**
 * "train.paths changed" for a local run, by the plan's own script (the rule every target
 * prints), on the caller's repository without fetching; uncommitted edits count as changes.
 */
import { execFileSync } from 'node:child_process';
import { pathspecs } from '../plan/changes.js';
import type { Plan, PlanEvent } from '../plan/index.js';

export function pathsChanged(repo: string, plan: Plan, event: PlanEvent): boolean {
  const rule = plan.trainChanges;
  if (!rule) return true;
  if (event.kind !== 'pull-request' && event.kind !== 'push') return true;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    if (git('status', '--porcelain', '--', ...pathspecs(rule.paths)) !== '') return true;
  } catch {
    return true; // not a repository: nothing to compare
  }
  const env: NodeJS.ProcessEnv = { ...process.env, MLGEN_CHANGES_OFFLINE: '1' };
  if (event.kind === 'push' && event.branch === plan.releaseBranch) {
    env.MLGEN_CHANGES_KIND = 'release';
    // What a push would send: the commits the upstream does not have yet.
    try {
      env.MLGEN_CHANGES_BEFORE = git('rev-parse', '--verify', '--quiet', '@{upstream}');
    } catch {
      env.MLGEN_CHANGES_BEFORE = '';
    }
  } else {
    env.MLGEN_CHANGES_KIND = event.kind === 'pull-request' ? 'pr' : 'branch';
    env.MLGEN_CHANGES_TARGET = plan.releaseBranch;
  }
  try {
    return execFileSync('/bin/sh', ['-c', rule.script], { cwd: repo, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== 'false';
  } catch {
    return true;
  }
}
