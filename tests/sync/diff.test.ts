/**
 * The syncs' desired state and diff are pure: the plan and the server's answers in, changes as
 * data out. These cases need no server (the loopback servers in gitlab.test.ts and
 * jenkins.test.ts show the requests that apply them).
 */
import { describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../src/files/index.js';
import { desiredGitLab, type GitLabDesired } from '../../src/sync/gitlab/desired.js';
import { diffGitLab, type GitLabState, type ScheduleState } from '../../src/sync/gitlab/diff.js';
import { PIPELINE_JOB_CLASS, readDefinition } from '../../src/sync/jenkins/config.js';
import { desiredJenkins } from '../../src/sync/jenkins/desired.js';
import { checkJobClass, diffJob, type JobSettings } from '../../src/sync/jenkins/diff.js';
import { MULTIBRANCH_CLASS } from '../../src/sync/jenkins/multibranch.js';
import { parseXml } from '../../src/sync/xml.js';

const file = (path: string): GeneratedFile => ({ path, content: `// ${path}\n` }) as GeneratedFile;

const DESIRED: GitLabDesired = {
  ciFile: file('.gitlab-ci.yml'),
  schedules: [{ description: 'mlgen: predict', cron: '0 6 * * *', ref: 'main', variables: { MLGEN_PIPELINE: 'predict', MLGEN_SCHEDULE: 'predict' } }],
  triggers: [{ event: 'drift', mode: 'drift', description: 'mlgen: drift' }],
  deployLock: 'deploy-house-prices',
};

const upToDateSchedule = (id: number): ScheduleState => ({
  id,
  description: 'mlgen: predict',
  cron: '0 6 * * *',
  cronTimezone: 'UTC',
  ref: 'refs/heads/main',
  active: true,
  variables: [
    { key: 'MLGEN_PIPELINE', value: 'predict', variableType: 'env_var' },
    { key: 'MLGEN_SCHEDULE', value: 'predict', variableType: 'env_var' },
    { key: 'HAND_ADDED', value: 'x', variableType: 'env_var' },
  ],
});

describe('GitLab: desired state against the project', () => {
  it('an empty project: creates the schedule and the trigger; the resource group waits for the first pipeline', () => {
    const diff = diffGitLab(DESIRED, { schedules: [], triggers: [] });
    expect(diff.changes.map((c) => [c.action, c.subject, c.todo.kind])).toEqual([
      ['create', 'schedule "mlgen: predict"', 'create-schedule'],
      ['create', 'trigger "mlgen: drift"', 'create-trigger'],
    ]);
    expect(diff.changes[0]!.details).toEqual(['cron "0 6 * * *" UTC', 'ref main', 'MLGEN_PIPELINE=predict', 'MLGEN_SCHEDULE=predict']);
    expect(diff.resourceGroup?.state).toBe('not created yet');
    expect(diff.notes.at(-1)).toMatch(/^\? GitLab creates resource group deploy-house-prices with the first pipeline/);
  });

  it('all in place (a refs/heads/ ref, a hand-added variable): no change, everything up to date', () => {
    const state: GitLabState = {
      schedules: [{ id: 3, description: 'mlgen: predict', details: upToDateSchedule(3) }],
      triggers: [{ id: 9, description: 'mlgen: drift', token: 'glptt-x' }],
      resourceGroup: { process_mode: 'oldest_first' },
    };
    const diff = diffGitLab(DESIRED, state);
    expect(diff.changes).toEqual([]);
    expect(diff.upToDate).toEqual(['schedule "mlgen: predict"', 'trigger "mlgen: drift"', 'resource group "deploy-house-prices"']);
    expect(diff.existingTriggers.get('drift')?.id).toBe(9);
  });

  it('drift on the server: one update with what differs, the duplicate and the stale deleted last', () => {
    const changed = { ...upToDateSchedule(3), cron: '0 7 * * *', active: false, variables: [{ key: 'MLGEN_PIPELINE', value: 'retrain', variableType: 'env_var' }] };
    const state: GitLabState = {
      schedules: [
        { id: 3, description: 'mlgen: predict', details: changed },
        { id: 4, description: 'mlgen: predict' },
        { id: 5, description: 'mlgen: nightly' },
      ],
      triggers: [{ id: 9, description: 'mlgen: old-event', token: 't' }],
      resourceGroup: { process_mode: 'unordered' },
    };
    const diff = diffGitLab(DESIRED, state);
    expect(diff.changes.map((c) => [c.action, c.subject])).toEqual([
      ['update', 'schedule "mlgen: predict"'],
      ['create', 'trigger "mlgen: drift"'],
      ['update', 'resource group "deploy-house-prices"'],
      ['delete', 'schedule "mlgen: predict" (#4)'],
      ['delete', 'schedule "mlgen: nightly" (#5)'],
      ['delete', 'trigger "mlgen: old-event" (#9)'],
    ]);
    const update = diff.changes[0]!;
    expect(update.details).toEqual(['cron "0 7 * * *" -> "0 6 * * *"', 'inactive -> active', 'MLGEN_PIPELINE "retrain" -> "predict"', 'add MLGEN_SCHEDULE=predict']);
    expect(update.todo).toEqual({
      kind: 'update-schedule',
      id: 3,
      edit: { cron: '0 6 * * *', active: true },
      variables: [
        { key: 'MLGEN_PIPELINE', value: 'predict', exists: true },
        { key: 'MLGEN_SCHEDULE', value: 'predict', exists: false },
      ],
    });
    expect(diff.changes.slice(3).map((c) => c.details[0])).toEqual(['a duplicate', 'no longer in the manifest', 'no longer in the manifest']);
  });

  it('the desired state comes from the plan; no CI file is refused before any request', () => {
    expect(() => desiredGitLab({ schedules: [], events: [], releaseBranch: 'main' } as never, [])).toThrow(/generated no \.gitlab-ci\.yml/);
  });
});

describe('Jenkins: desired jobs against the server', () => {
  const jobs = desiredJenkins([file('Jenkinsfile'), file('jenkins/predict.Jenkinsfile'), file('README.md')], 'house-prices');
  const settings: JobSettings = { repoUrl: (current) => current ?? 'https://git.example.com/hp.git', branch: 'main' };

  it('one multibranch project for Jenkinsfile and one pipeline job per schedule', () => {
    expect(jobs.map((j) => [j.name, j.kind, j.subject])).toEqual([
      ['house-prices', 'multibranch', 'multibranch project "house-prices"'],
      ['house-prices-predict', 'pipeline', 'job "house-prices-predict"'],
    ]);
    expect(() => desiredJenkins([file('README.md')], 'x')).toThrow(/generated no Jenkinsfile/);
  });

  it('a missing job is created; the same configuration read back is up to date', () => {
    const created = diffJob(jobs[1]!, undefined, settings);
    expect(created.state).toBe('new');
    expect(created.change?.details).toEqual(['runs jenkins/predict.Jenkinsfile from https://git.example.com/hp.git branch main']);
    const configXml = created.change!.configXml;
    expect(readDefinition(parseXml(configXml)).scriptPath).toBe('jenkins/predict.Jenkinsfile');
    const again = diffJob(jobs[1]!, { class: PIPELINE_JOB_CLASS, configXml, config: parseXml(configXml) }, settings);
    expect(again).toEqual({ state: 'up to date', notes: ['= job "house-prices-predict" is up to date (runs jenkins/predict.Jenkinsfile)'] });
  });

  it('a job of another kind is refused before anything changes', () => {
    expect(() => checkJobClass(jobs[0]!, { class: PIPELINE_JOB_CLASS })).toThrow(/plain Pipeline job .* delete or rename/);
    expect(() => checkJobClass(jobs[1]!, { class: MULTIBRANCH_CLASS })).toThrow(/is not a Pipeline job/);
    expect(() => checkJobClass(jobs[0]!, { class: MULTIBRANCH_CLASS })).not.toThrow();
  });
});
