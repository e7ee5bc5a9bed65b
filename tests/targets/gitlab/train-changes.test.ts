/**
 * platform-review rule 5 on GitLab: "train.paths changed" is the contract's rule, printed as
 * GitLab's native `rules:changes` (docs.gitlab.com/ci/yaml/#ruleschanges): a merge request
 * pipeline diffs against the merge base with its target; `compare_to` makes a branch push diff
 * against the release branch (GitLab takes the merge base); a release-branch push diffs the
 * whole pushed range (GitLab compares with the push's before SHA; a new branch counts as
 * changed). gitlab-ci-local cannot replay a push range, so this reads the rules GitLab will
 * evaluate, first match wins, for the train job and every job after it.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixtureText, generateFor } from '../../support/harness.js';

type Rule = { if?: string; changes?: string[] | { paths: string[]; compare_to?: string }; when?: string };
const { plan, files } = generateFor(fixtureText('contract-complete'), 'gitlab');
const doc = parse(files.find((f) => f.path === '.gitlab-ci.yml')!.content, { version: '1.1' }) as Record<string, { rules?: Rule[] }>;
const followers = plan.jobs.filter((j) => j.followsTraining).map((j) => j.id);

/** The first rule whose `if` mentions every fragment. */
const ruleFor = (rules: Rule[], ...fragments: string[]) => rules.find((r) => fragments.every((f) => (r.if ?? '').includes(f)) && r.changes !== undefined);

describe('gitlab: train.paths changed is the contract rule (rule 5)', () => {
  it.each(followers.filter((id) => doc[id]))('%s: merge requests diff with the merge base, branch pushes with the release branch, release pushes the pushed range', (id) => {
    const rules = doc[id]!.rules!;
    const paths = ['src/**/*', 'data/**/*', 'params.yaml', 'requirements.txt'];
    const releaseOnly = plan.jobs.find((j) => j.id === id)!.releaseOnly;
    const release = ruleFor(rules, '$CI_PIPELINE_SOURCE == "push"', '$CI_COMMIT_BRANCH == "main"');
    expect(release?.changes).toEqual(paths);
    if (!releaseOnly) {
      expect(ruleFor(rules, 'merge_request_event')?.changes).toEqual(paths);
      expect(ruleFor(rules, '$CI_PIPELINE_SOURCE == "push"', '$CI_COMMIT_BRANCH != "main"')?.changes).toEqual({ paths, compare_to: 'refs/heads/main' });
    }
    // Unchanged paths on a push or MR: the job does not run (a later `when: never` for those sources).
    const never = rules.findIndex((r) => r.when === 'never' && /push/.test(r.if ?? '') && !r.changes);
    expect(never).toBeGreaterThan(rules.indexOf(release!));
    // Schedules, triggers and manual runs train whatever changed (no `changes` on their rule).
    expect(rules.some((r) => r.if === '$MLGEN_PIPELINE == "retrain"' && r.changes === undefined)).toBe(true);
  });
});
