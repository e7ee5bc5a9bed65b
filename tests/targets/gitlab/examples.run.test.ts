/**
 * Every pipeline of the examples runs for real under gitlab-ci-local (shell executor,
 * --shell-isolation, each job installing from the wheelhouse into its own .venv, recording
 * stand-ins for docker/helm/kubectl first on PATH; see tests/support/gitlab-example-run.ts).
 * For each run: the jobs that ran are the plan's selectJobs for the event and all passed, the
 * consumers of train's artifacts (deploy jobs included) hold them and nobody else does, and
 * what the jobs did is checked where it lands: the MLflow file store, the stand-ins' records.
 *
 * The runs of one example share one project and its MLflow store, in order, as a team's
 * would: churn-propensity's release push puts a model @production, which the predict schedule
 * scores with and the incremental retrain warm-starts from.
 *
 * By default (CI) a subset in which every pipeline kind runs once; MLGEN_MATRIX=full runs
 * every example × pipeline. gitlab-ci-local differs from GitLab here: `when: delayed` jobs
 * (fraud-canary's analyses, start_in 20 minutes) start at once.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PlanEvent } from '../../../src/plan/index.js';
import { buildHas, describeRun, fillDvcRemote, GitLabExample, PIPELINE_TIMEOUT, RUN_TEST_TIMEOUT, type PipelineRun } from '../../support/gitlab-example-run.js';
import { removeTemporaryDirectories } from '../../support/harness-gitlab.js';
import { fullMatrix } from '../../support/matrix-report.js';
import { removeTemporaryDirectoriesAfterAll } from '../../support/example-project.js';

afterAll(removeTemporaryDirectories);
removeTemporaryDirectoriesAfterAll();

interface Case {
  label: string;
  event: PlanEvent;
  /** Runs by default; the others only with MLGEN_MATRIX=full. */
  ci: boolean;
  /** Reads what the run left before the next run of the example starts (they share one registry). */
  after?: (example: GitLabExample, run: PipelineRun) => void;
}

const PR: PlanEvent = { kind: 'pull-request' };
const RELEASE: PlanEvent = { kind: 'push', branch: 'main' };
const OTHER: PlanEvent = { kind: 'push', branch: 'feature' };
const MANUAL_CI: PlanEvent = { kind: 'manual', pipeline: 'ci', mode: 'full' };

/** The jobs that take train's artifacts (`needs: [{ job: train, artifacts: true }]`) in the generated file. */
function artifactConsumers(example: GitLabExample): Set<string> {
  const document = parse(readFileSync(join(example.dir, '.gitlab-ci.yml'), 'utf8'), { version: '1.1' }) as Record<string, { needs?: unknown[] }>;
  return new Set(
    Object.entries(document)
      .filter(([, job]) => Array.isArray(job?.needs) && job.needs.some((n) => typeof n === 'object' && n !== null && (n as { job: string; artifacts?: boolean }).job === 'train' && (n as { artifacts?: boolean }).artifacts !== false))
      .map(([name]) => name),
  );
}

/**
 * The run finished and ran jobs (every event here selects some: a run with no summary, killed
 * or cut short, never passes as an empty selection), the ran jobs are the plan's selection,
 * every one passed, notify (on failure only) did not run.
 */
function expectRanAndPassed(run: PipelineRun): void {
  expect(run.timedOut, describeRun(run)).toBe(false);
  expect(run.expectedIds.length, `${run.example} ${run.label}: the plan selects no job`).toBeGreaterThan(0);
  expect(Object.keys(run.jobs).length, describeRun(run)).toBeGreaterThan(0);
  expect(run.planIds, describeRun(run)).toEqual(run.expectedIds);
  expect(Object.entries(run.jobs).filter(([, status]) => status !== 'pass'), describeRun(run)).toEqual([]);
  expect(run.jobs.notify).toBeUndefined();
  expect(run.code, describeRun(run)).toBe(0);
}

/** train's artifacts reach exactly the jobs that declare them (shell isolation: nothing else travels). */
function expectArtifactsAsDeclared(example: GitLabExample, run: PipelineRun): void {
  const consumers = artifactConsumers(example);
  for (const job of Object.keys(run.jobs)) {
    const declared = consumers.has(job) || job === 'train';
    expect({ job, model: buildHas(run, job, 'model'), metrics: buildHas(run, job, 'metrics.json') }).toEqual({ job, model: declared, metrics: declared });
  }
}

