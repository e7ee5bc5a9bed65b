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
import { generate } from '../../../src/engine/generate.js';
import { fixtureText, generateFor } from '../../support/harness.js';

type Rule = { if?: string; changes?: string[] | { paths: string[]; compare_to?: string }; when?: string };
type Doc = Record<string, { rules?: Rule[] }>;

/**
 * A fixture's plan, the followers of training today's GitLab file prints (the test names), and
 * the file the tests read: generated on first use, so an older mlgen (MLGEN_FILES_FROM) that
 * refuses one fixture fails only that fixture's tests.
 */
function fixture(name: string) {
  const today = generate(fixtureText(name), { manifestPath: 'mlgen.yaml', targets: ['gitlab'] });
  if (!today.ok) throw new Error(`${name} does not generate`);
  const printed = parse(today.files.find((f) => f.path === '.gitlab-ci.yml')!.content, { version: '1.1' }) as Doc;
  const followers = today.plan.jobs.filter((j) => j.followsTraining && printed[j.id]).map((j) => j.id);
  let doc: Doc | undefined;
  const read = () => (doc ??= parse(generateFor(fixtureText(name), 'gitlab').files.find((f) => f.path === '.gitlab-ci.yml')!.content, { version: '1.1' }) as Doc);
  return { plan: today.plan, followers, doc: read };
}

/** The first rule whose `if` mentions every fragment. */
const ruleFor = (rules: Rule[], ...fragments: string[]) => rules.find((r) => fragments.every((f) => (r.if ?? '').includes(f)) && r.changes !== undefined);

function decides(c: ReturnType<typeof fixture>, id: string) {
  const job = c.doc()[id];
  expect(job, `${id} is in the file`).toBeDefined();
  const rules = job!.rules!;
  const paths = ['src/**/*', 'data/**/*', 'params.yaml', 'requirements.txt'];
  const releaseOnly = c.plan.jobs.find((j) => j.id === id)!.releaseOnly;
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
}

describe('gitlab: train.paths changed is the contract rule (rule 5)', () => {
  const contract = fixture('contract-complete');
  it.each(contract.followers)('%s: merge requests diff with the merge base, branch pushes with the release branch, release pushes the pushed range', (id) => {
    decides(contract, id);
  });

  // The same rules for the contract-1.0 example (spec-complete), which c4e22b8 accepts. These pass on
  // c4e22b8's file too: its rules:changes already were the contract's rule (merge base for merge
  // requests, compare_to the release branch for branch pushes, the pushed range on the release
  // branch); review rule 5 named GitLab only as the target the others disagreed with.
  const spec = fixture('spec-complete');
  it.each(spec.followers)('%s: merge requests diff with the merge base, branch pushes with the release branch, release pushes the pushed range (1.0 manifest)', (id) => {
    decides(spec, id);
  });
});
