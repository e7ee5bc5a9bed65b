/**
 * Every expression mlgen writes into `if:`, `concurrency:` and the change-detection step, in
 * one place: when a job runs, who may run fork code, and which runs share the deploy lock.
 */
import { exprString, template } from '../../escape/github.js';
import type { PipelineId, Plan } from '../../plan/index.js';
import type { Concurrency } from './model.js';

/** `github.ref == 'refs/heads/<branch>'`. */
export function onBranch(branch: string): string {
  return `github.ref == ${exprString(`refs/heads/${branch}`)}`;
}

/** The `if:` of release-only jobs: a push to (or a manual run on) the release branch, never a fork's copy of the workflow. */
export function releaseCondition(plan: Plan, pipeline: PipelineId): string {
  const notFork = '!github.event.repository.fork';
  const onRelease = onBranch(plan.releaseBranch);
  return pipeline === 'ci' ? `${onRelease} && (github.event_name == 'push' || github.event_name == 'workflow_dispatch') && ${notFork}` : `${onRelease} && ${notFork}`;
}

/**
 * Code from a fork's pull request never reaches a self-hosted runner: such a job runs for a
 * pull request only when its head is in this repository. (A deleted fork has no head repo:
 * the comparison is false and the job is skipped.)
 */
export const SAME_REPOSITORY = "(github.event_name != 'pull_request' || github.event.pull_request.head.repo.full_name == github.repository)";

/**
 * Rollback: a canary phase failed, timed out (GitHub reports a timed-out job as failed or
 * cancelled) or was cancelled, also when the whole run was cancelled (`always()`); never when
 * the phases were skipped because a job before them failed.
 */
export const PHASE_FAILED = "always() && (contains(needs.*.result, 'failure') || contains(needs.*.result, 'cancelled'))";

/** Notify: anything failed, timed out or was cancelled, or the run was cancelled. */
export const RUN_FAILED = "failure() || cancelled() || contains(needs.*.result, 'cancelled')";

/** The change-detection inputs of plan.trainChanges.script, from the event (manifest-v1, What runs when). */
export function changesEnv(plan: Plan): Record<string, string> {
  const release = exprString(plan.releaseBranch);
  return {
    MLGEN_CHANGES_KIND: template(`github.event_name == 'pull_request' && 'pr' || github.event_name == 'push' && (${onBranch(plan.releaseBranch)} && 'release' || 'branch') || 'unknown'`),
    MLGEN_CHANGES_TARGET: template(`github.event_name == 'pull_request' && github.event.pull_request.base.ref || ${release}`),
    MLGEN_CHANGES_BEFORE: template('github.event.before'),
  };
}

/**
 * Workflow-level concurrency. A run that may deploy (on the release branch, not a pull
 * request) takes the chain's lock, one group for the ci and retrain workflows: GitHub holds a
 * workflow-level group from the run's first job to its last, so staging, canary, production
 * and rollback of two runs never interleave, and nothing there is cancelled. Every other run
 * is grouped by its head branch (a push and the pull request of the same branch share it), so
 * a newer push cancels the older run and a push to a pull request's branch runs once.
 */
export function workflowConcurrency(plan: Plan, pipeline: PipelineId, deploys: boolean): Concurrency | undefined {
  // Neither deploys (the monitor starts a retrain run for that).
  if (pipeline === 'predict' || pipeline === 'monitor') return undefined;
  const releaseRun = `${onBranch(plan.releaseBranch)} && github.event_name != 'pull_request'`;
  if (pipeline === 'retrain') {
    if (!deploys || !plan.deployLock) return undefined;
    // Only release-branch retrains deploy; a manual retrain of another branch keeps its own group.
    return { group: template(`${releaseRun} && ${exprString(plan.deployLock)} || format('{0}-{1}', github.workflow, github.run_id)`), cancelInProgress: false };
  }
  const releaseGroup = plan.deployLock ? exprString(plan.deployLock) : "format('{0}-{1}', github.workflow, github.run_id)";
  const branchGroup = "format('{0}-{1}:{2}', github.workflow, github.event.pull_request.head.repo.full_name || github.repository, github.head_ref || github.ref_name)";
  return { group: template(`${releaseRun} && ${releaseGroup} || ${branchGroup}`), cancelInProgress: template(`!(${releaseRun})`) };
}
