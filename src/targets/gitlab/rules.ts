/**
 * When GitLab creates a pipeline and which jobs it holds: `workflow:rules` and each job's
 * `rules`, written so that every event runs exactly `selectJobs(plan, event, pathsChanged)`.
 *
 * Selection works by variables, because GitLab schedules and triggers carry no name of their
 * own in YAML: MLGEN_PIPELINE (default `ci`) names the pipeline; schedules (created by
 * `mlgen sync gitlab`) and triggers set it, and a person running a pipeline from the web UI
 * picks it from the prefilled form.
 */
import type { PipelineId, Plan, PlanJob } from '../../plan/index.js';
import type { Rule } from './model.js';

const MR = '$CI_PIPELINE_SOURCE == "merge_request_event"';
const PUSH = '$CI_PIPELINE_SOURCE == "push"';

/** Branch names are validated to [A-Za-z0-9._/-]+, so a plain double-quoted literal is exact. */
const onBranch = (branch: string) => `$CI_COMMIT_BRANCH == "${branch}"`;
const offBranch = (branch: string) => `$CI_COMMIT_BRANCH != "${branch}"`;
const pipelineIs = (pipeline: PipelineId) => `$MLGEN_PIPELINE == "${pipeline}"`;

export function workflowRules(plan: Plan): Rule[] {
  const rules: Rule[] = [];
  if (plan.pipelines.includes('ci')) {
    rules.push(
      { if: MR },
      // A push to a branch with an open merge request already gets the merge-request
      // pipeline: skip the branch pipeline so the same commit does not run twice. The release
      // branch always runs, since only its branch pipeline packages and deploys.
      { if: `${PUSH} && $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS && ${offBranch(plan.releaseBranch)}`, when: 'never' },
      // Tags have no CI_COMMIT_BRANCH and start nothing.
      { if: `${PUSH} && $CI_COMMIT_BRANCH` },
    );
  }
  rules.push({ if: '$CI_PIPELINE_SOURCE =~ /^(schedule|trigger|api|web)$/' });
  return rules;
}

/**
 * GitLab reads rules:changes with Ruby's File.fnmatch, where `**` recurses only when a `/`
 * follows. `src/**` (GitHub's meaning: everything under src) becomes `src/**\/*`.
 */
export function gitlabGlob(pattern: string): string {
  if (pattern === '**' || pattern.endsWith('/**')) return `${pattern}/*`;
  if (pattern.endsWith('/')) return `${pattern}**/*`;
  return pattern;
}

/**
 * A job's rules, first match wins:
 * 1. releaseOnly jobs: nothing but a branch pipeline of the release branch (never a merge
 *    request, which has no CI_COMMIT_BRANCH, nor another branch).
 * 2. jobs that follow training, when train has paths: in ci pipelines started by a push or
 *    a merge request, only if those paths changed. `changes` is always paired with the
 *    pipeline source, because GitLab treats it as true for schedules, triggers and web runs.
 *    Every such job carries the same rules, so a job and the jobs it needs appear together.
 * 3. otherwise: when MLGEN_PIPELINE names one of the job's pipelines.
 */
export function jobRules(plan: Plan, job: PlanJob, attributes: Pick<Rule, 'when' | 'start_in'> = {}, ciWork = false): Rule[] {
  const rules: Rule[] = [];
  // A newer push cancels CI work it made obsolete; retrains, predictions and deploys are
  // never cancelled by a push (GitLab applies auto-cancel to every pipeline of the branch).
  const ciAttributes: Pick<Rule, 'when' | 'start_in' | 'interruptible'> = ciWork ? { ...attributes, interruptible: true } : attributes;
  const release = plan.releaseBranch;
  if (job.releaseOnly) rules.push({ if: offBranch(release), when: 'never' });

  const train = plan.jobs.find((j) => j.kind === 'train');
  const paths = train?.kind === 'train' ? train.paths.map(gitlabGlob) : [];
  if (job.followsTraining && paths.length > 0 && job.pipelines.includes('ci')) {
    const ci = pipelineIs('ci');
    if (!job.releaseOnly) {
      // Merge requests compare with their target branch.
      rules.push({ if: `${ci} && ${MR}`, changes: paths, ...ciAttributes });
      // Other branches compare with the release branch: a new branch does not count as
      // "everything changed", and later pushes still see the whole branch.
      rules.push({ if: `${ci} && ${PUSH} && ${offBranch(release)}`, changes: { paths, compare_to: `refs/heads/${release}` }, ...ciAttributes });
    }
    // The release branch compares with the commit before the push.
    rules.push({ if: `${ci} && ${PUSH} && ${onBranch(release)}`, changes: paths, ...ciAttributes });
    rules.push({ if: `${ci} && (${PUSH} || ${MR})`, when: 'never' });
  }
  const others = job.pipelines.filter((p) => p !== 'ci');
  if (job.pipelines.includes('ci')) rules.push({ if: pipelineIs('ci'), ...ciAttributes });
  if (others.length > 0) rules.push({ if: others.map(pipelineIs).join(' || '), ...attributes });
  return rules;
}

/** The notification job runs in any pipeline in which a job failed. */
export const onFailureRules: Rule[] = [{ when: 'on_failure' }];
