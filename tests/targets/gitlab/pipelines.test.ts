/**
 * GitLab behaviour beyond "which jobs": duplicate pipelines, tags, the needs DAG in every
 * pipeline, and a canary that fails, rolls back and fails the pipeline, run for real under
 * gitlab-ci-local's shell executor.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { eventsOf, formatEvent } from '../../../src/plan/index.js';
import { fixtureText, generateFor } from '../../support/harness.js';
import { fullMatrix } from '../../support/matrix-report.js';
import { createRepository, dependencyChainFindings, removeTemporaryDirectories, eventArgs, gitlabCiLocal, gitlabHarness, listJobs } from '../../support/harness-gitlab.js';

const CANARY = `version: 1
name: canary-run
defaults: { install: "true", cache: [] }
checks:
  - { name: unit, run: echo unit }
deploy:
  staging: { run: echo staging }
  canary:
    steps: [10, 50]
    run: echo "shift $MLGEN_CANARY_PERCENT to $MLGEN_ENVIRONMENT"
    analysis: test "$MLGEN_CANARY_PERCENT" != "$FAIL_AT"
    interval: 1s
    rollback: echo "rolled back by $CI_JOB_NAME"
  production: { run: echo "production deployed", approval: true }
`;

afterAll(removeTemporaryDirectories);

describe('gitlab pipelines', () => {
  it('a push to a branch with an open merge request runs no branch pipeline (the MR pipeline runs)', async () => {
    const { plan, files } = generateFor(fixtureText('spec-complete'), 'gitlab');
    const dir = await gitlabHarness.repositoryFor(files, plan, true);
    const open = ['--variable', 'CI_OPEN_MERGE_REQUESTS=mlgen/project!1'];
    const [feature, release, tag] = await Promise.all([
      listJobs(dir, [...eventArgs(plan, { kind: 'push', branch: 'feature' }), ...open]),
      listJobs(dir, [...eventArgs(plan, { kind: 'push', branch: 'main' }), ...open]),
      listJobs(dir, ['--variable', 'CI_PIPELINE_SOURCE=push', '--variable', 'CI_COMMIT_TAG=v1.0.0', '--unset-variable', 'CI_COMMIT_BRANCH']),
    ]);
    expect(feature).toEqual([]);
    // The release branch deploys from its branch pipeline, open merge request or not.
    expect(release).toContain('production');
    expect(tag).toEqual([]);
  });

  // listJobs checks needs itself for every event; this cross-checks it with the tool's own check.
  it('every pipeline is accepted by gitlab-ci-local --validate-dependency-chain', async () => {
    const { plan, files } = generateFor(fixtureText('spec-complete'), 'gitlab');
    const cases = eventsOf(plan).map((event) => ({ changed: false, event }));
    const findings = await Promise.all(
      cases.map(async ({ changed, event }) => [`${formatEvent(event)} paths=${changed}`, await dependencyChainFindings(await gitlabHarness.repositoryFor(files, plan, changed), eventArgs(plan, event))]),
    );
    expect(Object.fromEntries(findings)).toEqual(Object.fromEntries(cases.map(({ changed, event }) => [`${formatEvent(event)} paths=${changed}`, ''])));
  });

  it('without optional needs the retrain pipeline would be refused (the check can fail)', async () => {
    const { plan, files } = generateFor(fixtureText('spec-complete'), 'gitlab');
    const strict = files.map((f) => (f.path === '.gitlab-ci.yml' ? { ...f, content: f.content.replaceAll('optional: true', 'optional: false') } : f));
    const dir = await createRepository(strict, plan, true);
    const args = eventArgs(plan, { kind: 'schedule', schedule: 'retrain-full' });
    expect(await dependencyChainFindings(dir, args)).toMatch(/check-unit/);
    await expect(listJobs(dir, args)).rejects.toThrow(/train needs check-unit/);
  });

  describe.concurrent('a canary run on the release branch', () => {
    async function runCanary(failAt: string, extra: string[] = []) {
      const { plan, files } = generateFor(CANARY, 'gitlab');
      const dir = await createRepository(files, plan, true);
      const args = [...eventArgs(plan, { kind: 'push', branch: 'main' }), '--variable', `FAIL_AT=${failAt}`, ...extra];
      // --shell-isolation: each job in its own copy with only its needs' artifacts, as on a runner.
      const result = await gitlabCiLocal(dir, ['--force-shell-executor', '--shell-isolation', ...args], 600_000);
      return { ...result, log: result.stdout + result.stderr };
    }

    it('a failed analysis rolls back and fails the pipeline; production never starts', async ({ expect }) => {
      const { code, log } = await runCanary('50', ['--manual', 'production']);
      expect(log, log).toMatch(/PASS\s+canary-10-analysis/);
      expect(log).toMatch(/FAIL\s+canary-50-analysis/);
      expect(log).toMatch(/rolled back by canary-rollback/);
      expect(log).not.toMatch(/production deployed/);
      expect(code).not.toBe(0);
    });

    it('passing analyses skip the rollback; production runs once approved', async ({ expect }) => {
      const { code, log } = await runCanary('none', ['--manual', 'production']);
      expect(log, log).toMatch(/shift 50 to canary/);
      expect(log).not.toMatch(/rolled back/);
      expect(log).toMatch(/production deployed/);
      expect(code).toBe(0);
    });

    // CI's 25 minutes: a manual job that is not started is also shown by --list (when: manual); the run is full matrix.
    it.runIf(fullMatrix())('without approval production waits', async ({ expect }) => {
      const { code, log } = await runCanary('none');
      expect(log, log).toMatch(/PASS\s+canary-50-analysis/);
      expect(log).not.toMatch(/production deployed/);
      expect(code).toBe(0);
    });
  });
});
