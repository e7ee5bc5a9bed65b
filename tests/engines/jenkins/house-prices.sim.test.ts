/**
 * house-prices' Jenkinsfile run by the executing Jenkins simulator (harness-jenkins-sim.ts):
 * each stage in a fresh workspace, the source stage's checkout stashed and unstashed, real
 * venvs installed from the wheelhouse, train's model handed to evaluate through a stash.
 * Every build runs in one groovy process in beforeAll; the its read the records.
 * Negative controls: a check without its install (ModuleNotFoundError), an impossible gate
 * (evaluate fails, nothing after it runs) and a train that stashes nothing evaluate needs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { removeTemporaryDirectoriesAfterAll, SLOW } from '../../support/example-project.js';
import { describeOutcome, type SimResult } from '../../support/harness-jenkins-sim.js';
import { buildFor, type Built, editManifest, expectPassingBuild, FULL, runBuilds, simProject, type SimProject } from './sim-project.js';

removeTemporaryDirectoriesAfterAll();

let project: SimProject;
let noInstall: SimProject;
let strictGate: SimProject;
let noStash: SimProject;
const builds: Built[] = [];
const results = new Map<string, SimResult>();

const outcome = (id: string) => {
  const found = results.get(id);
  if (!found?.outcome) throw new Error(`${id}: ${found?.error ?? 'did not run'}`);
  return found.outcome;
};

beforeAll(async () => {
  project = simProject('house-prices');
  // check-unit without its install: the Jenkinsfile as generated, with that stage's Install step removed.
  noInstall = simProject('house-prices', (dir) => {
    const file = join(dir, 'Jenkinsfile');
    const text = readFileSync(file, 'utf8');
    const unit = text.indexOf("stage('check-unit')");
    const install = text.indexOf("sh(script: 'python3 -m pip install -r requirements.txt', label: 'Install')", unit);
    if (unit < 0 || install < 0) throw new Error('no Install step in check-unit');
    writeFileSync(file, text.slice(0, install) + "echo('no install')" + text.slice(text.indexOf('\n', install)));
  });
  strictGate = simProject('house-prices', (dir) => editManifest(dir, (text) => text.replace(/\{ metric: mae, max: \d+ \}/, '{ metric: mae, max: 0.0001 }')));
  noStash = simProject('house-prices', (dir) => {
    const file = join(dir, 'Jenkinsfile');
    const text = readFileSync(file, 'utf8');
    const without = text.replace(/\n\s*stash\(name: 'train'[^\n]*/, '');
    if (without === text) throw new Error("no stash('train') in the Jenkinsfile");
    writeFileSync(file, without);
  });
  const release = project.plan.releaseBranch;
  builds.push(
    buildFor(project, { kind: 'pull-request' }, 'pr'),
    buildFor(project, { kind: 'push', branch: 'feature' }, 'push:other'),
    buildFor(project, { kind: 'manual', pipeline: 'ci', mode: 'full' }, 'manual:ci'),
    buildFor(noInstall, { kind: 'pull-request' }, 'negative:no-install'),
    buildFor(strictGate, { kind: 'pull-request' }, 'negative:impossible-gate'),
    buildFor(noStash, { kind: 'pull-request' }, 'negative:missing-artifact'),
  );
  if (FULL) builds.push(buildFor(project, { kind: 'push', branch: release }, 'push:release'));
  for (const [id, result] of await runBuilds(project, builds)) results.set(id, result);
}, SLOW * 2);

