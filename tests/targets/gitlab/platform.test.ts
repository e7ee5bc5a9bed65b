/**
 * The rules of platform-review.md, as GitLab decides them: gitlab-ci-local evaluates the rules
 * (job selection, `rules:if` with `interruptible`), and runs jobs under its shell executor
 * (artifacts handed over by `needs`, the virtualenv on PATH, the registry login).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { GeneratedFile } from '../../../src/files/index.js';
import { selectJobs, type Plan, type PlanEvent } from '../../../src/plan/index.js';
import { fixtureText, generateFor } from '../../support/harness.js';
import { createRepository, eventArgs, gitlabCiLocal, listJobs, planIdsOf, removeTemporaryDirectories } from '../../support/harness-gitlab.js';

afterAll(removeTemporaryDirectories);

const GLOBAL_KEYS = new Set(['workflow', 'variables', 'stages', 'default']);
type Rule = Record<string, unknown>;

/** The generated file with each job's rules rewritten so that a job is listed iff its first matching rule is interruptible. */
function interruptibleProbe(files: GeneratedFile[]): GeneratedFile[] {
  return files.map((file) => {
    if (file.path !== '.gitlab-ci.yml') return file;
    const doc = parse(file.content, { version: '1.1' }) as Record<string, Record<string, unknown>>;
    for (const [name, job] of Object.entries(doc)) {
      if (GLOBAL_KEYS.has(name) || !Array.isArray(job.rules)) continue;
      job.rules = (job.rules as Rule[]).map(({ interruptible, when: _when, start_in: _start, ...rule }) => ({ ...rule, when: interruptible === true ? 'on_success' : 'never' }));
      delete job.needs;
    }
    return { ...file, content: stringify(doc) };
  });
}

function withoutServices(files: GeneratedFile[]): GeneratedFile[] {
  return files.map((file) => {
    if (file.path !== '.gitlab-ci.yml') return file;
    const doc = parse(file.content, { version: '1.1' }) as Record<string, Record<string, unknown>>;
    for (const job of Object.values(doc)) delete job.services;
    return { ...file, content: stringify(doc) };
  });
}

async function selected(files: GeneratedFile[], plan: Plan, event: PlanEvent, extra: string[] = [], changed = true): Promise<string[]> {
  const dir = await createRepository(files, plan, changed);
  return listJobs(dir, [...eventArgs(plan, event), ...extra]);
}

