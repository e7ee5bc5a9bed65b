/**
 * The GitHub target's own promises: failure paths (rollback, notify), the variables each run
 * sees, overrides, escaping of manifest strings, artifacts, and the serializer.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { toYaml } from '../../../src/files/index.js';
import { eventsOf, formatEvent, runFor, type PlanEvent } from '../../../src/plan/index.js';
import { githubTarget } from '../../../src/targets/github/index.js';
import { artifactRoot } from '../../../src/targets/github/steps.js';
import { serializeWorkflow, workflowDocument } from '../../../src/targets/github/render.js';
import { buildWorkflows } from '../../../src/targets/github/workflows.js';
import { HOSTILE_COMMANDS } from '../../support/adversarial.js';
import { eventRun, expand, githubHarness, gitRepo, sampleFile, simulate, triggers, workflowDoc, workflows } from '../../support/harness-github.js';
import { fixtureText, generateFor } from '../../support/harness.js';

type Mapping = Record<string, unknown>;

const spec = generateFor(fixtureText('spec-complete'), 'github');
const file = (name: string, files = spec.files) => files.find((f) => f.path === `.github/workflows/${name}`)!;

/** Native jobs that run in one workflow when `fail` jobs fail. */
async function ran(workflow: string, event: PlanEvent, fail: string[] = []): Promise<string[]> {
  const repo = await gitRepo('src/x/y');
  const states = await simulate(workflowDoc(file(workflow)), eventRun(spec.plan, event, repo), repo.dir, new Set(fail));
  return [...states].filter(([, s]) => s.result !== 'skipped').map(([id]) => id);
}

describe('github failure paths', () => {
  const push = { kind: 'push', branch: 'main' } as const;

  it('a failed canary step rolls back, stops the rollout and notifies', async () => {
    const jobs = await ran('mlgen-ci.yml', push, ['canary-10']);
    expect(jobs).toEqual(expect.arrayContaining(['canary-10', 'canary-rollback', 'notify']));
    expect(jobs).not.toContain('canary-50');
    expect(jobs).not.toContain('production');
    expect(await ran('mlgen-ci.yml', push, ['canary-50'])).toEqual(expect.arrayContaining(['canary-rollback', 'notify']));
  });

  it('a failure before the canary notifies but rolls nothing back', async () => {
    for (const failed of ['train', 'staging', 'check-lint']) {
      const jobs = await ran('mlgen-ci.yml', push, [failed]);
      expect(jobs, failed).toContain('notify');
      expect(jobs, failed).not.toContain('canary-rollback');
      expect(jobs, failed).not.toContain('canary-10');
    }
  });

  it('a failure after the canary does not roll it back', async () => {
    const jobs = await ran('mlgen-ci.yml', push, ['production']);
    expect(jobs).toContain('notify');
    expect(jobs).not.toContain('canary-rollback');
  });

  it('success runs neither rollback nor notify', async () => {
    const jobs = await ran('mlgen-ci.yml', push);
    expect(jobs).toContain('production');
    expect(jobs).not.toContain('canary-rollback');
    expect(jobs).not.toContain('notify');
  });

  it('the predict workflow notifies when prediction fails', async () => {
    expect(await ran('mlgen-predict.yml', { kind: 'schedule', schedule: 'predict' }, ['predict'])).toEqual(['predict', 'notify']);
  });
});

describe('github run variables', () => {
  it.each(eventsOf(spec.plan).map((event) => ({ event, name: formatEvent(event) })))('$name: MLGEN_PIPELINE and MLGEN_TRAIN_MODE match the plan', async ({ event }) => {
    const repo = await gitRepo('src/x/y');
    const run = eventRun(spec.plan, event, repo);
    const fired = workflows(spec.files).filter((f) => triggers(f, run, true));
    expect(fired).toHaveLength(1);
    const env = workflowDoc(fired[0]!).env as Record<string, string>;
    const context = { github: run.github, inputs: run.inputs };
    const expected = runFor(spec.plan, event);
    expect(expand(env.MLGEN_PIPELINE!, context)).toBe(expected.pipeline);
    expect(expand(env.MLGEN_TRAIN_MODE!, context)).toBe(expected.mode);
    expect(expand(env.MLGEN_VERSION!, context)).toBe(repo.head);
    expect(expand(env.MLGEN_IMAGE!, context)).toBe(`registry.example.com/acme/house-prices:${repo.head}`);
    expect(expand(env.MLGEN_MODEL_VERSION!, context)).toBe('latest');
  });

  it('a manual prediction uses the model version it is given', async () => {
    const repo = await gitRepo('src/x/y');
    const run = eventRun(spec.plan, { kind: 'manual', pipeline: 'predict', mode: 'full' }, repo);
    const env = workflowDoc(file('mlgen-predict.yml')).env as Record<string, string>;
    expect(expand(env.MLGEN_MODEL_VERSION!, { github: run.github, inputs: { model_version: 'v42' } })).toBe('v42');
  });

  it('no run: script holds an expression: inputs, payloads and secrets arrive through env', async () => {
    for (const name of ['spec-complete', 'adversarial', 'no-package']) {
      const scripts = await githubHarness.scripts(generateFor(fixtureText(name), 'github').files);
      for (const script of scripts) expect(script).not.toContain('${{');
    }
  });

  it('deploy jobs name their environment; canary steps their traffic share', () => {
    const jobs = workflowDoc(file('mlgen-ci.yml')).jobs as Record<string, Mapping>;
    expect(jobs.staging!.env).toEqual({ MLGEN_ENVIRONMENT: 'staging' });
    expect(jobs['canary-50']!.env).toEqual({ MLGEN_ENVIRONMENT: 'canary', MLGEN_CANARY_PERCENT: '50' });
    expect(jobs.production!.environment).toEqual({ name: 'production', url: 'https://api.example.com' });
    // The deploy lock is the workflow's (rules.test.ts, rule 6): a job-level group would let a newer pending job cancel an older one.
    expect(jobs.production!.concurrency).toBeUndefined();
  });
});

