import { describe, expect, it } from 'vitest';
import { PartialSyncError } from '../../src/sync/changes.js';
import { SyncError } from '../../src/sync/errors.js';
import { syncGitLab, TRIGGER_TOKEN_VARIABLE, type GitLabSyncOptions } from '../../src/sync/gitlab/index.js';
import { closedPort, logLines, planOf, syncFixture } from './support/common.js';
import { fixtureText, generateFor } from '../support/harness.js';
import { ME, SOMEONE_ELSE, gitLabStandIns, type GitLabStandIn, type StandInSchedule } from './support/gitlab-standin.js';

const CI = syncFixture('.gitlab-ci.yml');
const PLAN = planOf('spec-complete');

const FOREIGN_SCHEDULE: Omit<StandInSchedule, 'id'> = {
  description: 'Nightly backup',
  ref: 'refs/heads/main',
  cron: '0 2 * * *',
  cron_timezone: 'Europe/Berlin',
  active: true,
  owner: SOMEONE_ELSE,
  variables: [{ key: 'BACKUP', value: 'yes', variable_type: 'env_var' }],
};

const standIn = gitLabStandIns();

function optionsFor(gitlab: GitLabStandIn, overrides: Partial<GitLabSyncOptions> = {}): GitLabSyncOptions {
  return {
    url: gitlab.url,
    project: 'acme/house-prices',
    token: gitlab.token,
    dryRun: false,
    showToken: false,
    timeoutSeconds: 5,
    plan: PLAN,
    files: [CI],
    log: () => {},
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

describe('sync gitlab against a loopback GitLab API stand-in', () => {
  it('lints the CI file, creates one mlgen: schedule per scheduled pipeline and a drift trigger, leaves the foreign schedule alone, and a second run writes nothing', async () => {
    const gitlab = await standIn({
      schedules: [FOREIGN_SCHEDULE],
      triggers: [{ description: 'deploy hook', token: 'abcd1234deadbeef', owner: SOMEONE_ELSE }],
    });
    const foreignBefore = structuredClone([...gitlab.schedules.values()]);
    const foreignTriggerBefore = structuredClone([...gitlab.triggers.values()]);
    const first = logLines();
    const result = await syncGitLab(optionsFor(gitlab, { log: first.log }));

    expect(gitlab.linted).toEqual([CI.content]);
    const mine = gitlab.mlgenSchedules().map(({ id: _id, owner: _owner, ...rest }) => rest);
    expect(mine).toEqual(
      PLAN.schedules.map((s) => ({
        description: `mlgen: ${s.id}`,
        ref: 'refs/heads/main',
        cron: s.cron,
        cron_timezone: 'UTC',
        active: true,
        variables: [
          { key: 'MLGEN_PIPELINE', value: s.pipeline, variable_type: 'env_var' },
          { key: 'MLGEN_TRAIN_MODE', value: s.mode, variable_type: 'env_var' },
        ],
      })),
    );
    expect(mine.map((s) => s.description)).toEqual(['mlgen: predict', 'mlgen: retrain-incremental', 'mlgen: retrain-full']);
    expect([...gitlab.triggers.values()].map((t) => t.description)).toEqual(['deploy hook', 'mlgen: drift-detected']);

    const foreignId = foreignBefore[0]!.id;
    expect(gitlab.schedules.get(foreignId)).toEqual(foreignBefore[0]);
    expect([...gitlab.triggers.values()][0]).toEqual(foreignTriggerBefore[0]);
    expect(gitlab.requests.filter((r) => r.path.includes(`/pipeline_schedules/${foreignId}`))).toEqual([]);
    expect(result.leftAlone).toEqual({ schedules: ['Nightly backup'], triggers: ['deploy hook'] });

    const writesAfterFirst = gitlab.writes().length;
    expect(writesAfterFirst).toBe(3 * 3 + 1);
    const second = logLines();
    const again = await syncGitLab(optionsFor(gitlab, { log: second.log }));
    expect(gitlab.writes()).toHaveLength(writesAfterFirst);
    expect(again.changes).toEqual([]);
    expect(second.lines).toContain('= schedule "mlgen: predict" is up to date');
    expect(gitlab.linted).toEqual([CI.content, CI.content]);

    expect(gitlab.requests.length).toBeGreaterThan(20);
    for (const request of gitlab.requests) expect(request.headers['private-token']).toBe(gitlab.token);
    for (const line of [...first.lines, ...second.lines]) expect(line).not.toContain(gitlab.token);
  });

  it('syncs the monitor schedule with MLGEN_PIPELINE=monitor (what selects the monitor job and its child pipeline trigger)', async () => {
    const plan = planOf('../monitor-drift/mlgen');
    const files = generateFor(fixtureText('../monitor-drift/mlgen'), 'gitlab').files.filter((f) => f.path === '.gitlab-ci.yml');
    const gitlab = await standIn();
    await syncGitLab(optionsFor(gitlab, { plan, files }));
    const monitor = gitlab.mlgenSchedules().find((s) => s.description === 'mlgen: monitor');
    expect(monitor).toMatchObject({
      cron: '0 * * * *',
      ref: 'refs/heads/main',
      variables: [
        { key: 'MLGEN_PIPELINE', value: 'monitor', variable_type: 'env_var' },
        { key: 'MLGEN_TRAIN_MODE', value: 'full', variable_type: 'env_var' },
      ],
    });
    expect(gitlab.linted).toEqual([files[0]!.content]);
  });

  it('prints the request that fires the drift trigger, token redacted unless --show-token', async () => {
    const gitlab = await standIn();
    const quiet = logLines();
    const redacted = await syncGitLab(optionsFor(gitlab, { log: quiet.log }));
    const token = [...gitlab.triggers.values()][0]!.token;
    const command = redacted.triggers[0]!.command;
    expect(command).toBe(
      `curl --request POST --form "token=$${TRIGGER_TOKEN_VARIABLE}" --form ref=main --form 'variables[MLGEN_PIPELINE]=retrain' --form 'variables[MLGEN_TRAIN_MODE]=drift' --form 'variables[MLGEN_EVENT]=drift-detected' ${gitlab.url}/api/v4/projects/42/trigger/pipeline`,
    );
    expect(quiet.lines.join('\n')).not.toContain(token);
    expect(quiet.lines).toContain(`  ${command}`);

    const shown = await syncGitLab(optionsFor(gitlab, { showToken: true }));
    expect(shown.triggers[0]!.command).toContain(`--form token=${token} --form ref=main`);
  });

  it('never prints a token it cannot know: a trigger made by someone else shows only 4 characters', async () => {
    const gitlab = await standIn({ triggers: [{ description: 'mlgen: drift-detected', token: 'glptt-0123456789abcdef', owner: SOMEONE_ELSE }] });
    const { lines, log } = logLines();
    const result = await syncGitLab(optionsFor(gitlab, { showToken: true, log }));
    expect(result.triggers[0]!.command).toContain(`"token=$${TRIGGER_TOKEN_VARIABLE}"`);
    expect(lines.join('\n')).toMatch(/only the first characters/);
    expect(gitlab.writes().filter((w) => w.path.includes('/triggers'))).toEqual([]);
  });

  it('updates its own schedules, deletes stale and duplicate ones, keeps hand-added variables, and touches nothing else', async () => {
    const own = (description: string, cron: string, variables: StandInSchedule['variables']): Omit<StandInSchedule, 'id'> => ({
      description,
      ref: 'main',
      cron,
      cron_timezone: 'UTC',
      active: true,
      owner: ME,
      variables,
    });
    const gitlab = await standIn({
      schedules: [
        FOREIGN_SCHEDULE,
        own('mlgen: predict', '0 7 * * *', [
          { key: 'MLGEN_PIPELINE', value: 'predict', variable_type: 'env_var' },
          { key: 'MLGEN_MODEL_VERSION', value: 'v3', variable_type: 'env_var' },
        ]),
        own('mlgen: predict', '0 6 * * *', []),
        own('mlgen: retrain-weekly', '0 1 * * 1', []),
      ],
      triggers: [{ description: 'mlgen: model-stale', token: 'glptt-ffff0000ffff0000', owner: ME }],
    });
    const foreign = structuredClone([...gitlab.schedules.values()][0]!);
    const { lines, log } = logLines();
    const result = await syncGitLab(optionsFor(gitlab, { log }));

    const predict = gitlab.mlgenSchedules().filter((s) => s.description === 'mlgen: predict');
    expect(predict).toHaveLength(1);
    expect(predict[0]!.cron).toBe('0 6 * * *');
    expect(predict[0]!.variables).toEqual([
      { key: 'MLGEN_PIPELINE', value: 'predict', variable_type: 'env_var' },
      { key: 'MLGEN_MODEL_VERSION', value: 'v3', variable_type: 'env_var' },
      { key: 'MLGEN_TRAIN_MODE', value: 'full', variable_type: 'env_var' },
    ]);
    expect(gitlab.mlgenSchedules().map((s) => s.description).sort()).toEqual(['mlgen: predict', 'mlgen: retrain-full', 'mlgen: retrain-incremental']);
    expect([...gitlab.triggers.values()].map((t) => t.description)).toEqual(['mlgen: drift-detected']);
    expect(gitlab.schedules.get(foreign.id)).toEqual(foreign);
    expect(result.changes.map((c) => `${c.action} ${c.subject}`)).toEqual([
      'update schedule "mlgen: predict"',
      'create schedule "mlgen: retrain-incremental"',
      'create schedule "mlgen: retrain-full"',
      'create trigger "mlgen: drift-detected"',
      expect.stringMatching(/^delete schedule "mlgen: predict" \(#\d+\)$/),
      expect.stringMatching(/^delete schedule "mlgen: retrain-weekly" \(#\d+\)$/),
      expect.stringMatching(/^delete trigger "mlgen: model-stale" \(#\d+\)$/),
    ]);
    expect(lines).toContain('~ updated schedule "mlgen: predict": cron "0 7 * * *" -> "0 6 * * *", add MLGEN_TRAIN_MODE=full');
  });

  it('--dry-run prints every change it would make and makes none', async () => {
    const gitlab = await standIn({ schedules: [FOREIGN_SCHEDULE] });
    const { lines, log } = logLines();
    const result = await syncGitLab(optionsFor(gitlab, { dryRun: true, log }));
    expect(gitlab.writes()).toEqual([]);
    expect(gitlab.linted).toEqual([CI.content]);
    expect(result.changes.map((c) => c.status)).toEqual(['would do', 'would do', 'would do', 'would do']);
    expect(lines).toEqual(
      expect.arrayContaining([
        '+ would create schedule "mlgen: predict": cron "0 6 * * *" UTC, ref main, MLGEN_PIPELINE=predict, MLGEN_TRAIN_MODE=full',
        '+ would create schedule "mlgen: retrain-incremental": cron "0 3 1 * *" UTC, ref main, MLGEN_PIPELINE=retrain, MLGEN_TRAIN_MODE=incremental',
        '+ would create schedule "mlgen: retrain-full": cron "0 4 1 */3 *" UTC, ref main, MLGEN_PIPELINE=retrain, MLGEN_TRAIN_MODE=full',
        '+ would create trigger "mlgen: drift-detected": starts retrain in mode drift',
      ]),
    );
  });

  it('finds its schedules on later pages of the list', async () => {
    const foreign = (n: number) => ({ ...FOREIGN_SCHEDULE, description: `backup ${n}` });
    const gitlab = await standIn({ schedules: [foreign(1), foreign(2), foreign(3)], maxPerPage: 2 });
    await syncGitLab(optionsFor(gitlab));
    const writes = gitlab.writes().length;
    await syncGitLab(optionsFor(gitlab));
    expect(gitlab.writes()).toHaveLength(writes);
    expect(gitlab.requests.some((r) => r.query.get('page') === '2')).toBe(true);
  });

  it('shows the lint errors and changes nothing when GitLab rejects the CI file', async () => {
    const gitlab = await standIn();
    gitlab.lint = () => ({ valid: false, errors: ['jobs:train config contains unknown keys: scrip'], warnings: [] });
    const { lines, log } = logLines();
    const error = await failure(syncGitLab(optionsFor(gitlab, { log })));
    expect(error.message).toBe('GitLab CI Lint rejects the generated .gitlab-ci.yml: jobs:train config contains unknown keys: scrip');
    expect(lines).toContain('  error: jobs:train config contains unknown keys: scrip');
    expect(gitlab.writes()).toEqual([]);
  });

  it('says so and sends nothing when no .gitlab-ci.yml was generated', async () => {
    const gitlab = await standIn();
    const error = await failure(syncGitLab(optionsFor(gitlab, { files: [] })));
    expect(error.message).toMatch(/^mlgen generated no \.gitlab-ci\.yml for this manifest/);
    expect(gitlab.requests).toEqual([]);
  });
});

describe('sync gitlab failures against a loopback GitLab API stand-in', () => {
  const oneLine = (error: SyncError, token: string) => {
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain(token);
    expect(error.message).not.toMatch(/\bat .+:\d+:\d+/);
    expect(error.exitCode).toBe(1);
  };

  it('401: a bad token', async () => {
    const gitlab = await standIn();
    const error = await failure(syncGitLab(optionsFor(gitlab, { token: 'glpat-wrong' })));
    expect(error.message).toBe('GitLab rejected the credentials (401 Unauthorized) while reading project acme/house-prices: check GITLAB_TOKEN: it must be a valid access token with the api scope');
    oneLine(error, 'glpat-wrong');
  });

  it('404: an unknown project', async () => {
    const gitlab = await standIn();
    const error = await failure(syncGitLab(optionsFor(gitlab, { project: 'acme/nope' })));
    expect(error.message).toMatch(/^GitLab answered 404 Not Found while reading project acme\/nope: check --project/);
    oneLine(error, gitlab.token);
  });

  it('500 after some changes: says what it did and what it did not', async () => {
    const gitlab = await standIn();
    let creates = 0;
    gitlab.intercept = (r) => (r.method === 'POST' && r.path.endsWith('/pipeline_schedules') && ++creates === 2 ? { status: 500, body: { message: '500 Internal Server Error' } } : undefined);
    const error = await failure(syncGitLab(optionsFor(gitlab)));
    expect(error).toBeInstanceOf(PartialSyncError);
    expect(error.message).toBe('GitLab failed (500 Internal Server Error) while creating schedule "mlgen: retrain-incremental": a server problem; try again later');
    oneLine(error, gitlab.token);
    expect((error as PartialSyncError).report()).toEqual([
      'Done before the failure: create schedule "mlgen: predict"',
      'Not done: create schedule "mlgen: retrain-incremental"; create schedule "mlgen: retrain-full"; create trigger "mlgen: drift-detected"',
      'Run the same command again once the cause is fixed: it picks up where this run stopped.',
    ]);
    expect(gitlab.mlgenSchedules().map((s) => s.description)).toEqual(['mlgen: predict']);
  });

  it('timeout: a server that never answers, with a short --timeout', async () => {
    const gitlab = await standIn();
    gitlab.intercept = () => 'hang';
    const error = await failure(syncGitLab(optionsFor(gitlab, { timeoutSeconds: 0.3 })));
    expect(error.message).toBe(`GitLab did not answer within 0.3s while reading project acme/house-prices (${gitlab.url}): check --url and the network, or allow more time with --timeout`);
    oneLine(error, gitlab.token);
  });

  it('connection refused on a closed port', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const error = await failure(syncGitLab({ ...optionsFor({ url, token: 'glpat-x' } as GitLabStandIn) }));
    expect(error.message).toBe(`cannot reach GitLab at ${url} while reading project acme/house-prices: connection refused; check --url`);
    oneLine(error, 'glpat-x');
  });

  it('an answer that is not what the API documents (HTML sent as JSON by a proxy)', async () => {
    const gitlab = await standIn();
    gitlab.intercept = () => ({ status: 200, body: '<html>Sign in</html>' });
    const error = await failure(syncGitLab(optionsFor(gitlab)));
    expect(error.message).toMatch(/^GitLab gave an answer mlgen could not read while reading project acme\/house-prices: .*JSON.*; check --url$/);
    oneLine(error, gitlab.token);
  });

  it('403 on a schedule owned by someone else: the partial report names it', async () => {
    const gitlab = await standIn({
      schedules: [{ ...FOREIGN_SCHEDULE, description: 'mlgen: predict', cron: '0 9 * * *', cron_timezone: 'UTC', variables: [] }],
    });
    const error = await failure(syncGitLab(optionsFor(gitlab)));
    expect(error.message).toMatch(/^GitLab refused \(403 Forbidden\) updating schedule "mlgen: predict": .*taken over first\)$/);
    expect((error as PartialSyncError).report().slice(0, 2)).toEqual([
      'Nothing was changed.',
      'Not done: update schedule "mlgen: predict"; create schedule "mlgen: retrain-incremental"; create schedule "mlgen: retrain-full"; create trigger "mlgen: drift-detected"',
    ]);
  });
});