// gitlab-ci-local calls queue behind the harness's limit of three: waiting counts against a test's time.
describe.concurrent('gitlab: platform rules', { timeout: 900_000 }, () => {
  it('rule 8: nothing on the release branch is interruptible; merge requests and other branches are', async ({ expect }) => {
    const { plan, files } = generateFor(fixtureText('spec-complete'), 'gitlab');
    const probe = interruptibleProbe(files);
    const [release, mr, feature, retrain] = await Promise.all([
      selected(probe, plan, { kind: 'push', branch: 'main' }),
      selected(probe, plan, { kind: 'pull-request' }),
      selected(probe, plan, { kind: 'push', branch: 'feature' }),
      selected(probe, plan, { kind: 'schedule', schedule: 'retrain-full' }),
    ]);
    expect(release).toEqual([]);
    expect(retrain).toEqual([]);
    expect(mr).toEqual(['check-unit', 'check-lint', 'data-schema', 'data-ranges', 'train', 'evaluate']);
    expect(feature).toEqual(mr);
  });

  it('rule 4 and 1: evaluate, package and staging receive the model and metrics, each in the workspace virtualenv', async ({ expect }) => {
    const text = `version: 1
name: artifacts-run
defaults:
  install:
    - python -c "import sys; sys.exit(sys.prefix == sys.base_prefix)"
  cache: []
train:
  run: |
    mkdir -p model && echo weights > model/weights.txt && echo '{"acc": 0.9}' > metrics.json
  artifacts: [model/]
evaluate:
  metrics: metrics.json
  gates: [{ metric: acc, min: 0.5 }]
package:
  register: test -f model/weights.txt && test -f metrics.json && echo "package has the model"
deploy:
  staging: { run: test -f model/weights.txt && test -f metrics.json && echo "staging has the model" }
`;
    const { plan, files } = generateFor(text, 'gitlab');
    const dir = await createRepository(files, plan, true);
    const result = await gitlabCiLocal(dir, ['--force-shell-executor', '--shell-isolation', ...eventArgs(plan, { kind: 'push', branch: 'main' })], 600_000);
    const log = result.stdout + result.stderr;
    expect(log, log).toMatch(/package has the model/);
    expect(log).toMatch(/staging has the model/);
    expect(log).toMatch(/PASS\s+evaluate/);
    expect(result.code).toBe(0);
  });

  it('rule 2: package logs in before it builds and pushes; the project registry with the job credentials, another with the plan-named REGISTRY_USERNAME/REGISTRY_PASSWORD', async ({ expect }) => {
    const text = 'version: 1\nname: login-run\ndefaults: { install: "true", cache: [] }\ntrain: { run: "true" }\npackage: { image: registry.example.com/acme/model }\n';
    const { plan, files: generated } = generateFor(text, 'gitlab');
    const doc = parse(generated.find((f) => f.path === '.gitlab-ci.yml')!.content, { version: '1.1' }) as Record<string, Record<string, unknown>>;
    expect(doc.package).toMatchObject({ image: 'docker:27.5.1-cli', services: [{ name: 'docker:27.5.1-dind', alias: 'docker' }], variables: { DOCKER_HOST: 'tcp://docker:2376' } });
    // No Docker here: the run drops the dind service, and a stand-in docker first on PATH (the virtualenv's bin) records what the job asks of it.
    const fake = '#!/bin/sh\nif [ "$1" = login ]; then echo "docker $* with $(cat)"; else echo "docker $1"; fi\n';
    const run = async (variables: string[]) => {
      const dir = await createRepository(withoutServices(generated), plan, true);
      mkdirSync(join(dir, '.venv/bin'), { recursive: true });
      writeFileSync(join(dir, '.venv/bin/docker'), fake);
      chmodSync(join(dir, '.venv/bin/docker'), 0o755);
      // gitlab-ci-local copies the tracked files into the job's directory.
      execFileSync('git', ['add', '-A'], { cwd: dir });
      execFileSync('git', ['commit', '-q', '-m', 'a stand-in docker'], { cwd: dir });
      const args = [...eventArgs(plan, { kind: 'push', branch: 'main' }), ...variables.flatMap((v) => ['--variable', v])];
      const result = await gitlabCiLocal(dir, ['--force-shell-executor', '--shell-isolation', 'package', ...args], 900_000);
      return { code: result.code, log: result.stdout + result.stderr };
    };
    const [own, other, missing] = await Promise.all([
      run(['CI_REGISTRY=registry.example.com', 'CI_REGISTRY_USER=gitlab-ci-token', 'CI_REGISTRY_PASSWORD=job-token-1']),
      run(['CI_REGISTRY=registry.gitlab.com', 'REGISTRY_USERNAME=robot', 'REGISTRY_PASSWORD=secret-2']),
      run(['CI_REGISTRY=registry.gitlab.com']),
    ]);
    expect(own.log, own.log).toMatch(/docker login --username gitlab-ci-token --password-stdin registry\.example\.com with job-token-1[\s\S]*docker build[\s\S]*docker push/);
    expect(other.log, other.log).toMatch(/docker login --username robot --password-stdin registry\.example\.com with secret-2[\s\S]*docker build[\s\S]*docker push/);
    expect(missing.log).toMatch(/set the CI\/CD variables REGISTRY_USERNAME and REGISTRY_PASSWORD/);
    expect(missing.log).not.toMatch(/docker push/);
    expect(missing.code).not.toBe(0);
  });

  it('rule 5: every deploy job of a release push and of a retrain holds the one deploy lock', async ({ expect }) => {
    const { plan, files } = generateFor(fixtureText('spec-complete'), 'gitlab');
    const doc = parse(files.find((f) => f.path === '.gitlab-ci.yml')!.content, { version: '1.1' }) as Record<string, Record<string, unknown>>;
    const [release, retrain] = await Promise.all([selected(files, plan, { kind: 'push', branch: 'main' }), selected(files, plan, { kind: 'schedule', schedule: 'retrain-full' })]);
    for (const jobs of [release, retrain]) {
      const deploys = jobs.filter((name) => doc[name]!.environment !== undefined);
      expect(deploys).toEqual(['staging', 'canary-10', 'canary-10-analysis', 'canary-50', 'canary-50-analysis', 'canary-rollback', 'production']);
      expect(new Set(deploys.map((name) => doc[name]!.resource_group))).toEqual(new Set([plan.deployLock]));
    }
  });

  it('a drift trigger sent from another pipeline (source pipeline or parent_pipeline) starts the retrain', async ({ expect }) => {
    const { plan, files } = generateFor(fixtureText('spec-complete'), 'gitlab');
    const event: PlanEvent = { kind: 'external', event: 'drift-detected' };
    const args = eventArgs(plan, event);
    const dir = await createRepository(files, plan, false);
    const expected = selectJobs(plan, event, false);
    expect(expected).toContain('train');
    for (const source of ['pipeline', 'parent_pipeline']) {
      const jobs = await listJobs(dir, args.map((a) => (a === 'CI_PIPELINE_SOURCE=trigger' ? `CI_PIPELINE_SOURCE=${source}` : a)));
      expect(planIdsOf(plan, jobs), source).toEqual(expected);
    }
  });

  it('rule 7: a fork merge request run in the parent project skips the self-hosted train and what follows it', async ({ expect }) => {
    const { plan, files } = generateFor(fixtureText('spec-complete'), 'gitlab');
    const fork = ['--variable', 'CI_MERGE_REQUEST_SOURCE_PROJECT_ID=2', '--variable', 'CI_PROJECT_ID=1'];
    const [fromFork, sameProject] = await Promise.all([
      selected(files, plan, { kind: 'pull-request' }, fork),
      selected(files, plan, { kind: 'pull-request' }, ['--variable', 'CI_MERGE_REQUEST_SOURCE_PROJECT_ID=1', '--variable', 'CI_PROJECT_ID=1']),
    ]);
    expect(planIdsOf(plan, fromFork)).toEqual(['check-unit', 'check-lint', 'data-schema', 'data-ranges']);
    expect(planIdsOf(plan, sameProject)).toEqual(['check-unit', 'check-lint', 'data-schema', 'data-ranges', 'train', 'evaluate']);
  });

  it('overrides cannot remove what selects jobs: variables: null and workflow: null still run the release pipeline', async ({ expect }) => {
    const text = `${fixtureText('minimal')}overrides:\n  gitlab:\n    variables: null\n    workflow: null\n`;
    const { plan, files } = generateFor(text, 'gitlab');
    const event: PlanEvent = { kind: 'push', branch: 'main' };
    expect(planIdsOf(plan, await selected(files, plan, event))).toEqual(selectJobs(plan, event, true));
  });
});
