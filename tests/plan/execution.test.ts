/**
 * The execution plan: each job's steps in order, its runtime, variables, secrets, lock,
 * approval and canary, decided once for every target (issue: the plan owns execution).
 */
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/index.js';
import { compilePlan, jobById, type Plan, type Step } from '../../src/plan/index.js';
import { fixtureText } from '../support/harness.js';

function planOf(source: string): Plan {
  const loaded = loadManifest(source);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return compilePlan(loaded.manifest);
}
const labels = (steps: Step[]) => steps.map((s) => s.label);
const spec = planOf(fixtureText('spec-complete'));

describe('steps, in order, with the same labels for every target', () => {
  it('installs in a workspace virtualenv before every manifest command, evaluate and deploys included', () => {
    for (const job of spec.jobs) {
      const work = job.steps.findIndex((s) => s.type === 'shell' && s.role !== 'install' && s.role !== 'pull-data');
      expect(job.steps[0], job.id).toMatchObject({ type: 'venv', dir: '.venv' });
      expect(job.steps[1], job.id).toMatchObject({ type: 'shell', role: 'install' });
      // The canary's own work is in its phases; every other job has a command after its setup.
      expect(work > 1 || job.id === 'canary', job.id).toBe(true);
    }
    expect(labels(jobById(spec, 'evaluate').steps)).toEqual(['Create the virtualenv', 'Install', 'Download artifacts', 'Fetch baseline', 'Check metric gates']);
    expect(labels(jobById(spec, 'train').steps)).toEqual(['Create the virtualenv', 'Install', 'Pull data', 'Train', 'Upload artifacts']);
    expect(labels(jobById(spec, 'package').steps)).toEqual(['Create the virtualenv', 'Install', 'Download artifacts', 'Log in to the registry', 'Build image', 'Push image', 'Register model']);
    expect(labels(jobById(spec, 'staging').steps)).toEqual(['Create the virtualenv', 'Install', 'Download artifacts', 'Deploy', 'Smoke test']);
  });

  it('hands training artifacts, metrics included, to every job after training', () => {
    for (const id of ['evaluate', 'package', 'staging', 'canary', 'production']) {
      expect(jobById(spec, id).steps.find((s) => s.type === 'download'), id).toEqual({ type: 'download', label: 'Download artifacts', from: 'train', paths: ['model/', 'metrics.json'] });
    }
    expect(jobById(spec, 'train').steps.at(-1)).toEqual({ type: 'upload', label: 'Upload artifacts', name: 'train', paths: ['model/', 'metrics.json'] });
  });

  it('logs in to the image registry before the push, natively when the manifest gives no login', () => {
    expect(jobById(spec, 'package').steps.find((s) => s.label === 'Log in to the registry')).toEqual({ type: 'registry-login', label: 'Log in to the registry', registry: 'registry.example.com', credentials: { username: 'REGISTRY_USERNAME', password: 'REGISTRY_PASSWORD', id: 'house-prices-registry' } });
    const plan = planOf('version: 1\nname: m\npackage: { image: acme/model, login: ./login.sh }\n');
    expect(jobById(plan, 'package').steps.find((s) => s.label === 'Log in to the registry')).toMatchObject({ type: 'shell', run: './login.sh' });
    expect(planOf('version: 1\nname: m\npackage: { image: acme/model }\n').jobs[0]!.steps.find((s) => s.type === 'registry-login')).toMatchObject({ registry: 'docker.io' });
  });

  it('canary: each phase shifts, soaks and analyses, its time includes the soak; rollback has the setup', () => {
    const canary = jobById(spec, 'canary');
    expect(canary.canary!.phases.map((p) => [p.id, p.env.MLGEN_CANARY_PERCENT, labels(p.steps), p.timeoutMinutes])).toEqual([
      ['canary-10', '10', ['Shift traffic to 10%', 'Soak 900 s', 'Analyse canary'], 75],
      ['canary-50', '50', ['Shift traffic to 50%', 'Soak 900 s', 'Analyse canary'], 75],
    ]);
    expect(canary.runtime.timeoutMinutes).toBe(60 + 15 * 2);
    expect(labels(canary.canary!.rollback!.steps)).toEqual(['Create the virtualenv', 'Install', 'Download artifacts', 'Roll back']);
  });
});

