/**
 * house-prices under act beyond its pull requests (./act.test.ts): a push to another branch,
 * and negative controls, each on a manifest edited the way a team could get it wrong, its
 * workflow generated and run for real (jobs on this host, venvs installed from the wheelhouse):
 *
 * - train's install replaced by `true` (a section's own install): train fails with Python's
 *   real ModuleNotFoundError and evaluate never starts;
 * - train.artifacts without metrics.json: the contract still hands it to evaluate.
 *
 * CI runs the install control (act.test.ts runs house-prices' pull requests); MLGEN_MATRIX=full
 * adds the push to another branch, the release push (house-prices releases nothing: the ci jobs
 * again), a manual ci run and the metrics.json control.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobOf } from './act.js';
import { actProject, artifactEntries, describePipeline, FULL_MATRIX, removeProject, runPipeline, type ActProject, type PipelineRun } from './example-act.js';

const touchTraining = (project: ActProject, branch: string) =>
  project.repo.commitOn(branch, 'Comment the training script', { 'src/train.py': `${project.repo.git('show', 'HEAD:src/train.py')}\n# Tuned.\n` });

describe('house-prices under act with stand-in actions: pushes and negative controls', () => {
  const projects: ActProject[] = [];
  const runs = new Map<string, PipelineRun>();
  const runOf = (name: string): PipelineRun => {
    const found = runs.get(name);
    if (!found) throw new Error(`no act run ${name}`);
    return found;
  };

  beforeAll(async () => {
    if (FULL_MATRIX) {
      const asCommitted = actProject('house-prices');
      projects.push(asCommitted);
      touchTraining(asCommitted, 'tune');
      runs.set('push:other', await runPipeline(asCommitted, 'push:other', asCommitted.repo.push({ branch: 'tune' }), { kind: 'push', branch: 'tune' }));
      asCommitted.repo.git('checkout', '--quiet', asCommitted.repo.defaultBranch);
      touchTraining(asCommitted, asCommitted.repo.defaultBranch);
      runs.set('push:release', await runPipeline(asCommitted, 'push:release', asCommitted.repo.push(), { kind: 'push', branch: asCommitted.plan.releaseBranch }));
      runs.set('manual:ci', await runPipeline(asCommitted, 'manual:ci', asCommitted.repo.workflowDispatch(), { kind: 'manual', pipeline: 'ci', mode: 'full' }));
    }

    const noInstall = actProject('house-prices', (m) => m.replace(/^train:\n/m, 'train:\n  install: "true"             # negative control: installs nothing\n'));
    projects.push(noInstall);
    touchTraining(noInstall, 'tune');
    runs.set('no-install', await runPipeline(noInstall, 'pr', noInstall.repo.pullRequest({ head: 'tune' }), { kind: 'pull-request' }, { record: false }));

    if (FULL_MATRIX) {
      const noMetrics = actProject('house-prices', (m) => m.replace(/^  artifacts: \[model\/, metrics\.json\]/m, '  artifacts: [model/]'));
      projects.push(noMetrics);
      touchTraining(noMetrics, 'tune');
      runs.set('no-metrics-artifact', await runPipeline(noMetrics, 'pr', noMetrics.repo.pullRequest({ head: 'tune' }), { kind: 'pull-request' }, { record: false }));
    }
  }, 3_600_000);

  afterAll(() => {
    for (const project of projects) removeProject(project);
  });

  it.runIf(FULL_MATRIX)('runs exactly the plan’s selectJobs for a push to another branch, the release push and a manual run, all passing', () => {
    for (const name of ['push:other', 'push:release', 'manual:ci']) {
      const run = runOf(name);
      expect(run.ran, describePipeline(run)).toEqual(run.expected);
      expect(run.passed, describePipeline(run)).toEqual(run.expected);
      expect(run.run.exitCode, describePipeline(run)).toBe(0);
    }
    expect(artifactEntries(runOf('push:other').run, 'train')).toEqual(['metrics.json', 'model/model.joblib', 'model/model.json']);
    expect(jobOf(runOf('push:other').run, 'evaluate').output).toContain('mlgen gate: passed');
  });

  it('negative control: train with install `true` fails with the real ModuleNotFoundError, and evaluate never starts', () => {
    const run = runOf('no-install');
    const train = jobOf(run.run, 'train');
    expect(train.result, describePipeline(run)).toBe('failure');
    const step = train.steps.find((s) => s.name === 'Train');
    expect(step?.result).toBe('failure');
    expect(step?.output).toMatch(/ModuleNotFoundError: No module named '(joblib|numpy|sklearn|pandas)'/);
    expect(jobOf(run.run, 'evaluate').result).toBe('skipped');
    // The other jobs kept their install and passed.
    expect(run.passed).toEqual(run.expected.filter((id) => id !== 'train' && id !== 'evaluate'));
    expect(run.run.exitCode).not.toBe(0);
  });

  // The contract hands evaluate.metrics to evaluate whether or not train.artifacts lists it, so
  // a manifest cannot drop it; the missing-artifact control on act is act-events.test.ts'
  // "downloading an artifact nobody uploaded fails the job".
  it.runIf(FULL_MATRIX)('train.artifacts without metrics.json still hands metrics.json to evaluate (the contract adds evaluate.metrics), and the gate passes', () => {
    const run = runOf('no-metrics-artifact');
    expect(jobOf(run.run, 'train').result, describePipeline(run)).toBe('success');
    expect(artifactEntries(run.run, 'train')).toContain('metrics.json');
    expect(jobOf(run.run, 'evaluate').result, describePipeline(run)).toBe('success');
  });
});
