/**
 * The examples' generated azure-pipelines.yml run on the executing Azure simulator: every bash
 * step for real, each job in a fresh workspace that creates its own venv and installs from the
 * wheelhouse, artifacts between jobs, MLflow's file store as the registry (a pipeline variable,
 * as a team sets MLFLOW_TRACKING_URI), the recording stand-ins first on PATH for docker, helm,
 * kubectl and az. By default (CI) a subset: house-prices' pull request and the missing-install
 * control; MLGEN_MATRIX=full runs every example × pipeline listed in PIPELINES.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectJobs, type PlanEvent } from '../../../src/plan/index.js';
import { readStandinLog } from '../../engines/standins/standins.js';
import { azureProject, jobRun, runAzureEvent, type AzureProject, type AzureRun } from '../../support/azure-run.js';
import { installedVenv, removeTemporaryDirectoriesAfterAll } from '../../support/example-project.js';
import { recordPipelineRun } from '../../support/matrix-report.js';
import { runIn } from '../../support/python-venv.js';

removeTemporaryDirectoriesAfterAll();

const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;
const FULL = process.env.MLGEN_MATRIX === 'full';
const SLOW = 3_600_000;
const secrets = { MLFLOW_TRACKING_TOKEN: 'token-value', REGISTRY_PASSWORD: 'registry-password', KUBE_TOKEN: 'kube-token' };

interface Case {
  example: string;
  pipeline: string;
  event: PlanEvent;
  trainPathsChanged?: boolean;
}

/** In run order per example: the release push registers and promotes what predict and retraining read. */
const PIPELINES: Case[] = [
  { example: 'house-prices', pipeline: 'pr', event: { kind: 'pull-request' } },
  { example: 'house-prices', pipeline: 'push:other', event: { kind: 'push', branch: 'topic' } },
  { example: 'house-prices', pipeline: 'push:release', event: { kind: 'push', branch: 'main' } },
  { example: 'house-prices', pipeline: 'manual:ci', event: { kind: 'manual', pipeline: 'ci', mode: 'full' } },
  { example: 'churn-propensity', pipeline: 'push:release', event: { kind: 'push', branch: 'main' } },
  { example: 'churn-propensity', pipeline: 'schedule:predict', event: { kind: 'schedule', schedule: 'predict' } },
  { example: 'churn-propensity', pipeline: 'retrain:incremental', event: { kind: 'schedule', schedule: 'retrain-incremental' } },
  { example: 'churn-propensity', pipeline: 'retrain:full', event: { kind: 'schedule', schedule: 'retrain-full' } },
  { example: 'churn-propensity', pipeline: 'event:drift', event: { kind: 'external', event: 'drift-detected' } },
  { example: 'churn-propensity', pipeline: 'manual:predict', event: { kind: 'manual', pipeline: 'predict', mode: 'full' } },
  { example: 'churn-propensity', pipeline: 'pr', event: { kind: 'pull-request' } },
  { example: 'churn-propensity', pipeline: 'push:other', event: { kind: 'push', branch: 'topic' } },
  { example: 'churn-propensity', pipeline: 'manual:ci', event: { kind: 'manual', pipeline: 'ci', mode: 'full' } },
  { example: 'churn-propensity', pipeline: 'manual:retrain:full', event: { kind: 'manual', pipeline: 'retrain', mode: 'full' } },
  { example: 'churn-propensity', pipeline: 'manual:retrain:incremental', event: { kind: 'manual', pipeline: 'retrain', mode: 'incremental' } },
  { example: 'churn-propensity', pipeline: 'manual:retrain:drift', event: { kind: 'manual', pipeline: 'retrain', mode: 'drift' } },
  { example: 'fraud-canary', pipeline: 'pr', event: { kind: 'pull-request' } },
  { example: 'fraud-canary', pipeline: 'push:other', event: { kind: 'push', branch: 'topic' } },
  { example: 'fraud-canary', pipeline: 'push:release', event: { kind: 'push', branch: 'main' } },
  { example: 'fraud-canary', pipeline: 'manual:ci', event: { kind: 'manual', pipeline: 'ci', mode: 'full' } },
];
const DEFAULT = new Set(['house-prices pr']);

/** fraud-canary soaks 20 minutes before each analysis: a test-time interval of 1 s. */
const edits: Record<string, (text: string) => string> = { 'fraud-canary': (t) => t.replace(/interval: 20m/, 'interval: 1s') };

function record(example: string, pipeline: string, run: AzureRun): void {
  const ran = run.jobs.filter((j) => j.result !== 'Skipped');
  recordPipelineRun({ engine: 'azure-sim', example, pipeline, jobsRun: ran.length, jobsPassed: ran.filter((j) => j.result === 'Succeeded').length, seconds: Math.round(run.seconds), ok: run.result === 'Succeeded' });
}