describe('runtime, environment, secrets, locks and approvals', () => {
  const manifest = [
    'version: 1',
    'name: m',
    'env: { MLFLOW_TRACKING_URI: "file:./mlruns" }',
    'defaults: { runner: ubuntu-latest, image: "python:3.11-slim" }',
    'checks: [{ name: unit, run: pytest }]',
    'train: { run: python train.py, runner: [self-hosted, gpu], gpu: true, artifacts: [model/] }',
    'deploy:',
    '  image: alpine/k8s:1.31.2',
    '  install: []',
    '  staging: { run: ./deploy.sh staging }',
    '  production: { run: ./deploy.sh production, approval: { approvers: [ml-leads], timeout: 12h } }',
    'secrets:',
    '  - MLFLOW_TRACKING_TOKEN',
    '  - { name: KUBECONFIG_B64, to: [deploy] }',
    '  - { name: REGISTRY_PASSWORD, to: [package] }',
  ].join('\n');
  const plan = planOf(manifest);

  it("deploy jobs run in deploy's image with deploy's install ([] installs nothing, so no virtualenv)", () => {
    const staging = jobById(plan, 'staging');
    expect(staging.runtime.image).toBe('alpine/k8s:1.31.2');
    expect(staging.runtime.venv).toBeUndefined();
    expect(labels(staging.steps)).toEqual(['Download artifacts', 'Deploy']);
    expect(jobById(plan, 'check-unit').runtime.image).toBe('python:3.11-slim');
  });

  it('gives the GPU to training, and marks self-hosted jobs to skip untrusted code', () => {
    expect(jobById(plan, 'train').runtime).toMatchObject({ gpu: true, hosted: false });
    expect(jobById(plan, 'train').untrusted).toBe('skip');
    expect(jobById(plan, 'check-unit').untrusted).toBe('no-secrets');
  });

  it('secrets reach only the sections they name; install sees none', () => {
    expect(jobById(plan, 'check-unit').secrets).toEqual(['MLFLOW_TRACKING_TOKEN']);
    expect(jobById(plan, 'staging').secrets).toEqual(['MLFLOW_TRACKING_TOKEN', 'KUBECONFIG_B64']);
    for (const job of plan.jobs) for (const step of job.steps) if (step.type === 'shell' && step.role === 'install') expect(step.secrets).toEqual([]);
    expect(plan.secrets).toEqual(['MLFLOW_TRACKING_TOKEN', 'KUBECONFIG_B64', 'REGISTRY_PASSWORD']);
  });

  it('env reaches every job; deploy jobs add MLGEN_ENVIRONMENT', () => {
    expect(jobById(plan, 'check-unit').env).toEqual({ MLFLOW_TRACKING_URI: 'file:./mlruns' });
    expect(jobById(plan, 'production').env).toEqual({ MLFLOW_TRACKING_URI: 'file:./mlruns', MLGEN_ENVIRONMENT: 'production' });
  });

  it('one lock for the whole deploy chain; the approval has approvers and a timeout', () => {
    expect(plan.deployLock).toBe('m-deploy');
    expect(plan.jobs.filter((j) => j.lock).map((j) => [j.id, j.lock])).toEqual([
      ['staging', 'm-deploy'],
      ['production', 'm-deploy'],
    ]);
    expect(jobById(plan, 'production').approval).toEqual({ approvers: ['ml-leads'], timeoutMinutes: 720, message: 'Deploy m to production?' });
  });

  it('only CI work off the release branch may be interrupted', () => {
    expect(plan.jobs.filter((j) => j.interruptible).map((j) => j.id)).toEqual(['check-unit', 'train']);
  });
});
