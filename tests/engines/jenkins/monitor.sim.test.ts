/**
 * The monitor pipeline's Jenkinsfile (jenkins/monitor.Jenkinsfile, the monitor schedule's job)
 * run under the executing stub-DSL Jenkins simulator (harness-jenkins-sim.ts), on the fixture
 * tests/fixtures/monitor-drift: every sh runs for real in a fresh workspace per stage, so the
 * drift check writes its report, the verdict step reads it with `sh(returnStdout: true)`, and
 * the retrain chain's `when { expression }` reads env.MLGEN_DRIFT that the monitor stage set.
 * monitoring/state (one branch per state) chooses what the check reports: stable (only the
 * monitor runs), drift (the retrain chain runs in mode drift, through staging) and malformed
 * (the monitor fails, nothing after it runs, notify runs in post). MLGEN_MATRIX=full adds a
 * missing report, a manual build that chooses the monitor pipeline from the main Jenkinsfile,
 * and a manual retrain that shows the chain's stages keep the run's own variables without drift.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectJobs, type PlanEvent } from '../../../src/plan/index.js';
import { removeTemporaryDirectoriesAfterAll, SLOW } from '../../support/example-project.js';
import { describeOutcome, type SimOutcome, type SimResult } from '../../support/harness-jenkins-sim.js';
import { planJobsOf } from '../../support/harness-jenkins.js';
import { buildFor, type Built, FULL, fixtureSimProject, runBuilds } from './sim-project.js';

removeTemporaryDirectoriesAfterAll();

const STATES = ['stable', 'drift', 'malformed', 'missing'] as const;
const CHAIN = ['data-schema', 'train', 'evaluate', 'package', 'staging'];
const SCHEDULE: PlanEvent = { kind: 'schedule', schedule: 'monitor' };

let project: ReturnType<typeof fixtureSimProject>;
const builds: Built[] = [];
const results = new Map<string, SimResult>();

const outcome = (id: string): SimOutcome => {
  const found = results.get(id);
  if (!found?.outcome) throw new Error(`${id}: ${found?.error ?? 'did not run'}`);
  return found.outcome;
};

/** The fixture's `monitor-drift: <job> ...` lines each stage printed, by stage. */
const recorded = (o: SimOutcome, stage: string): string[] =>
  o.executed.filter((e) => e.where === stage).flatMap((e) => (e.output ?? '').split('\n').filter((line) => line.startsWith('monitor-drift: ')));

beforeAll(async () => {
  project = fixtureSimProject(
    'monitor-drift',
    Object.fromEntries(STATES.map((state) => [state, (dir: string) => writeFileSync(join(dir, 'monitoring/state'), `${state}\n`)])),
  );
  const at = (state: string) => ({ commit: project.commitOf(state) });
  builds.push(
    buildFor(project, SCHEDULE, 'schedule:stable', at('stable')),
    buildFor(project, SCHEDULE, 'schedule:drift', at('drift')),
    buildFor(project, SCHEDULE, 'schedule:malformed', at('malformed')),
  );
  if (FULL) {
    builds.push(
      buildFor(project, SCHEDULE, 'schedule:missing', at('missing')),
      buildFor(project, { kind: 'manual', pipeline: 'monitor', mode: 'full' }, 'manual:monitor-drift', at('drift')),
      buildFor(project, { kind: 'manual', pipeline: 'retrain', mode: 'incremental' }, 'manual:retrain-incremental', at('drift')),
    );
  }
  for (const [id, result] of await runBuilds(project, builds)) results.set(id, result);
}, SLOW);