describe('github training decision', () => {
  // The contract's rule: a new branch (no previous commit) compares with its merge base with the release branch.
  it.each([
    ['src/x/y', 'true'],
    ['mlgen-unrelated/NOTES.txt', 'false'],
  ])('a push that creates a branch changing %s trains: %s', async (changed, expected) => {
    const repo = await gitRepo(changed);
    const run = eventRun(spec.plan, { kind: 'push', branch: 'feature' }, repo);
    (run.github.event as Mapping).before = '0000000000000000000000000000000000000000';
    const states = await simulate(workflowDoc(file('mlgen-ci.yml')), run, repo.dir);
    expect(states.get('changes')!.outputs).toEqual({ train: expected });
    expect(states.get('train')!.result).toBe(expected === 'true' ? 'success' : 'skipped');
  });

  it('a push outside train.paths skips training and reports the skip as passed', async () => {
    const repo = await gitRepo('mlgen-unrelated/NOTES.txt');
    const states = await simulate(workflowDoc(file('mlgen-ci.yml')), eventRun(spec.plan, { kind: 'push', branch: 'main' }, repo), repo.dir);
    expect(states.get('changes')!.outputs).toEqual({ train: 'false' });
    expect(states.get('train')!.result).toBe('skipped');
    expect(states.get('check-unit')!.result).toBe('success');
  });

  it.each(['src/**', 'data/*.dvc', 'dvc.lock', 'params.yaml', 'requirements.txt'])('a change to a file of %s trains; a near miss does not', async (pattern) => {
    const text = fixtureText('spec-complete').replace('paths: [src/**, data/**, params.yaml, requirements.txt]', `paths: ['${pattern}']`);
    const { plan, files } = generateFor(text, 'github');
    const ci = workflowDoc(files.find((f) => f.path.endsWith('mlgen-ci.yml'))!);
    const decide = async (changed: string) => {
      const repo = await gitRepo(changed);
      return (await simulate(ci, eventRun(plan, { kind: 'pull-request' }, repo), repo.dir)).get('changes')!.outputs.train;
    };
    expect(await decide(sampleFile(pattern))).toBe('true');
    const nearMiss = pattern.includes('/') ? `x${pattern.replace(/\*+/g, 'a')}` : `sub/${pattern}`;
    expect(await decide(nearMiss)).toBe('false');
  });

  it('the workflow is never filtered by paths (required checks would stay pending)', () => {
    const on = workflowDoc(file('mlgen-ci.yml')).on as Mapping;
    expect(on).toEqual({ push: { branches: ['**'] }, pull_request: {}, workflow_dispatch: {} });
  });
});

describe('github overrides', () => {
  it('a job override applies only to workflows that have the job', () => {
    const jobsOf = (name: string) => workflowDoc(file(name)).jobs as Record<string, Mapping>;
    expect(jobsOf('mlgen-ci.yml').train!['timeout-minutes']).toBe(240);
    expect(jobsOf('mlgen-retrain.yml').train!['timeout-minutes']).toBe(240);
    expect(jobsOf('mlgen-predict.yml').train).toBeUndefined();
  });

  it('a top-level override reaches every workflow; null deletes', () => {
    const text = `${fixtureText('no-package')}\npipelines:\n  predict: { schedule: "0 6 * * *", run: python predict.py }\noverrides:\n  github:\n    env: { EXTRA: "1" }\n    jobs: { predict: { timeout-minutes: 5 }, unit: { x: 1 }, check-unit: { timeout-minutes: null } }\n`;
    const { files } = generateFor(text, 'github');
    for (const f of workflows(files)) expect((workflowDoc(f).env as Mapping).EXTRA).toBe('1');
    const predict = workflowDoc(file('mlgen-predict.yml', files)).jobs as Record<string, Mapping>;
    expect(predict.predict!['timeout-minutes']).toBe(5);
    expect(Object.keys(predict)).toEqual(['predict']);
    const ci = workflowDoc(file('mlgen-ci.yml', files)).jobs as Record<string, Mapping>;
    expect(ci.unit).toBeUndefined();
    expect(ci.predict).toBeUndefined();
    expect(ci['check-unit']).not.toHaveProperty('timeout-minutes');
    expect(ci.train).toHaveProperty('timeout-minutes');
  });
});

