/**
 * The harness's gitlab-ci-local runner at its timeout: the run says it timed out (code 124, no
 * summary, so no job reads as run or passed), and the job it was running dies with it instead
 * of living on as an orphan beside the next run (what killing gitlab-ci-local alone left).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobResults } from '../../support/gitlab-example-run.js';
import { commitAsOrigin, gitlabCiLocal, removeTemporaryDirectories, temporaryDirectory } from '../../support/harness-gitlab.js';

afterAll(removeTemporaryDirectories);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('gitlabCiLocal at its timeout', () => {
  it('kills gitlab-ci-local and its running job, reports timedOut and no job results', async () => {
    const dir = temporaryDirectory('mlgen-gitlab-timeout-');
    const pidFile = join(dir, 'job.pid');
    writeFileSync(join(dir, '.gitlab-ci.yml'), `slow:\n  script:\n    - echo $$ > ${pidFile}\n    - sleep 120\n`);
    await commitAsOrigin(dir, 'main');
    const started = Date.now();
    const result = await gitlabCiLocal(dir, ['--force-shell-executor', '--shell-isolation'], 15_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.timedOut).toBe(true);
    expect(result.code).toBe(124);
    expect(jobResults(result.stdout + result.stderr)).toEqual({});
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alive(pid)).toBe(false);
  }, 120_000);

  it('a run that finishes is not timed out', async () => {
    const dir = temporaryDirectory('mlgen-gitlab-timeout-');
    writeFileSync(join(dir, '.gitlab-ci.yml'), 'quick:\n  script:\n    - echo done\n');
    await commitAsOrigin(dir, 'main');
    const result = await gitlabCiLocal(dir, ['--force-shell-executor', '--shell-isolation'], 120_000);
    expect(result.timedOut).toBe(false);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(jobResults(result.stdout)).toEqual({ quick: 'pass' });
  }, 180_000);
});
