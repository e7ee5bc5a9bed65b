/**
 * When GitLab creates a pipeline and which jobs it holds: `workflow:rules` and each job's
 * `rules`, written so that every event runs exactly `selectJobs(plan, event, pathsChanged)`.
 *
 * Selection works by variables, because GitLab schedules and triggers carry no name of their
 * own in YAML: MLGEN_PIPELINE (default `ci`) names the pipeline; schedules (created by
 * `mlgen sync gitlab`) and triggers set it, and a person running a pipeline from the web UI
 * picks it from the prefilled form. (Not `spec:inputs`: with a `spec` header GitLab
 * interpolates `$[[ ... ]]` anywhere in the file, manifest commands included, with no escape.)
 */
import { gitlabStringLiteral } from '../../escape/gitlab.js';
import type { PipelineId, Plan, PlanJob } from '../../plan/index.js';
import type { Rule } from './model.js';

const MR = '$CI_PIPELINE_SOURCE == "merge_request_event"';
const PUSH = '$CI_PIPELINE_SOURCE == "push"';
/**
 * A merge request from a fork whose pipeline a member runs in the parent project: it runs the
 * fork's code with the parent's runners and unprotected variables. (A fork's own pipelines
 * run in the fork, where source and project are the same.)
 */
export const FORK_MR_IN_PARENT = `${MR} && $CI_MERGE_REQUEST_SOURCE_PROJECT_ID && $CI_MERGE_REQUEST_SOURCE_PROJECT_ID != $CI_PROJECT_ID`;
/** Every source that starts a pipeline mlgen selects by MLGEN_PIPELINE alone (`pipeline`: a trigger sent with CI_JOB_TOKEN or from another project's pipeline; `parent_pipeline`: run as a child). */
const OTHER_SOURCES = '$CI_PIPELINE_SOURCE =~ /^(schedule|trigger|pipeline|parent_pipeline|api|web)$/';

const onBranch = (branch: string) => `$CI_COMMIT_BRANCH == ${gitlabStringLiteral(branch)}`;
const offBranch = (branch: string) => `$CI_COMMIT_BRANCH != ${gitlabStringLiteral(branch)}`;
const pipelineIs = (pipeline: PipelineId) => `$MLGEN_PIPELINE == ${gitlabStringLiteral(pipeline)}`;

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
  rules.push({ if: OTHER_SOURCES });
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
 * PLAN-GAP: the plan marks a job `untrusted: 'skip'` (it needs a self-hosted runner), not the
 * jobs that follow it; on GitLab those must be skipped too, or their `needs` break the pipeline.
 */
export function skippedForForks(plan: Plan, job: PlanJob, seen = new Set<string>()): boolean {
  if (job.untrusted === 'skip') return true;
  if (seen.has(job.id)) return false;
  seen.add(job.id);
  return job.needs.some((id) => {
    const needed = plan.jobs.find((j) => j.id === id);
    return needed !== undefined && needed.pipelines.includes('ci') && skippedForForks(plan, needed, seen);
  });
}

type Attributes = Pick<Rule, 'when' | 'start_in'>;

/**
 * A job's rules, first match wins:
 * 1. releaseOnly jobs: nothing but a branch pipeline of the release branch (never a merge
 *    request, which has no CI_COMMIT_BRANCH, nor another branch).
 * 2. jobs on a self-hosted runner (and the jobs after them): never for a fork's merge request
 *    run in the parent project.
 * 3. jobs that follow training, when train has paths: in ci pipelines started by a push or
 *    a merge request, only if those paths changed (the contract's rule, natively: a merge
 *    request's diff is against its merge base with the target; `compare_to` diffs against the
 *    merge base with the release branch; a release push diffs the pushed range, and a new
 *    branch or a push GitLab cannot diff counts as changed). `changes` is always paired with
 *    the pipeline source, because GitLab treats it as true for schedules, triggers and web runs.
 * 4. otherwise: when MLGEN_PIPELINE names one of the job's pipelines.
 * Only rules off the release branch make a job interruptible (a newer push may cancel it).
 */
export function jobRules(plan: Plan, job: PlanJob, attributes: Attributes = {}): Rule[] {
  const rules: Rule[] = [];
  const release = plan.releaseBranch;
  const cancellable: Rule = job.interruptible && !job.releaseOnly ? { ...attributes, interruptible: true } : attributes;
  if (job.releaseOnly) rules.push({ if: offBranch(release), when: 'never' });
  if (!job.releaseOnly && job.pipelines.includes('ci') && skippedForForks(plan, job)) rules.push({ if: FORK_MR_IN_PARENT, when: 'never' });

  const paths = (plan.trainChanges?.paths ?? []).map(gitlabGlob);
  const ci = pipelineIs('ci');
  if (job.followsTraining && paths.length > 0 && job.pipelines.includes('ci')) {
    if (!job.releaseOnly) {
      rules.push({ if: `${ci} && ${MR}`, changes: paths, ...cancellable });
      rules.push({ if: `${ci} && ${PUSH} && ${offBranch(release)}`, changes: { paths, compare_to: `refs/heads/${release}` }, ...cancellable });
    }
    rules.push({ if: `${ci} && ${PUSH} && ${onBranch(release)}`, changes: paths, ...attributes });
    rules.push({ if: `${ci} && (${PUSH} || ${MR})`, when: 'never' });
  }
  if (job.pipelines.includes('ci')) {
    if (cancellable.interruptible) rules.push({ if: `${ci} && (${MR} || ${PUSH} && ${offBranch(release)})`, ...cancellable });
    rules.push({ if: ci, ...attributes });
  }
  const others = job.pipelines.filter((p) => p !== 'ci');
  if (others.length > 0) rules.push({ if: others.map(pipelineIs).join(' || '), ...attributes });
  return rules;
}

/** The notification job runs in any pipeline in which a job failed (a timed-out job is a failed job). */
export const onFailureRules: Rule[] = [{ when: 'on_failure' }];
