/**
 * The GitHub section of platform-review.md, one test per item, named after it: registry
 * login, duplicate runs, caches, approval, and overrides that must not empty the pipeline.
 * Values are expanded by GitHub's evaluator (@actions/expressions, through the harness).
 * MLGEN_FILES_FROM (or MLGEN_GH_FILES_DIR) runs them against older files (see sources.ts).
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { PlanEvent } from '../../../src/plan/index.js';
import { eventRun, expand, workflowDoc, workflows } from '../../support/harness-github.js';
import { fixtureText, generateFor } from '../../support/harness.js';
import { doc, manifestText, sources, steps, workflowJobs } from './sources.js';

type Mapping = Record<string, unknown>;
const uses = (step: Mapping, action: string) => String(step.uses ?? '').startsWith(`${action}@`);

describe('github: a registry login precedes every push', () => {
  it('registry.example.com: docker/login-action with the registry secrets, before the push', () => {
    const { files } = sources('spec-complete');
    const pkg = steps(workflowJobs(files, 'mlgen-ci.yml').package!);
    const login = pkg.findIndex((s) => uses(s, 'docker/login-action'));
    const pushAt = pkg.findIndex((s) => String(s.run ?? '').startsWith('docker push'));
    expect(login).toBeGreaterThanOrEqual(0);
    expect(login).toBeLessThan(pushAt);
    expect(pkg[login]!.with).toEqual({ registry: 'registry.example.com', username: '${{ secrets.REGISTRY_USERNAME }}', password: '${{ secrets.REGISTRY_PASSWORD }}' });
  });

  it('ghcr.io: the workflow token, and packages: write on that job only', () => {
    const text = fixtureText('spec-complete').replace('registry.example.com/acme/house-prices', 'ghcr.io/acme/house-prices');
    const jobs = workflowJobs(generateFor(text, 'github').files, 'mlgen-ci.yml');
    const login = steps(jobs.package!).find((s) => uses(s, 'docker/login-action'))!;
    expect(expand(String((login.with as Mapping).password), { secrets: { GITHUB_TOKEN: 't' } })).toBe('t');
    for (const [id, job] of Object.entries(jobs)) expect(job.permissions, id).toEqual(id === 'package' ? { contents: 'read', packages: 'write' } : undefined);
  });

  it('a manifest login command replaces it and sees its secrets', () => {
    const { files } = sources('fraud-canary');
    const pkg = steps(workflowJobs(files, 'mlgen-ci.yml').package!);
    expect(pkg.some((s) => uses(s, 'docker/login-action'))).toBe(false);
    const login = pkg.find((s) => String(s.run ?? '').includes('docker login'))!;
    expect(Object.keys(login.env as Mapping)).toContain('REGISTRY_PASSWORD');
  });
});

describe("github: a push to a pull request's branch runs once", () => {
  it('the push run and the pull_request run of one branch share a concurrency group that cancels', () => {
    const { plan, files } = sources('spec-complete');
    const concurrency = doc(files, 'mlgen-ci.yml').concurrency as Mapping;
    const valueFor = (event: PlanEvent, edit: (github: Mapping) => void = () => {}) => {
      const run = eventRun(plan, event, { base: 'a', head: 'b' });
      edit(run.github);
      const context = { github: run.github, inputs: run.inputs };
      return [expand(String(concurrency.group), context), expand(String(concurrency['cancel-in-progress']), context)];
    };
    const pr = valueFor({ kind: 'pull-request' });
    expect(valueFor({ kind: 'push', branch: 'feature' })).toEqual(pr);
    expect(pr[1]).toBe('true');
    // A fork's branch of the same name is another group.
    const fork = valueFor({ kind: 'pull-request' }, (g) => (((g.event as Mapping).pull_request as { head: { repo: { full_name: string } } }).head.repo.full_name = 'stranger/project'));
    expect(fork[0]).not.toBe(pr[0]);
  });
});

describe('github: caches', () => {
  const allSteps = (name: string) => workflows(sources(name).files).flatMap((f) => Object.entries(workflowDoc(f).jobs as Record<string, Mapping>).flatMap(([id, job]) => steps(job).map((s) => ({ id, step: s }))));

  it('the DVC cache key follows every dvc.lock and .dvc file, and is never a constant', () => {
    const keys = allSteps('fraud-canary').filter(({ step }) => step.name === 'Cache DVC').map(({ step }) => String((step.with as Mapping).key));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const hash = /hashFiles\(([^)]*)\)/.exec(key)?.[1] ?? '';
      expect(hash).toContain("'**/dvc.lock'");
      expect(hash).toContain("'**/*.dvc'");
      // With no such file hashFiles is empty: the key must still change between runs.
      const noFiles = key.replace(/hashFiles\([^)]*\)/, "''");
      const at = (sha: string) => expand(noFiles, { runner: { os: 'Linux' }, github: { sha } });
      expect(at('one')).not.toBe(at('two'));
    }
  });

  it('setup-python never caches pip (it fails without a requirements file)', () => {
    for (const name of ['spec-complete', 'fraud-canary', 'house-prices', 'churn-propensity']) {
      for (const { id, step } of allSteps(name)) if (uses(step, 'actions/setup-python')) expect((step.with as Mapping).cache, `${name} ${id}`).toBeUndefined();
    }
  });

  it('evaluate restores only the caches it uses (no DVC cache without a data pull)', () => {
    const evaluate = allSteps('fraud-canary').filter(({ id }) => id === 'evaluate').map(({ step }) => step);
    expect(evaluate.some((s) => s.name === 'Cache DVC' || JSON.stringify(s.with ?? {}).includes('.dvc/cache'))).toBe(false);
    for (const { id, step } of allSteps('fraud-canary')) {
      if (!JSON.stringify(step.with ?? {}).includes('.dvc/cache')) continue;
      expect(allSteps('fraud-canary').some((s) => s.id === id && s.step.run === 'dvc pull'), id).toBe(true);
    }
  });

  it('parallel jobs never race to save one cache key', () => {
    const { files } = sources('spec-complete');
    const jobs = workflowJobs(files, 'mlgen-ci.yml');
    // hashFiles is the runner's (the evaluator has none): the same files for every job, so one value stands for it.
    const keyOf = (id: string) =>
      expand(String((steps(jobs[id]!).find((s) => uses(s, 'actions/cache'))!.with as Mapping).key).replace(/hashFiles\([^)]*\)/, "'h'"), { runner: { os: 'Linux' }, github: { sha: 'x' } });
    const parallel = ['check-unit', 'check-lint', 'data-schema', 'data-ranges'];
    expect(new Set(parallel.map(keyOf)).size).toBe(parallel.length);
  });
});

