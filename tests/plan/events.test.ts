/**
 * runFor / selectJobs against each row of the spec's "What runs when" table, on the spec's
 * complete example and on inline manifests that drop sections.
 */
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/index.js';
import { compilePlan, eventsOf, formatEvent, parseEvent, runFor, selectJobs, UnknownEventError, type Plan, type PlanEvent } from '../../src/plan/index.js';
import { fixtureText } from '../support/harness.js';

function planOf(source: string): Plan {
  const loaded = loadManifest(source);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return compilePlan(loaded.manifest);
}

const spec = planOf(fixtureText('spec-complete'));
const CHECKS = ['check-unit', 'check-lint'];
const DATA = ['data-schema', 'data-ranges'];
const DEPLOYS = ['staging', 'canary', 'production'];
const pr: PlanEvent = { kind: 'pull-request' };
const pushOther: PlanEvent = { kind: 'push', branch: 'feature/x' };
const pushRelease: PlanEvent = { kind: 'push', branch: 'main' };

describe('what runs when, on the spec example', () => {
  it.each([
    ['a pull request', pr],
    ['a push to another branch', pushOther],
  ])('%s: checks and data tests; train and evaluate when train.paths changed; never package or deploys', (_, event) => {
    expect(selectJobs(spec, event, true)).toEqual([...CHECKS, ...DATA, 'train', 'evaluate']);
    expect(selectJobs(spec, event, false)).toEqual([...CHECKS, ...DATA]);
    const run = runFor(spec, event);
    expect(run.pipeline).toBe('ci');
    expect(run.mode).toBe('full');
    expect(run.jobs.filter((j) => j.ifPathsChanged).map((j) => j.id)).toEqual(['train', 'evaluate']);
  });

  it('a push to the release branch with train.paths changed: the whole chain, production after approval', () => {
    expect(selectJobs(spec, pushRelease, true)).toEqual([...CHECKS, ...DATA, 'train', 'evaluate', 'package', ...DEPLOYS]);
    const run = runFor(spec, pushRelease);
    expect(run.jobs.filter((j) => j.approval).map((j) => j.id)).toEqual(['production']);
    expect(run.jobs.filter((j) => j.ifPathsChanged).map((j) => j.id)).toEqual(['train', 'evaluate', 'package', ...DEPLOYS]);
  });

  it('a push to the release branch without train.paths changed: checks and data tests only', () => {
    expect(selectJobs(spec, pushRelease, false)).toEqual([...CHECKS, ...DATA]);
  });

  it('the predict schedule runs predict only', () => {
    const run = runFor(spec, { kind: 'schedule', schedule: 'predict' });
    expect([run.pipeline, run.mode]).toEqual(['predict', 'full']);
    expect(selectJobs(spec, { kind: 'schedule', schedule: 'predict' }, false)).toEqual(['predict']);
  });

  it.each([
    [{ kind: 'schedule', schedule: 'retrain-incremental' } as PlanEvent, 'incremental'],
    [{ kind: 'schedule', schedule: 'retrain-full' } as PlanEvent, 'full'],
    [{ kind: 'external', event: 'drift-detected' } as PlanEvent, 'drift'],
  ])('retrain trigger %j with deploy: true: data tests, train in its mode, package and every deploy', (event, mode) => {
    const run = runFor(spec, event);
    expect([run.pipeline, run.mode]).toEqual(['retrain', mode]);
    // Schedules and events have no change set: training always runs.
    expect(selectJobs(spec, event, false)).toEqual([...DATA, 'train', 'evaluate', 'package', ...DEPLOYS]);
    expect(run.jobs.find((j) => j.id === 'production')!.approval).toBe(true);
  });

  it('retrain triggers with deploy: false stop after package', () => {
    const plan = planOf(fixtureText('spec-complete').replace('deploy: true ', 'deploy: false'));
    expect(plan.retrainDeploys).toBe(false);
    for (const event of [{ kind: 'schedule', schedule: 'retrain-full' }, { kind: 'external', event: 'drift-detected' }] as PlanEvent[]) {
      expect(selectJobs(plan, event, false)).toEqual([...DATA, 'train', 'evaluate', 'package']);
    }
    expect(selectJobs(plan, pushRelease, true)).toContain('production');
  });

  it('a manual ci run is a release-branch run with training, whatever changed', () => {
    const event: PlanEvent = { kind: 'manual', pipeline: 'ci', mode: 'full' };
    expect(selectJobs(spec, event, false)).toEqual([...CHECKS, ...DATA, 'train', 'evaluate', 'package', ...DEPLOYS]);
  });

  it('a manual predict run runs predict; a manual retrain runs in the chosen mode', () => {
    expect(selectJobs(spec, { kind: 'manual', pipeline: 'predict', mode: 'full' }, false)).toEqual(['predict']);
    for (const mode of ['full', 'incremental', 'drift'] as const) {
      const run = runFor(spec, { kind: 'manual', pipeline: 'retrain', mode });
      expect([run.pipeline, run.mode]).toEqual(['retrain', mode]);
      expect(run.jobs.map((j) => j.id)).toEqual([...DATA, 'train', 'evaluate', 'package', ...DEPLOYS]);
    }
  });

  it('refuses events the plan does not have, listing the ones it has', () => {
    expect(() => runFor(spec, { kind: 'schedule', schedule: 'nightly' })).toThrow(UnknownEventError);
    const error = (() => {
      try {
        runFor(spec, { kind: 'external', event: 'nope' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UnknownEventError);
    expect((error as UnknownEventError).known).toEqual(['event:drift-detected']);
    const trainOnly = planOf('version: 1\nname: m\ntrain:\n  run: x\n');
    expect(() => runFor(trainOnly, { kind: 'manual', pipeline: 'predict', mode: 'full' })).toThrow(/no pipeline "predict"/);
  });
});

describe('what runs when, with sections missing', () => {
  it('train without paths runs on every push and pull request', () => {
    const plan = planOf('version: 1\nname: m\ntrain:\n  run: x\npackage:\n  image: m\n');
    expect(selectJobs(plan, pr, false)).toEqual(['train']);
    expect(selectJobs(plan, pushRelease, false)).toEqual(['train', 'package']);
    expect(runFor(plan, pushRelease).jobs.every((j) => !j.ifPathsChanged)).toBe(true);
  });

  it('without train, deploys follow the checks and run on release pushes regardless of paths', () => {
    const plan = planOf('version: 1\nname: m\nchecks: [{ name: unit, run: pytest }]\ndeploy:\n  staging: { run: ./deploy.sh }\n');
    expect(selectJobs(plan, pushRelease, false)).toEqual(['check-unit', 'staging']);
    expect(selectJobs(plan, pr, true)).toEqual(['check-unit']);
  });

  it('the no-package fixture: staging follows evaluate', () => {
    const plan = planOf(fixtureText('no-package'));
    expect(selectJobs(plan, { kind: 'push', branch: 'release' }, true)).toEqual(['check-unit', 'train', 'evaluate', 'staging', 'production']);
    expect(selectJobs(plan, { kind: 'push', branch: 'main' }, true)).toEqual(['check-unit', 'train', 'evaluate']);
  });
});

describe('eventsOf, parseEvent and formatEvent', () => {
  it('lists every event of the spec example once', () => {
    expect(eventsOf(spec).map(formatEvent)).toEqual([
      'pr',
      'push:main',
      'push:feature',
      'schedule:predict',
      'schedule:retrain-incremental',
      'schedule:retrain-full',
      'event:drift-detected',
      'manual:ci',
      'manual:predict',
      'manual:retrain:full',
      'manual:retrain:incremental',
      'manual:retrain:drift',
    ]);
  });

  it('picks another branch that is not the release branch', () => {
    const plan = planOf('version: 1\nname: m\ndefaults: { branch: feature }\ntrain: { run: x }\n');
    expect(eventsOf(plan).map(formatEvent).slice(0, 3)).toEqual(['pr', 'push:feature', 'push:feature-2']);
  });

  it('parses what it formats', () => {
    for (const event of eventsOf(spec)) expect(parseEvent(formatEvent(event), spec)).toEqual(event);
    expect(parseEvent('push', spec)).toEqual(pushRelease);
    expect(parseEvent('manual:retrain', spec)).toEqual({ kind: 'manual', pipeline: 'retrain', mode: 'full' });
  });

  it('explains events it cannot parse', () => {
    expect(parseEvent('pr:x', spec)).toBe('"pr" takes no argument');
    expect(parseEvent('schedule', spec)).toBe('name the schedule: schedule:predict, schedule:retrain-incremental, schedule:retrain-full');
    expect(parseEvent('manual:deploy', spec)).toMatch(/^manual takes a pipeline/);
    expect(parseEvent('manual:retrain:partial', spec)).toBe('the mode is one of full, incremental, drift');
    expect(parseEvent('tag', spec)).toMatch(/is not an event/);
  });
});