describe('Jenkins monitor pipeline under the stub-DSL simulator (monitor-drift fixture, real sh)', () => {
  it('the monitor schedule job starts the monitor pipeline: its cron, PIPELINE defaulting to monitor', () => {
    const file = builds.find((b) => b.pipeline === 'schedule:stable')!.scenario.jenkinsfile;
    expect(file.endsWith('jenkins/monitor.Jenkinsfile')).toBe(true);
    const o = outcome('schedule:stable');
    // The timer's build has no parameters: the file's defaults chose the pipeline.
    const monitorSh = o.executed.find((e) => e.where === 'monitor' && e.label === 'Check drift');
    expect(monitorSh?.env?.MLGEN_PIPELINE, describeOutcome(o)).toBe('monitor');
  });

  it('stable: only the monitor stage runs, the retrain chain is skipped by its when, the build succeeds', () => {
    const o = outcome('schedule:stable');
    expect(planJobsOf(o.ran, project.plan), describeOutcome(o)).toEqual(['monitor']);
    expect(planJobsOf(o.ran, project.plan)).toEqual(selectJobs(project.plan, SCHEDULE, true, false));
    for (const stage of [...CHAIN, 'deploy-queue', 'deploy-chain']) expect(o.ran).not.toContain(stage);
    // Skipped before its options: the lock was never taken.
    expect(o.locks).toEqual([]);
    expect(o.results.monitor).toBe('SUCCESS');
    expect(o.build).toBe('SUCCESS');
    expect(o.posts).toEqual([]);
    const verdict = o.executed.find((e) => e.where === 'monitor' && e.label === 'Read the drift report');
    expect(verdict?.status).toBe(0);
  });

  it('drift: data-schema, train, evaluate, package and staging run in mode drift after the monitor, which saw MLGEN_PIPELINE=monitor', () => {
    const o = outcome('schedule:drift');
    expect(planJobsOf(o.ran, project.plan), describeOutcome(o)).toEqual(['monitor', ...CHAIN]);
    expect(planJobsOf(o.ran, project.plan)).toEqual(selectJobs(project.plan, SCHEDULE, true, true));
    for (const id of ['monitor', ...CHAIN]) expect(o.results[id], `${id}\n${describeOutcome(o)}`).toBe('SUCCESS');
    expect(o.build).toBe('SUCCESS');
    expect(recorded(o, 'monitor')).toContain('monitor-drift: monitor MLGEN_PIPELINE=monitor MLGEN_TRAIN_MODE=full');
    // What the fixture's commands printed (evaluate runs mlgen's gate, which prints no such line)...
    for (const job of CHAIN.filter((j) => j !== 'evaluate')) expect(recorded(o, job), `${job}\n${describeOutcome(o)}`).toEqual([`monitor-drift: ${job} MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift`]);
    expect(recorded(o, 'train')).toEqual(['monitor-drift: train MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift']);
    // ...and what every sh process of the chain had in its environment.
    for (const job of CHAIN) {
      const shs = o.executed.filter((e) => e.where === job && e.script !== undefined);
      expect(shs.length, job).toBeGreaterThan(0);
      for (const e of shs) expect({ job, label: e.label, pipeline: e.env?.MLGEN_PIPELINE, mode: e.env?.MLGEN_TRAIN_MODE }).toEqual({ job, label: e.label, pipeline: 'retrain', mode: 'drift' });
    }
  });

  it('drift: the deploy lock, the milestones and the model stash work as in a drift retrain; no notify', () => {
    const o = outcome('schedule:drift');
    expect(o.locks).toEqual([{ resource: 'monitor-drift-deploy', stage: 'deploy-chain', inversePrecedence: true }]);
    expect(o.milestones.map((m) => m.ordinal)).toEqual([1, 2]);
    expect(o.stashes.find((s) => s.name === 'train')?.files).toEqual(['metrics.json', 'model/model.json']);
    expect(o.unstashes.filter((u) => u.name === 'train').map((u) => u.stage)).toEqual(['evaluate', 'package', 'staging']);
    expect(o.posts).not.toContain('pipeline:unsuccessful');
  });

  it('drift: evaluate\'s post publishes the gate\'s HTML page (overrides.jenkins.plugins: htmlpublisher) with its verdict; stable publishes nothing', () => {
    const o = outcome('schedule:drift');
    expect(o.published, describeOutcome(o)).toEqual([{ where: 'evaluate post always', name: 'mlgen gate', pages: ['gate-report.html'] }]);
    const page = readFileSync(join(o.workspaces.find((w) => w.stage === 'evaluate')!.dir, '.mlgen/reports/gate-report.html'), 'utf8');
    expect(page).toContain('mlgen gate: passed');
    expect(page).toMatch(/<td>r2<\/td>/);
    expect(outcome('schedule:stable').published).toEqual([]);
  });

  it('drift: the stages\' venvs were replayed from the first real one (a simulator shortcut) and each points at its own workspace', () => {
    const o = outcome('schedule:drift');
    for (const job of CHAIN) {
      const venv = o.executed.find((e) => e.where === job && e.label === 'Create the virtualenv');
      expect(venv?.replayed, job).toBe(true);
      const dir = o.workspaces.find((w) => w.stage === job)!.dir;
      expect(existsSync(join(dir, '.venv/bin/python3')), job).toBe(true);
      const own = [join(dir, '.venv/pyvenv.cfg'), ...readdirSync(join(dir, '.venv/bin')).map((f) => join(dir, '.venv/bin', f))].filter((f) => /activate$|pyvenv\.cfg$/.test(f));
      expect(own.length, job).toBeGreaterThan(0);
      for (const f of own) expect(readFileSync(f, 'utf8').includes('/workspace/monitor/'), f).toBe(false);
      expect(readFileSync(join(dir, '.venv/bin/activate'), 'utf8')).toContain(join(dir, '.venv'));
    }
  });

  it('malformed: the verdict step fails the monitor stage, the chain does not run, notify runs in post', () => {
    const o = outcome('schedule:malformed');
    expect(o.results.monitor, describeOutcome(o)).toBe('FAILURE');
    expect(o.errors.monitor).toContain('script returned exit code 1 (Read the drift report)');
    const verdict = o.executed.find((e) => e.where === 'monitor' && e.label === 'Read the drift report');
    expect(verdict?.output).toContain('mlgen: the drift report drift.json is not JSON');
    expect(planJobsOf(o.ran, project.plan)).toEqual(['monitor']);
    for (const stage of [...CHAIN, 'deploy-queue', 'deploy-chain']) expect(o.ran).not.toContain(stage);
    expect(o.build).toBe('FAILURE');
    expect(o.posts).toEqual(['pipeline:unsuccessful']);
    const notify = o.executed.find((e) => e.where === 'pipeline post unsuccessful' && e.label === 'Notify');
    expect(notify?.status, describeOutcome(o)).toBe(0);
    expect(notify?.output).toContain('monitor-drift: notify MLGEN_PIPELINE=monitor');
  });

  it.runIf(FULL)('missing: no report fails the monitor stage and notifies', () => {
    const o = outcome('schedule:missing');
    expect(o.results.monitor, describeOutcome(o)).toBe('FAILURE');
    expect(o.executed.find((e) => e.label === 'Read the drift report')?.output).toContain('mlgen: the monitor wrote no drift report at drift.json');
    expect(planJobsOf(o.ran, project.plan)).toEqual(['monitor']);
    expect(o.posts).toEqual(['pipeline:unsuccessful']);
  });

  it.runIf(FULL)('a manual build of the main Jenkinsfile chooses the monitor pipeline and follows its drift verdict', () => {
    const o = outcome('manual:monitor-drift');
    expect(planJobsOf(o.ran, project.plan), describeOutcome(o)).toEqual(['monitor', ...CHAIN]);
    expect(o.build).toBe('SUCCESS');
    expect(recorded(o, 'monitor')).toContain('monitor-drift: monitor MLGEN_PIPELINE=monitor MLGEN_TRAIN_MODE=full');
    expect(recorded(o, 'train')).toEqual(['monitor-drift: train MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift']);
  });

  it.runIf(FULL)('a manual retrain (no monitor in the build) keeps its own pipeline and mode in the chain stages', () => {
    const o = outcome('manual:retrain-incremental');
    expect(planJobsOf(o.ran, project.plan), describeOutcome(o)).toEqual(selectJobs(project.plan, { kind: 'manual', pipeline: 'retrain', mode: 'incremental' }, true));
    expect(o.ran).not.toContain('monitor');
    expect(recorded(o, 'train')).toEqual(['monitor-drift: train MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=incremental']);
  });
});
