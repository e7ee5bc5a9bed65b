/**
 * The monitor workflow (mlgen-monitor.yml) of tests/fixtures/monitor-drift, generated and run
 * for real under nektos/act with the stand-in actions (./actions/, mapped by ./act.ts), every
 * job on this host, on the schedule event GitHub sends when the monitor's cron fires. The
 * fixture's monitoring/state chooses what its drift check reports; each run commits one:
 *
 * - `stable`: the verdict is false, only the monitor runs, the chain is skipped, the run passes;
 * - `drift`: the verdict is true and the monitor starts mlgen-retrain.yml in mode drift through
 *   GitHub's workflow dispatch endpoint (a loopback server written from its documentation,
 *   reached through act's GITHUB_API_URL); with MLGEN_MATRIX=full that dispatched run then
 *   runs under act too: the retrain chain in order, as retrain in drift mode, train's artifact
 *   reaching package and staging through act's artifact server;
 * - `malformed`: the report is not JSON, the verdict step fails the monitor, nothing of the
 *   chain starts, and notify runs.
 *
 * The three monitor runs are in the default suite (about 40 s on two cores); the dispatched
 * retrain (five jobs one after another, about 50 s) only with MLGEN_MATRIX=full.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../src/engine/generate.js';
import { selectJobs, type Plan } from '../../../src/plan/index.js';
import { writeGeneratedFiles } from '../../support/example-project.js';
import { fullMatrix } from '../../support/matrix-report.js';
import { describeRun, jobOf, removeRun, runAct, TestRepo, type ActRun } from './act.js';
import { startDispatchServer, type DispatchServer } from '../../support/github-dispatch-server.js';

const FIXTURE = new URL('../../fixtures/monitor-drift/', import.meta.url).pathname;
const WORKFLOW = 'mlgen-monitor.yml';
const STATES = ['stable', 'drift', 'malformed'] as const;
type State = (typeof STATES)[number];

/** The fixture with GitHub's files freshly generated, as a repository of its own. */
function project(): { repo: TestRepo; plan: Plan } {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-act-monitor-'));
  cpSync(FIXTURE, dir, { recursive: true });
  // Generated into the copy: the fixture itself is shared by every target's tests.
  const manifest = generate(readFileSync(join(dir, 'mlgen.yaml'), 'utf8'), { manifestPath: 'mlgen.yaml', targets: ['github'] });
  if (!manifest.ok) throw new Error(`monitor-drift does not generate: ${manifest.diagnostics.map((d) => d.message).join('; ')}`);
  writeGeneratedFiles(dir, manifest.files);
  const repo = TestRepo.create(dir, { name: 'monitor-drift' });
  rmSync(dir, { recursive: true, force: true });
  return { repo, plan: manifest.plan };
}

/** Job ids in the order their first log line came (the chain runs one job at a time). */
function startOrder(run: ActRun): string[] {
  const order: string[] = [];
  for (const line of run.log.split('\n')) {
    if (!line.startsWith('{')) continue;
    const id = (JSON.parse(line) as { jobID?: string }).jobID;
    if (id && !order.includes(id)) order.push(id);
  }
  return order.filter((id) => run.jobs[id]?.result !== 'skipped');
}

const started = (run: ActRun) => Object.values(run.jobs).filter((j) => j.result !== 'skipped').map((j) => j.id);