const projects = new Map<string, { project: AzureProject; registry: string }>();
function projectOf(example: string) {
  let found = projects.get(example);
  if (!found) {
    found = { project: azureProject(join(EXAMPLES, example), edits[example]), registry: join(mkdtempSync(join(tmpdir(), `mlgen-azure-${example}-mlruns-`)), 'mlruns') };
    // The repository's test setup for DVC: fill the local remote .dvc/config names, so each job's `dvc pull` really pulls.
    if (existsSync(join(found.project.repo, 'scripts/setup-dvc-remote.sh'))) {
      const { venv } = installedVenv(found.project.repo, found.project.plan);
      const filled = runIn(found.project.repo, './scripts/setup-dvc-remote.sh', venv.env);
      if (filled.status !== 0) throw new Error(`scripts/setup-dvc-remote.sh failed:\n${filled.output}`);
    }
    projects.set(example, found);
  }
  return found;
}

const selected = PIPELINES.filter((c) => FULL || DEFAULT.has(`${c.example} ${c.pipeline}`));

describe('examples on the executing Azure simulator (real venvs from the wheelhouse, stand-ins on PATH)', { timeout: SLOW }, () => {
  for (const c of selected) {
    it(`${c.example} ${c.pipeline}: runs exactly selectJobs' jobs and they pass`, async () => {
      const { project, registry } = projectOf(c.example);
      const approvals: string[] = [];
      const run = await runAzureEvent(project, c.event, { secrets, variables: { MLFLOW_TRACKING_URI: `file:${registry}` }, approve: (job) => (approvals.push(job), true), trainPathsChanged: c.trainPathsChanged ?? true });
      record(c.example, c.pipeline, run);
      const expected = selectJobs(project.plan, c.event, c.trainPathsChanged ?? true).filter((id) => !id.endsWith('-rollback'));
      expect(run.planJobsRun, run.log()).toEqual(expected);
      expect(run.jobs.filter((j) => j.result !== 'Succeeded' && j.result !== 'Skipped').map((j) => j.job), run.log()).toEqual([]);
      expect(run.result).toBe('Succeeded');
      // What the jobs did: the model arrived as an artifact, the gate passed, the registry and the stand-ins saw the release.
      if (expected.includes('train')) expect(run.artifacts.files('train'), run.log()).toEqual(expect.arrayContaining(['metrics.json']));
      if (expected.includes('evaluate')) expect(jobRun(run, 'evaluate').contexts[0]!.steps.map((s) => s.output).join('\n')).toMatch(/mlgen gate: passed/);
      if (expected.includes('package') && project.plan.jobs.some((j) => j.kind === 'package' && j.register)) expect(existsSync(join(registry, 'models')) && readdirSync(join(registry, 'models')).length, run.log()).toBeGreaterThan(0);
      if (expected.includes('production')) expect(approvals.length).toBe(1);
      if (c.example === 'fraud-canary' && expected.includes('canary')) {
        const calls = readStandinLog(run.standins.logFile);
        expect(calls.filter((k) => k.tool === 'docker').map((k) => `${k.subcommand}:${k.ok}`)).toEqual(['login:true', 'build:true', 'push:true']);
        expect(calls.filter((k) => k.tool === 'kubectl' && k.argv.includes('weight')).map((k) => k.argv.at(-1))).toEqual(['5', '25', '50']);
      }
    });
  }

  it('negative control: house-prices train without its install step fails with the real ModuleNotFoundError, and evaluate never starts', async () => {
    const { project } = projectOf('house-prices');
    // Only train and evaluate, train without its Install step; the rest of the file as generated.
    const stages = (project.doc.stages as Record<string, any>[]).filter((s) => s.stage === 'train' || s.stage === 'evaluate');
    const train = stages[0]!;
    const doc = { ...project.doc, stages: [{ ...train, dependsOn: [], condition: 'succeeded()', jobs: train.jobs.map((j: Record<string, any>) => ({ ...j, steps: j.steps.filter((s: { displayName?: string }) => s.displayName !== 'Install') })) }, stages[1]] };
    const run = await runAzureEvent({ ...project, doc }, { kind: 'pull-request' });
    expect(jobRun(run, 'train').result, run.log()).toBe('Failed');
    expect(jobRun(run, 'train').contexts[0]!.steps.map((s) => s.output).join('\n')).toMatch(/ModuleNotFoundError: No module named '(pandas|numpy|sklearn|joblib)'/);
    expect(run.stages.evaluate).toBe('Skipped');
  });
});