describe('github files', () => {
  it('declares custom runner labels for actionlint only when there are any', () => {
    expect(spec.files.find((f) => f.path === '.github/actionlint.yaml')!.content).toContain('self-hosted-runner:\n  labels:\n    - gpu\n');
    expect(generateFor(fixtureText('minimal'), 'github').files.map((f) => f.path)).toEqual(['.github/workflows/mlgen-ci.yml']);
  });

  it('renders nothing for a plan without jobs', () => {
    expect(githubTarget.render({ ...spec.plan, jobs: [], pipelines: [] })).toEqual([]);
  });

  it('writes what toYaml writes, plus a version comment after each pinned action', () => {
    for (const workflow of buildWorkflows(spec.plan)) {
      const doc = workflowDocument(workflow);
      const text = serializeWorkflow(doc);
      expect(text).toMatch(/uses: actions\/checkout@[0-9a-f]{40} # v4\.\d+\.\d+\n/);
      expect(text.replace(/ # v\d+\.\d+\.\d+$/gm, '')).toBe(toYaml(doc, { bareTopLevelKeys: ['on'] }));
    }
  });
});

describe('github escaping', () => {
  it('every hostile command reaches the shell intact and the workflow stays valid', async () => {
    const checks = HOSTILE_COMMANDS.map((run, i) => ({ name: `c${i}`, run }));
    const { files } = generateFor(stringify({ version: 1, name: 'hostile', checks, train: { run: 'python train.py' } }), 'github');
    const scripts = await githubHarness.scripts(files);
    for (const command of HOSTILE_COMMANDS) expect(scripts).toContain(command);
    expect(await githubHarness.validate([files])).toEqual([[]]);
  });

  // The manifest refuses "${{" in every value; the target escapes it anyway (defence in
  // depth), so this renders a plan with the text put in after validation.
  it('a "${{" in paths, labels, images and URLs stays text, never an expression', async () => {
    const odd = 'odd${{ secrets.X }}';
    const marker = 'oddMARKER';
    const manifest = {
      version: 1,
      name: 'odd',
      defaults: { image: `python:3.11-${odd}`, runner: ['self-hosted', `gpu-${odd}`] },
      train: { run: 'python train.py', paths: [`src/${odd}/**`], artifacts: [`out/${odd}/`] },
      package: { register: 'python register.py', dockerfile: `docker/${odd}` },
      deploy: { staging: { run: './deploy.sh', url: `https://example.com/${odd}` } },
    };
    const { plan: cleanPlan } = generateFor(stringify(manifest).replaceAll(odd, marker), 'github');
    const plan = JSON.parse(JSON.stringify(cleanPlan).replaceAll(marker, odd.replaceAll('"', '\\"'))) as typeof cleanPlan;
    const files = githubTarget.render(plan).map((f) => ({ path: f.path, content: f.body }));
    expect(await githubHarness.validate([files])).toEqual([[]]);
    const jobs = workflowDoc(files.find((f) => f.path.endsWith('mlgen-ci.yml'))!).jobs as Record<string, Mapping>;
    const context = { github: { sha: 'abc' }, inputs: {} };
    expect(expand(jobs.train!.container as string, context)).toBe(manifest.defaults.image);
    expect((jobs.train!['runs-on'] as string[]).map((l) => expand(l, context))).toEqual(manifest.defaults.runner);
    const upload = (jobs.train!.steps as Mapping[]).find((s) => s.name === 'Upload artifacts')!;
    expect(expand((upload.with as Mapping).path as string, context)).toBe(manifest.train.artifacts[0]);
    expect(expand((jobs.staging!.environment as Mapping).url as string, context)).toBe(manifest.deploy.staging.url);
    const diff = (jobs.changes!.steps as Mapping[]).find((s) => s.id === 'diff')!;
    expect(expand(diff.run as string, context)).toContain(`':(glob)src/${odd}/**'`);
  });
});

describe('github artifacts', () => {
  it.each([
    [['model/', 'metrics.json'], '.'],
    [['model/'], 'model'],
    [['model'], 'model'],
    [['out/model.pkl'], 'out'],
    [['metrics.json'], '.'],
    [['model/**/*.pt', 'model/config.json'], 'model'],
    [['out/a/x.bin', 'out/b/y.bin'], 'out'],
    [['reports/*.html'], 'reports'],
  ])('%j downloads to %s', (paths, root) => {
    expect(artifactRoot(paths)).toBe(root);
  });
});
