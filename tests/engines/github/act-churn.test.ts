/**
 * churn-propensity's three generated workflows (ci, predict, retrain) run for real under act
 * with the stand-in actions (./actions/), every job on this host installing its venv from the
 * wheelhouse, one MLflow file store shared by the runs in order: the release push registers v1
 * and makes it @production, the predict schedule scores with it, the retrains warm-start from
 * it and register their own versions.
 *
 * Approval: `deploy.production.approval` is a GitHub environment (`environment: production`)
 * whose required reviewers GitHub waits for. act has no environments' protection rules: it
 * runs the job at once. The tests say so in their names; nothing here pretends a reviewer.
 *
 * Default (CI) subset: release push, predict schedule, the incremental retrain schedule, the
 * drift event and a manual predict run; MLGEN_MATRIX=full adds the PR, a push to another
 * branch, the full retrain schedule, manual retrains in every mode and a manual ci run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanEvent } from '../../../src/plan/index.js';
import { jobOf } from './act.js';
import { actProject, artifactEntries, describePipeline, FULL_MATRIX, registeredVersions, removeProject, runPipeline, type ActProject, type PipelineRun } from './example-act.js';

const MODEL = 'churn-propensity';

describe('churn-propensity under act with stand-in actions: every pipeline, jobs on the host, real installs', () => {
  let project: ActProject;
  const runs = new Map<string, PipelineRun>();
  const runOf = (pipeline: string): PipelineRun => {
    const found = runs.get(pipeline);
    if (!found) throw new Error(`no act run for ${pipeline} (have: ${[...runs.keys()].join(', ')})`);
    return found;
  };
  /** Registered versions after each run, in order, so a test can see what each run added. */
  const versionsAfter = new Map<string, ReturnType<typeof registeredVersions>>();

  beforeAll(async () => {
    project = actProject('churn-propensity');
    const repo = project.repo;
    const train = 'src/train.py';
    const run = async (pipeline: string, event: Parameters<typeof runPipeline>[2], planEvent: PlanEvent, workflow?: string) => {
      runs.set(pipeline, await runPipeline(project, pipeline, event, planEvent, { workflow }));
      versionsAfter.set(pipeline, registeredVersions(project.registry, MODEL));
    };
    const cron = (id: string) => project.plan.schedules.find((s) => s.id === id)?.cron ?? `no schedule ${id}`;
    if (FULL_MATRIX) {
      repo.commitOn('tune', 'Comment the training script', { [train]: `${repo.git('show', `HEAD:${train}`)}\n# Tuned.\n` });
      await run('pr', repo.pullRequest({ head: 'tune' }), { kind: 'pull-request' });
      await run('push:other', repo.push({ branch: 'tune' }), { kind: 'push', branch: 'tune' });
      repo.git('checkout', '--quiet', repo.defaultBranch);
    }
    // A release commit touching train.paths, pushed to main: through production.
    repo.commitOn(repo.defaultBranch, 'Release: retune', { 'params.yaml': `${repo.git('show', 'HEAD:params.yaml')}\n# release\n` });
    await run('push:release', repo.push(), { kind: 'push', branch: project.plan.releaseBranch });
    await run('schedule:predict', repo.schedule(cron('predict')), { kind: 'schedule', schedule: 'predict' }, 'mlgen-predict.yml');
    await run('retrain:incremental', repo.schedule(cron('retrain-incremental')), { kind: 'schedule', schedule: 'retrain-incremental' }, 'mlgen-retrain.yml');
    if (FULL_MATRIX) await run('retrain:full', repo.schedule(cron('retrain-full')), { kind: 'schedule', schedule: 'retrain-full' }, 'mlgen-retrain.yml');
    await run('event:drift', repo.repositoryDispatch('drift-detected'), { kind: 'external', event: 'drift-detected' }, 'mlgen-retrain.yml');
    await run('manual:predict', repo.workflowDispatch({ inputs: { model_version: 'latest' } }), { kind: 'manual', pipeline: 'predict', mode: 'full' }, 'mlgen-predict.yml');
    if (FULL_MATRIX) {
      for (const mode of ['full', 'incremental', 'drift'] as const) {
        await run(`manual:retrain:${mode}`, repo.workflowDispatch({ inputs: { mode } }), { kind: 'manual', pipeline: 'retrain', mode }, 'mlgen-retrain.yml');
      }
      await run('manual:ci', repo.workflowDispatch(), { kind: 'manual', pipeline: 'ci', mode: 'full' }, 'mlgen-ci.yml');
    }
  }, 3_600_000);

  afterAll(() => removeProject(project));

  it('runs exactly the plan’s selectJobs for every event, and every job passes', () => {
    expect(runs.size).toBeGreaterThanOrEqual(5);
    for (const run of runs.values()) {
      expect(run.ran, describePipeline(run)).toEqual(run.expected);
      expect(run.passed, describePipeline(run)).toEqual(run.expected);
      expect(run.run.exitCode, describePipeline(run)).toBe(0);
    }
  });

  it('release push: train hands model/ and metrics.json to evaluate through act artifact server, and the gate passes', () => {
    const release = runOf('push:release');
    expect(artifactEntries(release.run, 'train')).toEqual(expect.arrayContaining(['metrics.json', 'model/model.joblib']));
    const gate = jobOf(release.run, 'evaluate').steps.find((s) => s.name === 'Check metric gates');
    expect(gate?.result, describePipeline(release)).toBe('success');
    expect(gate?.output).toContain('mlgen gate: passed');
  });

  it('release push: registers v1 in the MLflow file store, staging then production point at it (act does not wait for the production environment’s approval: it runs the job at once)', () => {
    expect(versionsAfter.get('push:release')).toEqual({ versions: [1], aliases: { staging: 1, production: 1 } });
    const release = runOf('push:release');
    expect(jobOf(release.run, 'production').output).toContain('is now @production');
  });

  it('predict schedule: scores with the @production model the release registered, and writes predictions', () => {
    const predict = jobOf(runOf('schedule:predict').run, 'predict');
    expect(predict.result).toBe('success');
    expect(predict.output).toMatch(/scored \d+ customers with models:\/churn-propensity@production -> predictions\//);
  });

  it('each retrain registers a new version in its own mode; incremental warm-starts from @production', () => {
    const order = [...versionsAfter.keys()];
    const retrains = order.filter((p) => p.startsWith('retrain:') || p === 'event:drift' || p.startsWith('manual:retrain:'));
    let previous = versionsAfter.get(order[order.indexOf(retrains[0] ?? '') - 1] ?? '')?.versions.length ?? 0;
    for (const pipeline of retrains) {
      const now = versionsAfter.get(pipeline)?.versions.length ?? 0;
      expect(now, `${pipeline} registers one version`).toBe(previous + 1);
      previous = now;
      const mode = pipeline === 'event:drift' ? 'drift' : pipeline.split(':').at(-1);
      expect(jobOf(runOf(pipeline).run, 'train').output, describePipeline(runOf(pipeline))).toContain(`mode=${mode} `);
    }
    expect(jobOf(runOf('retrain:incremental').run, 'train').output).not.toContain('no production model yet');
  });

  it('retrains deploy through production too (act runs the approval-gated production job without waiting)', () => {
    for (const pipeline of ['retrain:incremental', 'event:drift']) {
      const aliases = versionsAfter.get(pipeline)?.aliases;
      const latest = versionsAfter.get(pipeline)?.versions.at(-1);
      expect(aliases, pipeline).toEqual({ staging: latest, production: latest });
    }
  });

  it('a manual predict run (workflow_dispatch with model_version) runs only predict', () => {
    expect(runOf('manual:predict').ran).toEqual(['predict']);
  });
});