/** The registry's aliases as MLflow reads them (with the venv a job installed). */
function aliases(example: GitLabExample, run: PipelineRun, job: string, name: string): Record<string, { version: string; commit: string | undefined }> {
  const python = join(run.buildOf(job), '.venv', 'bin', 'python');
  const script = [
    'import json, sys',
    'from mlflow import MlflowClient',
    'from mlflow.exceptions import MlflowException',
    'client = MlflowClient()',
    'found = {}',
    'for alias in ("staging", "production"):',
    '    try:',
    '        v = client.get_model_version_by_alias(sys.argv[1], alias)',
    '        found[alias] = {"version": str(v.version), "commit": v.tags.get("commit")}',
    '    except MlflowException:',
    '        pass',
    'print(json.dumps(found))',
  ].join('\n');
  const out = execFileSync(python, ['-c', script, name], {
    encoding: 'utf8',
    env: { ...process.env, MLFLOW_TRACKING_URI: `file:${example.registry}`, MLFLOW_ALLOW_FILE_STORE: 'true', MLFLOW_DISABLE_TELEMETRY: 'true' },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, { version: string; commit: string | undefined }>;
}

/** Runs an example's cases in order, once each, whichever test asks first. */
function pipelines(name: string, cases: Case[]) {
  let example: GitLabExample | undefined;
  const runs = new Map<string, Promise<PipelineRun>>();
  let chain: Promise<unknown> = Promise.resolve();
  const selected = cases.filter((c) => c.ci || fullMatrix());
  const get = () => (example ??= GitLabExample.create(name));
  const runOf = (label: string): Promise<PipelineRun> => {
    for (const c of selected) {
      if (runs.has(c.label)) continue;
      const approval = get().plan.jobs.filter((j) => j.approval !== undefined).map((j) => j.id);
      const next = chain.then(async () => {
        const run = await get().run(c.event, { label: c.label, manual: approval });
        c.after?.(get(), run);
        return run;
      });
      chain = next.catch(() => undefined);
      runs.set(c.label, next);
      if (c.label === label) break;
    }
    const found = runs.get(label);
    if (!found) throw new Error(`no run ${label} for ${name}`);
    return found;
  };
  return { selected, runOf, example: get };
}

describe('gitlab-ci-local: examples/house-prices, every pipeline', { timeout: RUN_TEST_TIMEOUT }, () => {
  const { selected, runOf, example } = pipelines('house-prices', [
    { label: 'pr', event: PR, ci: true },
    { label: 'push:other', event: OTHER, ci: true },
    { label: 'push:release', event: RELEASE, ci: false },
    { label: 'manual:ci', event: MANUAL_CI, ci: true },
  ]);
  for (const { label } of selected) {
    it(`${label}: the plan's jobs run and pass; model/ and metrics.json reach evaluate only`, async () => {
      const run = await runOf(label);
      expectRanAndPassed(run);
      expectArtifactsAsDeclared(example(), run);
      expect(run.log).toMatch(/evaluate\s+> mlgen gate: passed/);
      expect(run.calls).toEqual([]);
    });
  }
});

describe('gitlab-ci-local: examples/churn-propensity, every pipeline, one MLflow file store', { timeout: RUN_TEST_TIMEOUT }, () => {
  // The aliases right after the release push: later pipelines (retrains) register and promote newer versions.
  let afterRelease: ReturnType<typeof aliases> | undefined;
  const { selected, runOf, example } = pipelines('churn-propensity', [
    { label: 'pr', event: PR, ci: false },
    { label: 'push:other', event: OTHER, ci: false },
    { label: 'push:release', event: RELEASE, ci: true, after: (ex, run) => (afterRelease = run.jobs.production === 'pass' ? aliases(ex, run, 'production', 'churn-propensity') : undefined) },
    { label: 'schedule:predict', event: { kind: 'schedule', schedule: 'predict' }, ci: true },
    { label: 'retrain:incremental', event: { kind: 'schedule', schedule: 'retrain-incremental' }, ci: true },
    { label: 'retrain:full', event: { kind: 'schedule', schedule: 'retrain-full' }, ci: false },
    { label: 'event:drift', event: { kind: 'external', event: 'drift-detected' }, ci: true },
    { label: 'manual:ci', event: MANUAL_CI, ci: false },
    { label: 'manual:predict', event: { kind: 'manual', pipeline: 'predict', mode: 'full' }, ci: false },
    { label: 'manual:retrain:full', event: { kind: 'manual', pipeline: 'retrain', mode: 'full' }, ci: false },
    { label: 'manual:retrain:incremental', event: { kind: 'manual', pipeline: 'retrain', mode: 'incremental' }, ci: false },
    { label: 'manual:retrain:drift', event: { kind: 'manual', pipeline: 'retrain', mode: 'drift' }, ci: false },
  ]);
  const labels = new Set(selected.map((c) => c.label));
  for (const { label } of selected) {
    it(`${label}: the plan's jobs run and pass; train's artifacts reach exactly its consumers`, async () => {
      const run = await runOf(label);
      expectRanAndPassed(run);
      expectArtifactsAsDeclared(example(), run);
    });
  }

  it.runIf(labels.has('push:release'))('push:release through production (approval started by the test): registered, @staging then @production is this commit', async () => {
    const run = await runOf('push:release');
    expect(run.jobs.production, describeRun(run)).toBe('pass');
    expect(run.log).toMatch(/package\s+> registered churn-propensity v1 \(commit [0-9a-f]{8}, full\)/);
    expect(run.log).toMatch(/staging\s+> .*models:\/churn-propensity@staging: 1000 customers scored/);
    expect(afterRelease).toEqual({ staging: { version: '1', commit: example().sha }, production: { version: '1', commit: example().sha } });
  });

  it.runIf(labels.has('schedule:predict'))('schedule:predict (MLGEN_PIPELINE=predict as `mlgen sync gitlab` sets it) scores with the @production model', async () => {
    const run = await runOf('schedule:predict');
    expect(run.log, describeRun(run)).toMatch(/predict\s+> scored 1500 customers with models:\/churn-propensity@production/);
  });

  it.runIf(labels.has('retrain:incremental'))('retrain:incremental warm-starts from @production and registers a new version', async () => {
    const run = await runOf('retrain:incremental');
    expect(run.log, describeRun(run)).toMatch(/train\s+> mode=incremental auc=/);
    expect(run.log).not.toMatch(/no production model yet/);
    expect(run.log).toMatch(/package\s+> registered churn-propensity v2 \(commit [0-9a-f]{8}, incremental\)/);
  });

  it.runIf(labels.has('event:drift'))('event:drift (the trigger API with MLGEN_EVENT) retrains in mode drift', async () => {
    const run = await runOf('event:drift');
    expect(run.log, describeRun(run)).toMatch(/train\s+> mode=drift /);
    expect(run.log).toMatch(/package\s+> registered churn-propensity v\d+ \(commit [0-9a-f]{8}, drift\)/);
  });
});

describe.runIf(fullMatrix())('gitlab-ci-local: examples/fraud-canary, every pipeline (MLGEN_MATRIX=full)', { timeout: RUN_TEST_TIMEOUT }, () => {
  const { selected, runOf, example } = pipelines('fraud-canary', [
    { label: 'pr', event: PR, ci: false },
    { label: 'push:other', event: OTHER, ci: false },
    { label: 'push:release', event: RELEASE, ci: false },
    { label: 'manual:ci', event: MANUAL_CI, ci: false },
  ]);
  // The DVC remote .dvc/config names, filled by the repository's setup script (data.pull is `dvc pull`).
  beforeAll(() => fillDvcRemote('fraud-canary'), PIPELINE_TIMEOUT);
  for (const { label } of selected) {
    it(`${label}: the plan's jobs run and pass; train's artifacts reach exactly its consumers`, async () => {
      const run = await runOf(label);
      expectRanAndPassed(run);
      expectArtifactsAsDeclared(example(), run);
    });
  }

  it('push:release: login before build and push of MLGEN_IMAGE, model/ in the build context, rollouts recorded in order', async () => {
    const run = await runOf('push:release');
    const image = `registry.example.com/risk/fraud-canary:${example().sha}`;
    expect(run.calls.filter((c) => !c.ok), describeRun(run)).toEqual([]);
    // gitlab-ci-local itself starts package's dind service through docker (network create,
    // image inspect, create, start, logs, rm, network rm): on the host, outside any job.
    const service = run.calls.filter((c) => c.tool === 'docker' && c.job === 'host');
    expect(service.every((c) => c.env.CI_JOB_NAME === undefined)).toBe(true);
    const docker = run.calls.filter((c) => c.tool === 'docker' && c.job !== 'host');
    expect(docker.map((c) => c.subcommand)).toEqual(['login', 'build', 'push']);
    expect(docker[1]?.argv).toContain(image);
    expect(docker[2]?.argv).toEqual(['push', image]);
    expect(new Set(docker.map((c) => c.env.CI_JOB_NAME))).toEqual(new Set(['package']));
    const weights = run.calls.filter((c) => c.tool === 'kubectl' && c.argv.includes('weight')).map((c) => c.argv.at(-1));
    expect(weights).toEqual(['5', '25', '50']);
    const jobs = [...new Set(run.calls.filter((c) => c.tool === 'kubectl').map((c) => c.env.CI_JOB_NAME))];
    expect(jobs).toEqual(['staging', 'canary-5', 'canary-25', 'canary-50', 'production']);
    expect(run.jobs['canary-rollback']).toBeUndefined();
    expect(run.log).toMatch(/package\s+> registered fraud-canary v1 /);
    expect(aliases(example(), run, 'production', 'fraud-canary')).toEqual({ staging: { version: '1', commit: example().sha }, production: { version: '1', commit: example().sha } });
  });
});
