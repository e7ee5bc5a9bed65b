/**
 * The eight rules of platform-review.md, on GitHub: each test is named after its rule and
 * asserts on what GitHub would do, by GitHub's own expression evaluator (@actions/expressions,
 * through the harness's simulation) and by running the generated scripts with bash and git.
 * MLGEN_FILES_FROM (or MLGEN_GH_FILES_DIR) runs them against older files (see sources.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { PlanEvent } from '../../../src/plan/index.js';
import { eventRun, expand, simulate, workflowDoc, workflows } from '../../support/harness-github.js';
import { generateFor } from '../../support/harness.js';
import { doc, history, sources, steps, workflowJobs } from './sources.js';

const run = promisify(execFile);
type Mapping = Record<string, unknown>;
const push = (branch: string): PlanEvent => ({ kind: 'push', branch });

describe('rule 1: a job that runs a manifest command has the project installed', () => {
  it.each(['spec-complete', 'fraud-canary'])('%s: every command step comes after install, in every job', (name) => {
    const { plan, files } = sources(name);
    const commands = new Set(plan.jobs.flatMap((j) => [...j.steps, ...(j.canary?.phases.flatMap((p) => p.steps) ?? [])]).flatMap((s) => (s.type === 'shell' && s.role !== 'install' && !s.own ? [s.run] : [])));
    for (const file of workflows(files)) {
      for (const [id, job] of Object.entries(workflowDoc(file).jobs as Record<string, Mapping>)) {
        const runs = steps(job).map((s) => String(s.run ?? ''));
        const install = runs.findIndex((r) => r.startsWith('pip install'));
        for (const [i, script] of runs.entries()) {
          if (!commands.has(script)) continue;
          expect(install, `${file.path} ${id}: "${script}" without install`).toBeGreaterThanOrEqual(0);
          expect(install, `${file.path} ${id}: "${script}" before install`).toBeLessThan(i);
        }
      }
    }
  });

  it('the virtualenv step puts its bin first on PATH for later steps (run with bash and python3)', async () => {
    const { files } = sources('spec-complete');
    const step = steps(workflowJobs(files, 'mlgen-ci.yml').evaluate!).find((s) => s.name === 'Create the virtualenv');
    expect(step).toBeDefined();
    const workspace = mkdtempSync(join(tmpdir(), 'mlgen-gh-venv-'));
    const [path, env] = [join(workspace, 'path'), join(workspace, 'env')];
    writeFileSync(path, '');
    writeFileSync(env, '');
    await run('bash', ['-e', '-c', String(step!.run)], { cwd: workspace, env: { PATH: process.env.PATH ?? '', GITHUB_WORKSPACE: workspace, GITHUB_PATH: path, GITHUB_ENV: env } });
    expect(readFileSync(path, 'utf8').trim()).toBe(`${workspace}/.venv/bin`);
    expect(readFileSync(env, 'utf8').trim()).toBe(`VIRTUAL_ENV=${workspace}/.venv`);
    await run(`${workspace}/.venv/bin/python`, ['-c', 'import sys; assert sys.prefix != sys.base_prefix']);
  }, 900_000);
});

describe('rule 2: a job runs where its tools are', () => {
  it('a GPU training container gets the GPUs', () => {
    const text = stringify({ version: 1, name: 'gpu', defaults: { image: 'pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime' }, train: { run: 'python train.py', gpu: true, runner: ['self-hosted', 'gpu'] } });
    const train = workflowJobs(generateFor(text, 'github').files, 'mlgen-ci.yml').train!;
    expect(train.container).toEqual({ image: 'pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime', options: '--gpus all' });
  });

  it('a container job that pulls DVC data installs git before its checkout, which fetches history', () => {
    const { files } = sources('fraud-canary');
    for (const id of ['data-schema', 'train']) {
      const names = steps(workflowJobs(files, 'mlgen-ci.yml')[id]!).map((s) => s.name);
      const job = workflowJobs(files, 'mlgen-ci.yml')[id]!;
      if (job.container === undefined) continue; // on the host git is there
      expect(names.indexOf('Install git'), id).toBeGreaterThanOrEqual(0);
      expect(names.indexOf('Install git')).toBeLessThan(names.indexOf('Check out'));
    }
    const { files: spec } = sources('spec-complete');
    const job = workflowJobs(spec, 'mlgen-ci.yml')['data-schema']!;
    expect(job.container).toBeDefined();
    expect(steps(job).map((s) => s.name).slice(0, 2)).toEqual(['Install git', 'Check out']);
    expect((steps(job)[1]!.with as Mapping)['fetch-depth']).toBe(0);
  });

  it('the git step does nothing where git exists, and fails clearly where it cannot be installed', async () => {
    const job = workflowJobs(sources('spec-complete').files, 'mlgen-ci.yml')['data-schema']!;
    const script = String(steps(job).find((s) => s.name === 'Install git')!.run);
    await run('bash', ['-e', '-c', script], { env: { PATH: process.env.PATH ?? '' } });
    const empty = mkdtempSync(join(tmpdir(), 'mlgen-gh-nogit-'));
    const failed = await run('/bin/bash', ['-e', '-c', script], { env: { PATH: empty } }).then(() => undefined, (e: { code: number; stdout: string }) => e);
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toMatch(/::error::this job needs git/);
  });

  it('docker build runs on the runner (its Docker), not in the job image', () => {
    const pkg = workflowJobs(sources('spec-complete').files, 'mlgen-ci.yml').package!;
    expect(pkg.container).toBeUndefined();
  });
});

describe("rule 3: every consumer of training's artifacts receives them", () => {
  it.each(['spec-complete', 'fraud-canary'])('%s: every job after training downloads them', (name) => {
    const { files } = sources(name);
    const jobs = workflowJobs(files, 'mlgen-ci.yml');
    const after = Object.keys(jobs).filter((id) => /^(evaluate|package|staging|canary-\d+|canary-rollback|production)$/.test(id));
    expect(after.length).toBeGreaterThan(4);
    for (const id of after) {
      const download = steps(jobs[id]!).find((s) => String(s.uses ?? '').startsWith('actions/download-artifact@'));
      expect((download?.with as Mapping | undefined)?.name, id).toBe('train');
    }
  });
});

describe('rule 5: "train.paths changed" is the contract\'s rule', () => {
  type Repo = Awaited<ReturnType<typeof history>>;
  const decide = async (event: PlanEvent, commits: string[][], edit: (r: ReturnType<typeof eventRun>, repo: Repo) => void = () => {}) => {
    const { plan, files } = sources('spec-complete');
    const repo = await history(commits);
    const r = eventRun(plan, event, repo);
    edit(r, repo);
    return (await simulate(doc(files, 'mlgen-ci.yml'), r, repo.dir)).get('changes')!.outputs.train;
  };

  it('a three-commit push to the release branch whose first commit alone touches train.paths trains', async () => {
    expect(await decide(push('main'), [['src/model.py'], ['README.md'], ['docs/x.md']])).toBe('true');
  });

  it('a second push to a branch trains when an earlier push of the branch touched train.paths', async () => {
    // The branch's previous push (before) is after the src change: only the merge base sees it.
    expect(await decide(push('feature'), [['src/model.py'], ['docs/x.md']], (r, repo) => ((r.github.event as Mapping).before = repo.shas[0]))).toBe('true');
  });

  it('a docs-only first push of a new branch does not train', async () => {
    expect(await decide(push('feature'), [['docs/x.md']], (r) => ((r.github.event as Mapping).before = '0'.repeat(40)))).toBe('false');
  });

  it('a pull request whose earlier commit touched train.paths trains', async () => {
    expect(await decide({ kind: 'pull-request' }, [['src/model.py'], ['docs/x.md']])).toBe('true');
  });
});

describe('rule 6: one lock for the deploy chain, across workflows', () => {
  const lockOf = async (file: string, event: PlanEvent) => {
    const { plan, files } = sources('spec-complete');
    const concurrency = doc(files, file).concurrency as Mapping | undefined;
    const r = eventRun(plan, event, { base: 'a', head: 'b' });
    const context = { github: r.github, inputs: r.inputs };
    return concurrency && { group: expand(String(concurrency.group), context), cancel: expand(String(concurrency['cancel-in-progress']), context) };
  };

  it('a release run of ci and a deploying retrain hold the same workflow-level group, never cancelled', async () => {
    const ci = await lockOf('mlgen-ci.yml', push('main'));
    const retrain = await lockOf('mlgen-retrain.yml', { kind: 'schedule', schedule: 'retrain-incremental' });
    expect(ci).toEqual({ group: 'house-prices-deploy', cancel: 'false' });
    expect(retrain).toEqual(ci);
    expect(await lockOf('mlgen-ci.yml', { kind: 'manual', pipeline: 'ci', mode: 'full' })).toEqual(ci);
  });

  it('no deploy job holds a group of its own (a newer pending job would cancel an older one)', () => {
    const { files } = sources('spec-complete');
    for (const file of ['mlgen-ci.yml', 'mlgen-retrain.yml']) for (const [id, job] of Object.entries(workflowJobs(files, file))) expect(job.concurrency, `${file} ${id}`).toBeUndefined();
  });

  it('runs off the release branch never take the lock', async () => {
    for (const event of [push('feature'), { kind: 'pull-request' } as const]) expect((await lockOf('mlgen-ci.yml', event))!.group).not.toBe('house-prices-deploy');
  });
});

describe('rule 7: a timeout, a cancel or a failure rolls the canary back and notifies', () => {
  const ran = async (outcomes: Parameters<typeof simulate>[4], fail: string[] = []) => {
    const { plan, files } = sources('spec-complete');
    const repo = await history([['src/model.py']]);
    const states = await simulate(doc(files, 'mlgen-ci.yml'), eventRun(plan, push('main'), repo), repo.dir, new Set(fail), outcomes);
    return [...states].filter(([, s]) => s.result !== 'skipped').map(([id]) => id);
  };

  it('a timed-out canary phase (reported cancelled) rolls back and notifies', async () => {
    for (const phase of ['canary-10', 'canary-50']) expect(await ran({ cancelled: new Set([phase]) })).toEqual(expect.arrayContaining(['canary-rollback', 'notify']));
  });

  it('a failed phase rolls back; a timed-out job before the canary rolls nothing back but notifies', async () => {
    expect(await ran({}, ['canary-50'])).toEqual(expect.arrayContaining(['canary-rollback', 'notify']));
    const before = await ran({ cancelled: new Set(['staging']) });
    expect(before).toContain('notify');
    expect(before).not.toContain('canary-rollback');
  });

  it('a cancelled run notifies', async () => {
    expect(await ran({ runCancelled: true })).toContain('notify');
  });
});

describe('rule 8: secrets reach only their steps; fork code gets no secrets and no self-hosted runner', () => {
  it('install steps see no secrets', () => {
    const { files } = sources('spec-complete');
    for (const [id, job] of Object.entries(workflowJobs(files, 'mlgen-ci.yml'))) {
      for (const step of steps(job)) if (String(step.run ?? '').startsWith('pip install')) expect(step.env, `${id} ${String(step.name)}`).toBeUndefined();
    }
  });

  it('a secret for deploy reaches only deploy steps, and data secrets only the data pull', () => {
    const text = stringify({
      version: 1,
      name: 'scoped',
      data: { pull: 'dvc pull', tests: [{ name: 'schema', run: 'pytest tests/data' }] },
      checks: [{ name: 'unit', run: 'pytest' }],
      train: { run: 'python train.py' },
      deploy: { staging: { run: './deploy.sh' } },
      secrets: [{ name: 'DEPLOY_TOKEN', to: ['deploy'] }, { name: 'DATA_KEY', to: ['data'] }],
    });
    const jobs = workflowJobs(generateFor(text, 'github').files, 'mlgen-ci.yml');
    const seen = (secret: string) => Object.entries(jobs).flatMap(([id, job]) => steps(job).flatMap((s) => (secret in ((s.env ?? {}) as Mapping) ? [`${id}:${String(s.name)}`] : [])));
    expect(seen('DEPLOY_TOKEN')).toEqual(['staging:Deploy']);
    // A data test is the data section's too.
    expect(seen('DATA_KEY')).toEqual(['data-schema:Pull data', 'data-schema:Run', 'train:Pull data']);
  });

  it('a fork pull request runs nothing on a self-hosted runner; the same pull request from a branch does', async () => {
    const { plan, files } = sources('spec-complete');
    const repo = await history([['src/model.py']]);
    const forkRun = eventRun(plan, { kind: 'pull-request' }, repo);
    const pr = (forkRun.github.event as Mapping).pull_request as { head: { repo: { full_name: string } } };
    pr.head.repo.full_name = 'stranger/project';
    const ci = doc(files, 'mlgen-ci.yml');
    const jobs = ci.jobs as Record<string, Mapping>;
    const fork = await simulate(ci, forkRun, repo.dir);
    for (const [id, state] of fork) if (JSON.stringify(jobs[id]!['runs-on']).includes('self-hosted')) expect(state.result, id).toBe('skipped');
    expect(fork.get('check-unit')!.result).toBe('success');
    expect((await simulate(ci, eventRun(plan, { kind: 'pull-request' }, repo), repo.dir)).get('train')!.result).toBe('success');
  });

  it('with self-hosted defaults, a fork pull request starts nothing at all, helpers included', async () => {
    const text = stringify({
      version: 1,
      name: 'onprem',
      defaults: { runner: ['self-hosted', 'linux'] },
      checks: [{ name: 'unit', run: 'pytest' }],
      train: { run: 'python train.py', paths: ['src/**'] },
      notify: { failure: './notify.sh' },
    });
    const { plan, files } = generateFor(text, 'github');
    const repo = await history([['src/model.py']]);
    const ci = doc(files, 'mlgen-ci.yml');
    const forkRun = eventRun(plan, { kind: 'pull-request' }, repo);
    (((forkRun.github.event as Mapping).pull_request as Mapping).head as { repo: { full_name: string } }).repo.full_name = 'stranger/project';
    const fork = await simulate(ci, forkRun, repo.dir, new Set(), { runCancelled: true });
    expect([...fork.values()].every((s) => s.result === 'skipped')).toBe(true);
    const own = await simulate(ci, eventRun(plan, { kind: 'pull-request' }, repo), repo.dir, new Set(['check-unit']));
    expect(own.get('notify')!.result).toBe('success');
  });

  it('OIDC id-token: write is granted to no whole workflow', () => {
    for (const name of ['fraud-canary', 'spec-complete']) for (const file of workflows(sources(name).files)) expect(JSON.stringify(workflowDoc(file).permissions), `${name} ${file.path}`).not.toContain('id-token');
  });
});

describe('rule 8 (release): nothing on the release branch is cancelled by a newer run', () => {
  it('cancel-in-progress is false for release runs and true elsewhere', async () => {
    const { plan, files } = sources('spec-complete');
    const concurrency = doc(files, 'mlgen-ci.yml').concurrency as Mapping;
    const cancel = (event: PlanEvent) => {
      const r = eventRun(plan, event, { base: 'a', head: 'b' });
      return expand(String(concurrency['cancel-in-progress']), { github: r.github, inputs: r.inputs });
    };
    expect(cancel(push('main'))).toBe('false');
    expect(cancel({ kind: 'manual', pipeline: 'ci', mode: 'full' })).toBe('false');
    expect(cancel(push('feature'))).toBe('true');
    expect(cancel({ kind: 'pull-request' })).toBe('true');
  });
});
