/**
 * platform-review, rule 5 (GitLab) and the GitLab item on pipeline variables: what
 * `mlgen sync gitlab` does about the project settings the generated file relies on, against
 * the loopback GitLab API stand-in (written from docs.gitlab.com/api/{resource_groups,projects}).
 */
import { describe, expect, it } from 'vitest';
import { syncGitLab, type GitLabSyncOptions } from '../../src/sync/gitlab/index.js';
import { logLines, planOf, syncFixture } from './support/common.js';
import { gitLabStandIns, type GitLabStandIn } from './support/gitlab-standin.js';

const CI = syncFixture('.gitlab-ci.yml');
const PLAN = planOf('spec-complete');
const LOCK = PLAN.deployLock!;

const standIn = gitLabStandIns();

function optionsFor(gitlab: GitLabStandIn, overrides: Partial<GitLabSyncOptions> = {}): GitLabSyncOptions {
  return { url: gitlab.url, project: '42', token: gitlab.token, dryRun: false, showToken: false, timeoutSeconds: 5, plan: PLAN, files: [CI], log: () => {}, ...overrides };
}

const groupWrites = (gitlab: GitLabStandIn) => gitlab.writes().filter((r) => r.path.includes('/resource_groups/'));

describe('sync gitlab: the deploy chain resource group in oldest_first (loopback GitLab API stand-in)', () => {
  it('before any pipeline made the group: says so and writes nothing to it; after the first pipeline: sets oldest_first; then up to date', async () => {
    expect(LOCK).toBe('house-prices-deploy');
    const gitlab = await standIn();
    const before = logLines();
    const first = await syncGitLab(optionsFor(gitlab, { log: before.log }));
    expect(first.resourceGroup).toMatchObject({ key: LOCK, state: 'not created yet' });
    expect(before.lines.some((l) => l.startsWith('? GitLab creates resource group house-prices-deploy with the first pipeline'))).toBe(true);
    expect(groupWrites(gitlab)).toEqual([]);

    // The first pipeline with a deploy job creates the group, unordered (GitLab's default).
    gitlab.pipelineCreatesResourceGroup(LOCK);
    const dry = logLines();
    const preview = await syncGitLab(optionsFor(gitlab, { dryRun: true, log: dry.log }));
    expect(dry.lines).toContain(`~ would update resource group "${LOCK}": process mode unordered -> oldest_first (deploys run in pipeline order, never a newer before an older)`);
    expect(preview.resourceGroup).toMatchObject({ processMode: 'unordered', state: 'changed' });
    expect(gitlab.resourceGroups.get(LOCK)!.process_mode).toBe('unordered');

    const second = await syncGitLab(optionsFor(gitlab));
    const puts = groupWrites(gitlab);
    expect(puts.map((r) => [r.method, r.path, r.body.process_mode])).toEqual([['PUT', `/api/v4/projects/42/resource_groups/${LOCK}`, 'oldest_first']]);
    expect(gitlab.resourceGroups.get(LOCK)!.process_mode).toBe('oldest_first');
    expect(second.resourceGroup).toMatchObject({ key: LOCK, processMode: 'oldest_first', state: 'changed' });
    expect(second.changes.find((c) => c.subject === `resource group "${LOCK}"`)?.status).toBe('done');

    const third = logLines();
    const again = await syncGitLab(optionsFor(gitlab, { log: third.log }));
    expect(again.resourceGroup).toMatchObject({ state: 'up to date', processMode: 'oldest_first' });
    expect(third.lines).toContain(`= resource group "${LOCK}" is up to date (oldest_first)`);
    expect(groupWrites(gitlab)).toHaveLength(1);
  });

  it('a group someone set to newest_first is put back to oldest_first', async () => {
    const gitlab = await standIn({ resourceGroups: [{ key: LOCK, process_mode: 'newest_first' }] });
    await syncGitLab(optionsFor(gitlab));
    expect(gitlab.resourceGroups.get(LOCK)!.process_mode).toBe('oldest_first');
  });

  it('a plan without deploys reads no resource group', async () => {
    const gitlab = await standIn();
    const result = await syncGitLab(optionsFor(gitlab, { plan: { ...PLAN, deployLock: undefined } as typeof PLAN }));
    expect(result.resourceGroup).toBeUndefined();
    expect(gitlab.requests.filter((r) => r.path.includes('/resource_groups/'))).toEqual([]);
  });
});

