/**
 * `mlgen run --event schedule:monitor` on tests/fixtures/monitor-drift (standard library only):
 * the monitor alone when it reports no drift; the retrain chain in drift mode, in order, with
 * train's artifacts handed on, when it does; a failed monitor and notify when the report is
 * missing or malformed. monitoring/state chooses the report; each job prints what it saw.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/run.js', import.meta.url).pathname;
const FIXTURE = new URL('../fixtures/monitor-drift/', import.meta.url).pathname;
const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };

interface Report {
  ok: boolean;
  pipeline: string;
  drift?: boolean;
  failed?: string;
  jobs: { id: string; state: string; reason?: string; steps: { label: string; state: string; output?: string }[] }[];
}

function project(state: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-run-monitor-'));
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(join(dir, 'monitoring/state'), `${state}\n`);
  execFileSync(process.execPath, [BIN, 'generate', '--manifest', join(dir, 'mlgen.yaml'), '--quiet'], { cwd: dir, stdio: 'ignore' });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV }, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixture');
  return dir;
}

function run(state: string): { status: number; report: Report } {
  const dir = project(state);
  const result = spawnSync(process.execPath, [BIN, 'run', '--manifest', join(dir, 'mlgen.yaml'), '--event', 'schedule:monitor', '--deploy', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: result.status ?? -1, report: JSON.parse(result.stdout) as Report };
}

const CHAIN = ['data-schema', 'train', 'evaluate', 'package', 'staging'];

describe('mlgen run --event schedule:monitor', { timeout: 900_000 }, () => {
  it('no drift: the monitor passes and the retrain chain is skipped as "no drift"', () => {
    const { status, report } = run('stable');
    expect(status).toBe(0);
    expect(report.drift).toBe(false);
    expect(report.jobs.map((j) => [j.id, j.state])).toEqual([['monitor', 'passed'], ...CHAIN.map((id) => [id, 'skipped'])]);
    expect(report.jobs.filter((j) => j.state === 'skipped').every((j) => j.reason === 'the monitor reported no drift')).toBe(true);
  });

  // Each chain job fails if it sees the monitor's MLGEN_PIPELINE; package and staging fail without train's model.
  it('drift: the chain runs in order as a drift retrain, with train\'s model reaching package and staging', () => {
    const { status, report } = run('drift');
    expect(status, JSON.stringify(report.jobs.filter((j) => j.state !== 'passed'))).toBe(0);
    expect(report.drift).toBe(true);
    expect(report.jobs.map((j) => [j.id, j.state])).toEqual([['monitor', 'passed'], ...CHAIN.map((id) => [id, 'passed'])]);
  });

  it.each(['malformed', 'missing'])('a %s report fails the monitor, skips the chain and runs notify', (state) => {
    const { status, report } = run(state);
    expect(status).toBe(1);
    expect(report.failed).toBe('monitor');
    expect(report.drift).toBeUndefined();
    const verdict = report.jobs[0]!.steps.find((s) => s.label === 'Read the drift report')!;
    expect(verdict.state).toBe('failed');
    expect(verdict.output).toMatch(state === 'missing' ? /wrote no drift report at drift\.json/ : /drift\.json is not JSON/);
    expect(report.jobs.filter((j) => CHAIN.includes(j.id)).every((j) => j.state === 'skipped')).toBe(true);
    expect(report.jobs.at(-1)).toMatchObject({ id: 'notify', state: 'passed' });
  });
});