describe('Jenkins simulator: house-prices builds', () => {
  const pipelines = ['pr', 'push:other', 'manual:ci', ...(FULL ? ['push:release'] : [])];
  it.each(pipelines)('%s: the stages that run are the plan selectJobs, and all pass', (pipeline) => {
    expectPassingBuild(project, builds.find((b) => b.pipeline === pipeline)!, outcome(pipeline));
  });

  it('pr: each stage with an agent had a workspace of its own, filled from the source stash', () => {
    const o = outcome('pr');
    const dirs = o.workspaces.map((w) => w.dir);
    expect(new Set(dirs).size).toBe(dirs.length);
    expect(o.workspaces.map((w) => w.stage)).toEqual(expect.arrayContaining(['source', 'check-unit', 'train', 'evaluate']));
    const source = o.stashes.find((s) => s.name === 'mlgen-source')!;
    expect(source.stage).toBe('source');
    for (const stage of ['check-unit', 'train', 'evaluate']) expect(o.unstashes.some((u) => u.name === 'mlgen-source' && u.stage === stage)).toBe(true);
    // The change detection ran for real against the repository: the feature touches train.paths.
    const changed = o.executed.find((e) => e.label === 'Did train.paths change?');
    expect(changed?.status).toBe(0);
  });

  it('pr: train stashes model/ and metrics.json, evaluate unstashes them and the gate passes', () => {
    const o = outcome('pr');
    const train = o.stashes.find((s) => s.name === 'train');
    expect(train?.stage).toBe('train');
    expect(train?.files).toEqual(expect.arrayContaining(['metrics.json', 'model/model.joblib']));
    const got = o.unstashes.find((u) => u.name === 'train' && u.stage === 'evaluate');
    expect(got?.files).toEqual(train?.files);
    const gate = o.executed.find((e) => e.where === 'evaluate' && e.label === 'Check metric gates');
    expect(gate?.status).toBe(0);
    expect(gate?.output).toContain('mlgen gate: passed');
    // The report's post block: the gate's JUnit file read with no failed case, its Markdown archived.
    expect(o.tests).toEqual([{ where: 'evaluate post always', files: ['.mlgen/reports/gate-junit.xml'], total: expect.any(Number), failed: [] }]);
    expect(o.tests[0]!.total).toBeGreaterThan(0);
    expect(o.archived).toContainEqual({ where: 'evaluate post always', files: ['.mlgen/reports/gate-summary.md'] });
  });

  it('pr: each install ran in its own venv (the first for real, the rest replayed from it), and each stage used its own .venv', () => {
    const o = outcome('pr');
    const installs = o.executed.filter((e) => e.label === 'Install');
    expect(installs.length).toBeGreaterThanOrEqual(5);
    expect(installs.every((e) => e.status === 0)).toBe(true);
    const venvs = installs.map((e) => e.env?.VIRTUAL_ENV);
    expect(new Set(venvs).size).toBe(installs.length);
  });

  it('negative control: check-unit without its install fails with the real ModuleNotFoundError; train never starts', () => {
    const o = outcome('negative:no-install');
    expect(o.results['check-unit'], describeOutcome(o)).toBe('FAILURE');
    const run = o.executed.find((e) => e.where === 'check-unit' && e.label === 'Run');
    expect(run?.output).toMatch(/ModuleNotFoundError: No module named '(pandas|sklearn|numpy)'/);
    for (const other of ['check-lint', 'data-schema', 'data-ranges']) expect(o.results[other]).toBe('SUCCESS');
    expect(o.ran).not.toContain('train');
    expect(o.build).toBe('FAILURE');
  });

  it('negative control: an impossible gate fails evaluate, naming the metric, and nothing after it runs', () => {
    const o = outcome('negative:impossible-gate');
    expect(o.results.train, describeOutcome(o)).toBe('SUCCESS');
    expect(o.results.evaluate).toBe('FAILURE');
    const gate = o.executed.find((e) => e.where === 'evaluate' && e.label === 'Check metric gates');
    expect(gate?.output).toMatch(/mae/);
    // The post block still reports: the JUnit file names the failed gate.
    expect(o.tests[0]?.failed.join(' ')).toMatch(/mae/);
    expect(o.ran[o.ran.length - 1]).toBe('evaluate');
    expect(o.build).toBe('FAILURE');
  });

  it('negative control: a train that stashes nothing fails evaluate at unstash, before the gate', () => {
    const o = outcome('negative:missing-artifact');
    expect(o.results.train, describeOutcome(o)).toBe('SUCCESS');
    expect(o.results.evaluate).toBe('FAILURE');
    expect(o.errors.evaluate).toContain('No such saved stash ‘train’');
    expect(o.executed.some((e) => e.where === 'evaluate' && e.label === 'Check metric gates')).toBe(false);
    expect(o.build).toBe('FAILURE');
  });
});