describe('sync gitlab: the pipeline-variable setting schedules and triggers need (loopback GitLab API stand-in)', () => {
  it("GitLab.com's default (restricted, no_one_allowed): reported as a problem with the fix, in the log and the result", async () => {
    const gitlab = await standIn({ settings: { restrict_user_defined_variables: true, ci_pipeline_variables_minimum_override_role: 'no_one_allowed' } });
    const log = logLines();
    const result = await syncGitLab(optionsFor(gitlab, { log: log.log }));
    expect(result.pipelineVariables).toMatchObject({ status: 'blocked', restrictUserDefinedVariables: true, minimumOverrideRole: 'no_one_allowed', accessLevel: 40 });
    expect(result.pipelineVariables!.fix).toContain(`--data ci_pipeline_variables_minimum_override_role=developer '${gitlab.url}/api/v4/projects/42'`);
    const problem = log.lines.findIndex((l) => l.startsWith('PROBLEM: the project allows no one to pass pipeline variables'));
    expect(problem).toBeGreaterThanOrEqual(0);
    expect(log.lines[problem + 1]).toMatch(/^ {2}fix: set "Minimum role to use pipeline variables" to Developer/);
    // Reported, not changed: a project's security setting is the owner's decision.
    expect(gitlab.writes().filter((r) => r.path === '/api/v4/projects/42')).toEqual([]);
  });

  it('after the fix the same project is reported allowed', async () => {
    const gitlab = await standIn({ settings: { restrict_user_defined_variables: true, ci_pipeline_variables_minimum_override_role: 'no_one_allowed' } });
    expect((await syncGitLab(optionsFor(gitlab))).pipelineVariables!.status).toBe('blocked');
    gitlab.settings.ci_pipeline_variables_minimum_override_role = 'developer';
    const log = logLines();
    const fixed = await syncGitLab(optionsFor(gitlab, { log: log.log }));
    expect(fixed.pipelineVariables!.status).toBe('allowed');
    expect(log.lines).toContain("ok: pipeline variables (MLGEN_*) may be passed by users of role developer and above, this token's user included");
  });

  it('restricted to owners while the token user is a Maintainer: blocked (schedules and triggers run as that user)', async () => {
    const gitlab = await standIn({ settings: { restrict_user_defined_variables: true, ci_pipeline_variables_minimum_override_role: 'owner', accessLevel: 40 } });
    const result = await syncGitLab(optionsFor(gitlab));
    expect(result.pipelineVariables).toMatchObject({ status: 'blocked', minimumOverrideRole: 'owner' });
    expect(result.pipelineVariables!.problem).toContain('access level 40');
  });

  it('unrestricted: allowed; settings not shown to the token (below Maintainer): unknown, with how to check', async () => {
    const open = await standIn();
    expect((await syncGitLab(optionsFor(open))).pipelineVariables).toMatchObject({ status: 'allowed', restrictUserDefinedVariables: false });
    const hidden = await standIn({ settings: { restrict_user_defined_variables: true, ci_pipeline_variables_minimum_override_role: 'no_one_allowed', accessLevel: 30 } });
    const result = await syncGitLab(optionsFor(hidden));
    expect(result.pipelineVariables!.status).toBe('unknown');
    expect(result.pipelineVariables!.fix).toMatch(/^check it with a Maintainer's token/);
  });

  it('a plan that starts no pipeline with variables (ci only) does not check', async () => {
    const gitlab = await standIn({ settings: { restrict_user_defined_variables: true, ci_pipeline_variables_minimum_override_role: 'no_one_allowed' } });
    const ciOnly = { ...PLAN, schedules: [], events: [], pipelines: ['ci' as const] };
    expect((await syncGitLab(optionsFor(gitlab, { plan: ciOnly }))).pipelineVariables).toBeUndefined();
  });
});
