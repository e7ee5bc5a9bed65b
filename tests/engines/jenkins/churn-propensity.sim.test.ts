/**
 * churn-propensity's Jenkinsfiles (the multibranch Jenkinsfile and jenkins/<schedule>.Jenkinsfile)
 * run by the executing Jenkins simulator, in the order a team would see them, sharing one
 * MLflow file store: the release push through production (the test approves the input), then
 * the schedules (predict uses the production model the release promoted), the drift event.
 * By default the CI subset; MLGEN_MATRIX=full adds every other event.
 *
 * Status (matrix-cells, 2026-12-06): with MLGEN_MATRIX=full the whole file ran green, 12 builds
 * in one simulator process (554 s on two busy cores).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlanEvent } from '../../../src/plan/index.js';
import { removeTemporaryDirectoriesAfterAll, SLOW } from '../../support/example-project.js';
import { describeOutcome, type SimResult } from '../../support/harness-jenkins-sim.js';
import { readStandinLog } from '../standins/standins.js';
import { buildFor, type Built, expectPassingBuild, FULL, runBuilds, simProject, type SimProject } from './sim-project.js';

removeTemporaryDirectoriesAfterAll();

let project: SimProject;
const builds: Built[] = [];
const results = new Map<string, SimResult>();
const outcome = (id: string) => {
  const found = results.get(id);
  if (!found?.outcome) throw new Error(`${id}: ${found?.error ?? 'did not run'}`);
  return found.outcome;
};

const DEFAULT: [string, PlanEvent][] = [
  ['push:release', { kind: 'push', branch: 'main' }],
  ['schedule:predict', { kind: 'schedule', schedule: 'predict' }],
  ['retrain:incremental', { kind: 'schedule', schedule: 'retrain-incremental' }],
  ['event:drift', { kind: 'external', event: 'drift-detected' }],
];
const MORE: [string, PlanEvent][] = [
  ['pr', { kind: 'pull-request' }],
  ['push:other', { kind: 'push', branch: 'feature' }],
  ['retrain:full', { kind: 'schedule', schedule: 'retrain-full' }],
  ['manual:retrain:full', { kind: 'manual', pipeline: 'retrain', mode: 'full' }],
  ['manual:retrain:incremental', { kind: 'manual', pipeline: 'retrain', mode: 'incremental' }],
  ['manual:retrain:drift', { kind: 'manual', pipeline: 'retrain', mode: 'drift' }],
  ['manual:ci', { kind: 'manual', pipeline: 'ci', mode: 'full' }],
  ['manual:predict', { kind: 'manual', pipeline: 'predict', mode: 'full' }],
];
const EVENTS = [...DEFAULT, ...(FULL ? MORE : [])];

beforeAll(async () => {
  project = simProject('churn-propensity');
  const ids = new Set(project.plan.schedules.map((s) => s.id));
  for (const [pipeline, event] of EVENTS) {
    if (event.kind === 'schedule' && !ids.has(event.schedule)) throw new Error(`no schedule ${event.schedule} among ${[...ids].join(', ')}`);
    const approvals = Object.fromEntries(project.plan.jobs.filter((j) => j.approval !== undefined).map((j) => [`${j.id}-approval`, 'approve' as const]));
    builds.push(buildFor(project, event, pipeline, { inputs: approvals }));
  }
  for (const [id, result] of await runBuilds(project, builds)) results.set(id, result);
}, SLOW * 5);

describe('Jenkins simulator: churn-propensity builds', () => {
  it.each(EVENTS.map(([p]) => p))('%s: the stages that run are the plan selectJobs, and all pass', (pipeline) => {
    expectPassingBuild(project, builds.find((b) => b.pipeline === pipeline)!, outcome(pipeline));
  });

  it('push:release: the approval input was asked and approved, under the deploy lock, after the milestones', () => {
    const o = outcome('push:release');
    expect(o.inputs.map((i) => [i.stage, i.answer])).toEqual([['production-approval', 'approve']]);
    expect(o.locks.map((l) => l.resource)).toEqual(['churn-propensity-deploy']);
    expect(o.milestones.map((m) => m.ordinal)).toEqual([1, 2]);
    expect(o.ran.indexOf('production')).toBeGreaterThan(o.ran.indexOf('production-approval'));
  });

  it('push:release: the model is registered in the MLflow file store and promoted to staging and production', () => {
    const o = outcome('push:release');
    const register = o.executed.find((e) => e.label === 'Register model');
    expect(register?.status, describeOutcome(o)).toBe(0);
    expect(register?.output).toMatch(/registered churn-propensity v\d+/);
    const models = join(project.mlflow, 'models', 'churn-propensity');
    expect(existsSync(models), `no ${models}`).toBe(true);
    const versions = readdirSync(models).filter((d) => d.startsWith('version-'));
    expect(versions.length).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(models, versions[0]!, 'tags', 'commit'), 'utf8')).toBe(project.head);
    const deploys = o.executed.filter((e) => e.label === 'Deploy').map((e) => [e.where, e.status]);
    expect(deploys).toEqual([['staging', 0], ['production', 0]]);
  });

  it('push:release: secrets are only in the steps that bind them', () => {
    const o = outcome('push:release');
    for (const e of o.executed.filter((x) => x.script !== undefined)) expect(e.secretsSeen, `${e.where}/${e.label}`).toEqual([...(e.secrets ?? [])].sort());
    expect(o.executed.some((e) => (e.secrets ?? []).length > 0)).toBe(true);
  });

  it('schedule:predict: predicts with the production model the release promoted, writing predictions', () => {
    const o = outcome('schedule:predict');
    const predict = o.executed.find((e) => e.where === 'predict' && e.script?.includes('predict.py'));
    expect(predict?.status, describeOutcome(o)).toBe(0);
    expect(predict?.env?.MLGEN_PIPELINE).toBe('predict');
  });

  it('retrain:incremental and event:drift (and in the full matrix their manual runs) train in their mode and register the model with it', () => {
    for (const [pipeline, mode] of [['retrain:incremental', 'incremental'], ['event:drift', 'drift']] as const) {
      const o = outcome(pipeline);
      const train = o.executed.find((e) => e.where === 'train' && e.label === 'Train');
      expect(train?.env?.MLGEN_TRAIN_MODE, pipeline).toBe(mode);
      expect(o.executed.find((e) => e.label === 'Register model')?.output).toContain(mode);
    }
    if (FULL) {
      // A manual run of retrain with a mode (the MODE parameter) trains in that mode too.
      for (const [pipeline, mode] of [['manual:retrain:incremental', 'incremental'], ['manual:retrain:drift', 'drift']] as const) {
        const o = outcome(pipeline);
        expect(o.executed.find((e) => e.where === 'train' && e.label === 'Train')?.env?.MLGEN_TRAIN_MODE, pipeline).toBe(mode);
        expect(o.executed.find((e) => e.label === 'Register model')?.output, pipeline).toContain(mode);
      }
    }
    // No image is built for churn-propensity: its deploy is a registry alias.
    expect(readStandinLog(builds[0]!.standins.logFile).filter((c) => c.tool === 'docker')).toEqual([]);
  });
});