describe('github: approval becomes an environment whose reviewers the file asks for', () => {
  it('the header names the environment, the approvers, the plan it needs and the timeout GitHub applies', () => {
    const text = fixtureText('spec-complete').replace('approval: true ', 'approval: { approvers: [octo-org/risk-team, alice], timeout: 2d }');
    const ci = generateFor(text, 'github').files.find((f) => f.path.endsWith('mlgen-ci.yml'))!;
    const header = ci.content.split('\n').filter((l) => l.startsWith('#')).join('\n');
    expect(workflowJobs([ci], 'mlgen-ci.yml').production!.environment).toEqual({ name: 'production', url: 'https://api.example.com' });
    expect(header).toMatch(/environment "production" has Required reviewers/);
    expect(header).toContain('octo-org/risk-team, alice');
    expect(header).toMatch(/GitHub Enterprise/);
    expect(header).toMatch(/not approved within 30d; the manifest's 2d cannot be set/);
  });

  it('the spec fixture says so too (its approval is `true`)', () => {
    const ci = sources('spec-complete').files.find((f) => f.path.endsWith('mlgen-ci.yml'))!;
    expect(ci.content).toMatch(/^# Approval: job production waits only if environment "production" has Required reviewers/m);
  });
});

describe('github: overrides cannot silently empty the pipeline', () => {
  it.each([
    ['env: null', { env: null }],
    ['env replacing MLGEN_PIPELINE', { env: { MLGEN_PIPELINE: 'oops', EXTRA: '1' } }],
  ])('%s keeps every MLGEN_* variable', (_, github) => {
    const base = stringify({ version: 1, name: 'o', train: { run: 'python train.py' }, pipelines: { retrain: { triggers: [{ mode: 'full', schedule: '0 3 * * *' }] } } });
    const plain = generateFor(base, 'github').files;
    const overridden = generateFor(`${base}overrides:\n  github: ${JSON.stringify(github)}\n`, 'github').files;
    for (const file of workflows(overridden)) {
      const env = workflowDoc(file).env as Mapping;
      const expected = workflowDoc(plain.find((f) => f.path === file.path)!).env as Mapping;
      for (const [name, value] of Object.entries(expected)) expect(env[name], `${file.path} ${name}`).toBe(value);
    }
  });

  it('other variables still merge by name', () => {
    const text = `${manifestText('minimal')}overrides:\n  github: { env: { EXTRA: "1" } }\n`;
    const env = workflowDoc(generateFor(text, 'github').files.find((f) => f.path.endsWith('mlgen-ci.yml'))!).env as Mapping;
    expect(env.EXTRA).toBe('1');
    expect(env.MLGEN_PIPELINE).toBe('ci');
  });
});