describe('GitHub monitor workflow under act with stand-in actions: monitor-drift on its schedule', () => {
  let plan: Plan;
  let repo: TestRepo;
  const runs = new Map<State, ActRun>();
  let server: DispatchServer;
  let retrain: ActRun | undefined;
  const TOKEN = 'ghs-monitor-dispatch-token';
  const runOf = (state: State): ActRun => {
    const run = runs.get(state);
    if (!run) throw new Error(`no act run for state ${state}`);
    return run;
  };

  beforeAll(async () => {
    ({ repo, plan } = project());
    server = await startDispatchServer([TOKEN]);
    const cron = plan.schedules.find((s) => s.pipeline === 'monitor')!.cron;
    for (const state of STATES) {
      repo.commitOn(repo.defaultBranch, `Monitoring reports ${state}`, { 'monitoring/state': `${state}\n` });
      const run = await runAct({ repo, event: repo.schedule(cron), workflow: WORKFLOW, runEnv: { GITHUB_API_URL: server.url }, secrets: { GITHUB_TOKEN: TOKEN } });
      console.log(`act monitor-drift ${state}: ${started(run).join(', ')}; exit ${run.exitCode}, ${(run.durationMs / 1000).toFixed(0)} s`);
      runs.set(state, run);
    }
    if (fullMatrix()) {
      // The run the dispatch starts: the retrain workflow, by workflow_dispatch, with the dispatched inputs.
      const request = server.requests.at(-1);
      const inputs = (request?.body as { inputs?: Record<string, string> } | undefined)?.inputs ?? {};
      retrain = await runAct({ repo, event: repo.workflowDispatch({ inputs }), workflow: 'mlgen-retrain.yml' });
      console.log(`act monitor-drift dispatched retrain: ${started(retrain).join(', ')}; exit ${retrain.exitCode}, ${(retrain.durationMs / 1000).toFixed(0)} s`);
    }
  }, 600_000);

  afterAll(async () => {
    await server?.close();
    if (retrain) removeRun(retrain);
    for (const run of runs.values()) removeRun(run);
    repo?.remove();
  });

  it('stable: only the monitor runs, with MLGEN_PIPELINE=monitor; nothing is dispatched and the run passes', () => {
    const run = runOf('stable');
    expect(started(run), describeRun(run)).toEqual(selectJobs(plan, { kind: 'schedule', schedule: 'monitor' }, false, false));
    expect(started(run)).toEqual(['monitor']);
    const monitor = jobOf(run, 'monitor');
    expect(monitor.result, describeRun(run)).toBe('success');
    expect(monitor.output).toContain('monitor-drift: monitor MLGEN_PIPELINE=monitor');
    expect(monitor.output).toContain('monitor-drift: model latest, state stable');
    expect(monitor.output).toContain('drift reported: false');
    expect(jobOf(run, 'notify').result).toBe('skipped');
    expect(run.exitCode, describeRun(run)).toBe(0);
  });

  it('drift: the monitor starts mlgen-retrain.yml in mode drift on the release branch, through the dispatch endpoint with the job\'s token', () => {
    const run = runOf('drift');
    expect(started(run), describeRun(run)).toEqual(['monitor']);
    const monitor = jobOf(run, 'monitor');
    expect(monitor.result, describeRun(run)).toBe('success');
    expect(monitor.output).toContain('drift reported: true');
    expect(monitor.output).toMatch(/started mlgen-retrain\.yml in mode drift on main \(HTTP 204\)/);
    // Exactly one dispatch, from the drift run alone (stable and malformed start nothing).
    expect(server.requests.map((r) => ({ ...r, path: r.path.replace(/^\/repos\/[^/]+\/[^/]+\//, '/repos/OWNER/REPO/') }))).toEqual([
      { method: 'POST', path: '/repos/OWNER/REPO/actions/workflows/mlgen-retrain.yml/dispatches', authorization: `Bearer ${TOKEN}`, body: { ref: 'main', inputs: { mode: 'drift' } } },
    ]);
    expect(run.exitCode, describeRun(run)).toBe(0);
  });

  it.runIf(fullMatrix())('the dispatched retrain: data-schema, train, evaluate, package and staging run in order, as retrain in drift mode', () => {
    const run = retrain!;
    const chain = ['data-schema', 'train', 'evaluate', 'package', 'staging'];
    expect(startOrder(run), describeRun(run)).toEqual(chain);
    expect(['monitor', ...chain]).toEqual(selectJobs(plan, { kind: 'schedule', schedule: 'monitor' }, false, true));
    for (const id of chain) expect(jobOf(run, id).result, `${id}\n${describeRun(run)}`).toBe('success');
    expect(jobOf(run, 'train').output).toContain('monitor-drift: train MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift');
    // package and staging fail unless train's model reached them.
    expect(jobOf(run, 'staging').output).toContain('monitor-drift: staging MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift');
    expect(jobOf(run, 'evaluate').output).toContain('mlgen gate: passed');
    expect(jobOf(run, 'notify').result).toBe('skipped');
    expect(run.exitCode, describeRun(run)).toBe(0);
  });

  it('negative control, malformed report: the verdict step fails the monitor, nothing is dispatched, and notify runs', () => {
    const run = runOf('malformed');
    expect(started(run).sort(), describeRun(run)).toEqual(['monitor', 'notify']);
    const monitor = jobOf(run, 'monitor');
    expect(monitor.result).toBe('failure');
    const verdict = monitor.steps.find((s) => s.name === plan.monitor!.verdictStep);
    expect(verdict?.result, describeRun(run)).toBe('failure');
    expect(verdict?.output).toContain('mlgen: the drift report drift.json is not JSON');
    expect(monitor.output).not.toContain('drift reported:');
    expect(jobOf(run, 'notify').result, describeRun(run)).toBe('success');
    expect(jobOf(run, 'notify').output).toContain('monitor-drift: notify MLGEN_PIPELINE=');
    expect(run.exitCode).not.toBe(0);
  });
});