describe('churn-propensity under act, negative control: an impossible gate', () => {
  let project: ActProject;
  let run: PipelineRun;

  beforeAll(async () => {
    project = actProject('churn-propensity', (m) => m.replace('{ metric: top_decile_lift, min: 2.5 }', '{ metric: top_decile_lift, min: 1000 }'));
    const repo = project.repo;
    repo.commitOn(repo.defaultBranch, 'Release: retune', { 'params.yaml': `${repo.git('show', 'HEAD:params.yaml')}\n# release\n` });
    run = await runPipeline(project, 'push:release', repo.push(), { kind: 'push', branch: project.plan.releaseBranch }, { record: false });
  }, 3_600_000);

  afterAll(() => removeProject(project));

  it('fails evaluate on the release push naming the metric; package, staging and production never start, nothing is registered, notify starts', () => {
    const evaluate = jobOf(run.run, 'evaluate');
    expect(evaluate.result, describePipeline(run)).toBe('failure');
    expect(evaluate.steps.find((s) => s.name === 'Check metric gates')?.output).toMatch(/top_decile_lift/);
    for (const id of ['package', 'staging', 'production']) {
      expect(jobOf(run.run, id).result, id).toBe('skipped');
      expect(jobOf(run.run, id).steps).toEqual([]);
    }
    expect(registeredVersions(project.registry, MODEL)).toEqual({ versions: [], aliases: {} });
    // notify runs on failure; it posts to chat.example.com, which resolves nowhere (on GitHub neither), so it fails reaching it.
    const notify = jobOf(run.run, 'notify');
    expect(notify.result, describePipeline(run)).not.toBe('skipped');
    expect(notify.steps.find((s) => s.name === 'Notify')?.output).toMatch(/URLError|Name or service not known|chat\.example\.com/);
    expect(run.passed).toEqual(run.expected.filter((id) => !['evaluate', 'package', 'staging', 'production'].includes(id)));
    expect(run.run.exitCode).not.toBe(0);
  });
});
