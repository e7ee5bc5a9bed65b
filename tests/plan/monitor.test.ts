/**
 * pipelines.monitor in the plan (manifest-v1, What runs when: "schedule of pipelines.monitor"):
 * the monitor job alone, then, when its verdict is drift, the retrain row in drift mode; the
 * verdict script run for real with python3 on each kind of report.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/index.js';
import { compilePlan, formatRun, jobById, needsInRun, parseEvent, runFor, selectJobs, type Plan, type PlanEvent } from '../../src/plan/index.js';
import { fixtureText } from '../support/harness.js';

function planOf(source: string): Plan {
  const loaded = loadManifest(source);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return compilePlan(loaded.manifest);
}

function diagnostics(source: string): string[] {
  const loaded = loadManifest(source);
  return loaded.ok ? [] : loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);
}

const CONTRACT = planOf(fixtureText('contract-complete'));
const monitorEvent: PlanEvent = { kind: 'schedule', schedule: 'monitor' };
const BASE = `version: 1
name: m
train:
  run: python train.py
  artifacts: [model/]
pipelines:
  monitor:
    schedule: "0 * * * *"
    run: python check.py
    report: drift.json
`;

describe('the monitor pipeline in the plan', () => {
  it('the contract example: no drift runs the monitor alone; drift runs the retrain row in drift mode, deploys included (retrain.deploy)', () => {
    expect(CONTRACT.monitor).toEqual({ job: 'monitor', report: 'drift.json', verdictStep: 'Read the drift report', onDrift: { pipeline: 'retrain', mode: 'drift' } });
    expect(selectJobs(CONTRACT, monitorEvent, true, false)).toEqual(['monitor']);
    const drift = { kind: 'external', event: 'drift-detected' } as const;
    expect(selectJobs(CONTRACT, monitorEvent, false, true)).toEqual(['monitor', ...selectJobs(CONTRACT, drift, false)]);
    expect(selectJobs(CONTRACT, monitorEvent, false, true)).toEqual(['monitor', 'data-schema', 'data-ranges', 'train', 'evaluate', 'package', 'staging', 'canary', 'production']);
    const run = runFor(CONTRACT, monitorEvent);
    expect(run.pipeline).toBe('monitor');
    expect(run.onDrift).toEqual({ pipeline: 'retrain', mode: 'drift' });
    expect(run.jobs.filter((j) => !j.ifDrift).map((j) => j.id)).toEqual(['monitor']);
    expect(run.jobs.find((j) => j.id === 'production')?.approval).toBe(true);
  });

  it('the chain keeps its order and its first jobs wait for the monitor', () => {
    const run = runFor(CONTRACT, monitorEvent);
    expect(needsInRun(CONTRACT, run, jobById(CONTRACT, 'data-schema'))).toEqual(['monitor']);
    expect(needsInRun(CONTRACT, run, jobById(CONTRACT, 'train'))).toEqual(['data-schema', 'data-ranges']);
    expect(needsInRun(CONTRACT, run, jobById(CONTRACT, 'monitor'))).toEqual([]);
    // Outside the monitor run, nothing waits for the monitor.
    const ci = runFor(CONTRACT, { kind: 'push', branch: 'main' });
    expect(needsInRun(CONTRACT, ci, jobById(CONTRACT, 'data-schema'))).toEqual([]);
  });

  it('the monitor job: its runtime and install, its command, then the verdict; MLGEN_PIPELINE=monitor; only the secrets meant for it', () => {
    const monitor = jobById(CONTRACT, 'monitor');
    expect(monitor.pipelines).toEqual(['monitor']);
    expect(monitor.steps.map((s) => s.label)).toEqual(['Create the virtualenv', 'Install', 'Check drift', 'Read the drift report']);
    expect(monitor.env.MLGEN_PIPELINE).toBe('monitor');
    // The contract's bare MLFLOW_TRACKING_TOKEN reaches every section; the package and deploy secrets do not reach the monitor.
    expect(monitor.secrets).toEqual(['MLFLOW_TRACKING_TOKEN']);
    expect(CONTRACT.schedules.find((s) => s.id === 'monitor')).toEqual({ id: 'monitor', cron: '0 * * * *', pipeline: 'monitor', mode: 'full' });
    expect(CONTRACT.pipelines).toEqual(['ci', 'predict', 'retrain', 'monitor']);
  });

  it('mlgen plan shows both branches', () => {
    const text = formatRun(CONTRACT, runFor(CONTRACT, monitorEvent), { steps: false });
    expect(text.split('\n')[0]).toBe('schedule:monitor: pipeline monitor, MLGEN_TRAIN_MODE=full; on drift: pipeline retrain, MLGEN_TRAIN_MODE=drift');
    expect(text).toMatch(/monitor +Monitor: drift\n/);
    expect(text).toMatch(/train +Train +\(after data-schema, data-ranges; if the monitor reported drift\)/);
  });

  it('a monitor without a retrain section still retrains on drift, without deploys; manual:monitor runs it too', () => {
    const plan = planOf(`${BASE}deploy:\n  staging:\n    run: ./deploy.sh\n`);
    expect(plan.pipelines).toEqual(['ci', 'retrain', 'monitor']);
    expect(selectJobs(plan, monitorEvent, false, true)).toEqual(['monitor', 'train']);
    const manual = parseEvent('manual:monitor', plan) as PlanEvent;
    expect(selectJobs(plan, manual, false, true)).toEqual(['monitor', 'train']);
    expect(selectJobs(plan, manual, false, false)).toEqual(['monitor']);
  });

  it('the manifest: a monitor needs training, its schedule differs from the others, its report is a workspace path', () => {
    expect(diagnostics(BASE.replace('train:\n  run: python train.py\n  artifacts: [model/]\n', ''))).toEqual(['5:5 pipelines.monitor: reported drift retrains with the train section: add one']);
    expect(diagnostics(`${BASE}  predict:\n    schedule: "0 * * * *"\n    run: python predict.py\n`)[0]).toMatch(/is used twice/);
    expect(diagnostics(BASE.replace('report: drift.json', 'report: ../drift.json'))[0]).toMatch(/^10:13 pipelines.monitor.report: the drift report may not climb out/);
    expect(diagnostics(BASE.replace('    report: drift.json\n', ''))[0]).toMatch(/report/);
  });
});

describe('the drift verdict script (python3, for real)', () => {
  const verdict = (report: string | undefined): { status: number; stdout: string; stderr: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'mlgen-verdict-'));
    if (report !== undefined) writeFileSync(join(dir, 'drift.json'), report);
    const step = jobById(CONTRACT, 'monitor').steps.find((s) => s.type === 'drift-verdict');
    if (step?.type !== 'drift-verdict') throw new Error('no verdict step');
    const result = spawnSync('sh', ['-c', step.run], { cwd: dir, encoding: 'utf8' });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };

  it.each([
    ['{"drift": true, "psi": 0.4}', 'true'],
    ['{"drift": false}', 'false'],
  ])('%s: prints %s alone', (report, expected) => {
    expect(verdict(report)).toEqual({ status: 0, stdout: `${expected}\n`, stderr: '' });
  });

  it.each([
    [undefined, /wrote no drift report at drift\.json/],
    ['drift: yes', /drift\.json is not JSON/],
    ['{"drift": "yes"}', /needs "drift": true or false/],
    ['[true]', /needs "drift": true or false/],
    ['{"psi": 0.4}', /needs "drift": true or false/],
  ])('%s: fails, naming the file, and prints no verdict', (report, message) => {
    const result = verdict(report);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});
