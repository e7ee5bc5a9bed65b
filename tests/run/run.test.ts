/**
 * `mlgen run` on a copy of examples/house-prices: the jobs it runs are the plan's, each in a
 * fresh checkout with only declared artifacts. A failing gate or a missing artifact fails the
 * job that needs it, as on a runner: shown on tests/fixtures/run-semantics, a project whose jobs
 * use the standard library only (the run's semantics, not the example's installs, are tested).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/index.js';
import { compilePlan, parseEvent, selectJobs, type PlanEvent } from '../../src/plan/index.js';
import { wheelhouseEnv } from '../support/python-venv.js';

const BIN = new URL('../../bin/run.js', import.meta.url).pathname;
const EXAMPLE = new URL('../../examples/house-prices/', import.meta.url).pathname;
const SEMANTICS = new URL('../fixtures/run-semantics/', import.meta.url).pathname;
const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };

/** A project as a repository of its own: main, then a feature branch whose commit touches src/. */
function project(edit: (manifest: string) => string = (m) => m, source = EXAMPLE): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-run-test-'));
  cpSync(source, dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'example');
  git('checkout', '-q', '-b', 'feature');
  writeFileSync(join(dir, 'mlgen.yaml'), edit(readFileSync(join(dir, 'mlgen.yaml'), 'utf8')));
  // The manifest changed: regenerate, as its author would (mlgen run refuses a stale gate).
  execFileSync(process.execPath, [BIN, 'generate', '--manifest', join(dir, 'mlgen.yaml'), '--quiet'], { cwd: dir, stdio: 'ignore' });
  git('add', '-A');
  writeFileSync(join(dir, 'src/train.py'), `${readFileSync(join(dir, 'src/train.py'), 'utf8')}\n# a change to the model code\n`);
  git('commit', '-q', '-am', 'change the model');
  return dir;
}

interface Report {
  ok: boolean;
  failed?: string;
  pathsChanged: boolean;
  jobs: { id: string; state: string; reason?: string; steps: { label: string; state: string; output?: string; reason?: string }[] }[];
}

function run(dir: string, ...args: string[]): { status: number; report: Report; stderr: string } {
  // pip installs offline from the wheelhouse, as on a runner with a warm cache (no PyPI per job).
  const env = { ...process.env, ...wheelhouseEnv(), NO_COLOR: '1' };
  const result = spawnSync(process.execPath, [BIN, 'run', '--manifest', join(dir, 'mlgen.yaml'), '--json', ...args], { encoding: 'utf8', env });
  return { status: result.status ?? -1, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

function selected(dir: string, eventText: string, changed: boolean): string[] {
  const loaded = loadManifest(readFileSync(join(dir, 'mlgen.yaml'), 'utf8'));
  if (!loaded.ok) throw new Error('invalid');
  const plan = compilePlan(loaded.manifest);
  return selectJobs(plan, parseEvent(eventText, plan) as PlanEvent, changed);
}

describe('mlgen run on examples/house-prices', { timeout: 900_000 }, () => {
  it('a pull request that changes the model runs selectJobs’ jobs, and they pass', () => {
    const dir = project();
    const { status, report } = run(dir, '--event', 'pr');
    expect(report.pathsChanged).toBe(true);
    expect(report.jobs.map((j) => j.id)).toEqual(selected(dir, 'pr', true));
    expect(report.jobs.map((j) => j.id)).toContain('evaluate');
    expect(report.jobs.every((j) => j.state === 'passed'), JSON.stringify(report.jobs.filter((j) => j.state !== 'passed'))).toBe(true);
    expect(status).toBe(0);
  });

  it('an impossible gate fails evaluate, naming the metric, and the run exits 1', () => {
    const dir = project((m) => m.replace('{ metric: r2, min: 0.9 }', '{ metric: r2, min: 0.99999 }'), SEMANTICS);
    const { status, report } = run(dir, '--event', 'pr', '--job', 'evaluate');
    expect(status).toBe(1);
    expect(report.failed).toBe('evaluate');
    const gate = report.jobs.find((j) => j.id === 'evaluate')!.steps.find((s) => s.label === 'Check metric gates')!;
    expect(gate.state).toBe('failed');
    expect(gate.output).toMatch(/r2/);
  });

  it('a file the next job needs but train.artifacts does not declare is missing there, as on a runner', () => {
    // evaluate reads the model; train declares only the metrics.
    const dir = project((m) =>
      m
        .replace('artifacts: [model/, metrics.json]', 'artifacts: [metrics.json]')
        .replace('evaluate:\n', 'evaluate:\n  baseline: { fetch: python3 -c "open(\'model/model.json\')", file: baseline.json }\n'),
      SEMANTICS,
    );
    const { status, report } = run(dir, '--event', 'pr', '--job', 'evaluate');
    expect(status).toBe(1);
    expect(report.failed).toBe('evaluate');
    const fetch = report.jobs.find((j) => j.id === 'evaluate')!.steps.find((s) => s.label === 'Fetch baseline')!;
    expect(fetch.output).toMatch(/No such file or directory: 'model\/model.json'/);
  });

  it('a job that writes less than train.artifacts names fails its upload, naming the file', () => {
    const dir = project((m) => m.replace('artifacts: [model/, metrics.json]', 'artifacts: [model/, metrics.json, report.html]'), SEMANTICS);
    const { status, report } = run(dir, '--event', 'pr', '--job', 'train');
    expect(status).toBe(1);
    expect(report.jobs.find((j) => j.id === 'train')!.reason).toMatch(/report\.html/);
  });

  it('refuses a gate script that the manifest no longer generates, since CI would run the stale one', () => {
    const dir = project();
    writeFileSync(join(dir, 'mlgen.yaml'), readFileSync(join(dir, 'mlgen.yaml'), 'utf8').replace('min: 0.9 }', 'min: 0.95 }'));
    const result = spawnSync(process.execPath, [BIN, 'run', '--manifest', join(dir, 'mlgen.yaml')], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/\.mlgen\/gate\.py is not what .* generates now.*run `mlgen generate` first/);
  });

  it('names a missing secret before anything runs', () => {
    const dir = project((m) => `${m}\nsecrets: [{ name: DATA_TOKEN, to: [data] }]\n`);
    const result = spawnSync(process.execPath, [BIN, 'run', '--manifest', join(dir, 'mlgen.yaml')], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing secrets: DATA_TOKEN \(for data-schema, data-ranges\)/);
    expect(result.stdout).not.toMatch(/✓/);
  });

  it('an unknown --job is a usage error naming what the event runs', () => {
    const dir = project();
    const result = spawnSync(process.execPath, [BIN, 'run', '--manifest', join(dir, 'mlgen.yaml'), '--job', 'nope'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/"nope" is not run by pr; it runs: check-unit/);
  });
});
