/**
 * Negative controls for the examples' pipelines under gitlab-ci-local (shell executor,
 * --shell-isolation, real installs; see tests/support/gitlab-example-run.ts): each breaks one
 * thing a correct generator or project provides and shows the platform notices.
 *
 * - an install removed from one job: that job fails with Python's own ModuleNotFoundError;
 * - an impossible gate: evaluate fails, nothing after it runs (production is even started by
 *   hand, --manual);
 * - train's artifacts not declared: the job that needs them fails;
 * - (MLGEN_MATRIX=full) fraud-canary's last canary analysis made impossible: the rollback runs,
 *   the pipeline fails, production never starts. The same on a small canary manifest runs by
 *   default in pipelines.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { describeRun, fillDvcRemote, GitLabExample, RUN_TEST_TIMEOUT } from '../../support/gitlab-example-run.js';
import { removeTemporaryDirectories } from '../../support/harness-gitlab.js';
import { fullMatrix } from '../../support/matrix-report.js';
import { removeTemporaryDirectoriesAfterAll } from '../../support/example-project.js';

afterAll(removeTemporaryDirectories);
removeTemporaryDirectoriesAfterAll();

const INSTALL = /pip install -r requirements\.txt/;

describe('gitlab-ci-local negative controls on the examples', { timeout: RUN_TEST_TIMEOUT }, () => {
  it('house-prices without the install in train: train fails with the real ModuleNotFoundError, evaluate never runs', async () => {
    const example = GitLabExample.create('house-prices', {
      gitlabCi: (document) => {
        const before = document.train.script as string[];
        document.train.script = before.filter((line) => !INSTALL.test(line));
        expect(document.train.script.length).toBe(before.length - 1);
      },
    });
    const run = await example.run({ kind: 'pull-request' }, { label: 'pr', record: false });
    expect(run.jobs, describeRun(run)).toMatchObject({ 'check-unit': 'pass', 'data-schema': 'pass', train: 'fail' });
    expect(run.log).toMatch(/train\s+> ModuleNotFoundError: No module named '(joblib|pandas|numpy|sklearn)'/);
    expect(run.jobs.evaluate).toBeUndefined();
    expect(run.code).not.toBe(0);
  });

  it('house-prices without train\'s artifacts: train passes, evaluate (which needs metrics.json) fails', async () => {
    const example = GitLabExample.create('house-prices', {
      gitlabCi: (document) => {
        expect(document.train.artifacts).toBeDefined();
        delete document.train.artifacts;
      },
    });
    const run = await example.run({ kind: 'pull-request' }, { label: 'pr', record: false });
    expect(run.jobs, describeRun(run)).toMatchObject({ train: 'pass', evaluate: 'fail' });
    expect(run.log).toMatch(/evaluate\s+> .*metrics\.json/);
    expect(run.code).not.toBe(0);
  });

  // gitlab-ci-local differs from GitLab: the jobs after a failed need stay pending instead of
  // skipped, so the .post notify job (when: on_failure) never starts; GitLab runs it. (When
  // nothing is left pending, as after a failed predict, gitlab-ci-local does run notify.)
  it('churn-propensity drift retrain with an impossible gate: evaluate fails naming the metric; package, staging and production never run (gitlab-ci-local: notify never starts, GitLab would run it)', async () => {
    const example = GitLabExample.create('churn-propensity', {
      manifest: (text) => {
        const strict = text.replace('{ metric: auc, min: 0.78 }', '{ metric: auc, min: 0.9999 }');
        expect(strict).not.toBe(text);
        return strict;
      },
    });
    const run = await example.run({ kind: 'external', event: 'drift-detected' }, { label: 'event:drift', manual: ['production'], record: false });
    expect(run.jobs, describeRun(run)).toMatchObject({ train: 'pass', evaluate: 'fail' });
    expect(run.jobs.notify).toBeUndefined();
    expect(run.log).toMatch(/evaluate\s+> auc\s+0\.\d+\s+>= 0\.9999\s+FAIL/i);
    for (const job of ['package', 'staging', 'production']) expect(run.jobs[job]).toBeUndefined();
    expect(run.code).not.toBe(0);
  });

  // The last phase's analysis fails: gitlab-ci-local leaves the jobs after a failed need pending
  // instead of skipped, so after a first-phase failure the rollback (which needs every phase)
  // never starts there; GitLab runs it, since a failed need makes an on_failure job run.
  it.runIf(fullMatrix())('fraud-canary with an impossible last canary analysis: canary-50-analysis fails, canary-rollback runs kubectl abort and undo, production never starts (MLGEN_MATRIX=full)', async () => {
    // The DVC remote .dvc/config names, filled by the repository's setup script.
    fillDvcRemote('fraud-canary');
    const example = GitLabExample.create('fraud-canary', {
      manifest: (text) => {
        const strict = text.replace('--window 20m\n', '--window 20m $([ "$MLGEN_CANARY_PERCENT" = 50 ] && echo --p95-ms 0)\n');
        expect(strict).not.toBe(text);
        return strict;
      },
    });
    const run = await example.run({ kind: 'push', branch: 'main' }, { label: 'push:release', manual: ['production'], record: false });
    expect(run.jobs, describeRun(run)).toMatchObject({ staging: 'pass', 'canary-5-analysis': 'pass', 'canary-25-analysis': 'pass', 'canary-50-analysis': 'fail', 'canary-rollback': 'pass' });
    expect(run.jobs.production).toBeUndefined();
    const rollback = run.calls.filter((c) => c.env.CI_JOB_NAME === 'canary-rollback').map((c) => c.argv.slice(-2));
    expect(rollback).toEqual([
      ['abort', 'scorer'],
      ['undo', 'scorer'],
    ]);
    expect(run.log).toMatch(/canary-50-analysis\s+> canary analysis: failed: roll back/);
    expect(run.code).not.toBe(0);
  });
});
