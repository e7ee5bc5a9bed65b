/**
 * compilePlan on inline manifests: jobs, needs (and needsIn per pipeline), the chain closing
 * over gaps, runtimes, setup, schedules and events; then invariants on generated manifests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadManifest, type ManifestInput } from '../../src/manifest/index.js';
import { compilePlan, eventsOf, jobById, jobsIn, needsIn, runFor, selectJobs, type Plan, type PlanJob, type StepRole } from '../../src/plan/index.js';
import { validManifest } from '../support/arbitrary.js';
import { fixtureText } from '../support/harness.js';

function planOf(source: string): Plan {
  const loaded = loadManifest(source);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return compilePlan(loaded.manifest);
}

const spec = planOf(fixtureText('spec-complete'));
const needs = (plan: Plan) => Object.fromEntries(plan.jobs.map((j) => [j.id, j.needs]));


/** What a job does before its own commands, read from its steps and runtime. */
function setupOf(job: PlanJob): { install: string[]; caches: string[]; downloads: string[]; pullData?: string } {
  const pull = command(job, 'pull-data');
  return {
    install: job.steps.flatMap((s) => (s.type === 'shell' && s.role === 'install' ? [s.run] : [])),
    caches: job.runtime.caches,
    downloads: job.steps.flatMap((s) => (s.type === 'download' ? [s.from] : [])),
    ...(pull ? { pullData: pull } : {}),
  };
}

function command(job: PlanJob, role: StepRole): string | undefined {
  const found = job.steps.find((s) => s.type === 'shell' && s.role === role);
  return found?.type === 'shell' ? found.run : undefined;
}

describe('the spec example', () => {
  it('has every job, each after the jobs it needs', () => {
    expect(needs(spec)).toEqual({
      'check-unit': [],
      'check-lint': [],
      'data-schema': [],
      'data-ranges': [],
      train: ['check-unit', 'check-lint', 'data-schema', 'data-ranges'],
      evaluate: ['train'],
      package: ['evaluate'],
      staging: ['package'],
      canary: ['staging'],
      production: ['canary'],
      predict: [],
    });
    expect(spec.pipelines).toEqual(['ci', 'predict', 'retrain']);
  });

  it('needsIn drops needs outside the pipeline: retrain has no code checks', () => {
    const train = jobById(spec, 'train');
    expect(needsIn(spec, train, 'ci')).toEqual(['check-unit', 'check-lint', 'data-schema', 'data-ranges']);
    expect(needsIn(spec, train, 'retrain')).toEqual(['data-schema', 'data-ranges']);
    expect(jobsIn(spec, 'retrain').map((j) => j.id)).toEqual(['data-schema', 'data-ranges', 'train', 'evaluate', 'package', 'staging', 'canary', 'production']);
    expect(jobsIn(spec, 'predict').map((j) => j.id)).toEqual(['predict']);
  });

  it('gives schedules and events ids, pipelines and modes', () => {
    expect(spec.schedules).toEqual([
      { id: 'predict', cron: '0 6 * * *', pipeline: 'predict', mode: 'full' },
      { id: 'retrain-incremental', cron: '0 3 1 * *', pipeline: 'retrain', mode: 'incremental' },
      { id: 'retrain-full', cron: '0 4 1 */3 *', pipeline: 'retrain', mode: 'full' },
    ]);
    expect(spec.events).toEqual([{ id: 'drift-detected', pipeline: 'retrain', mode: 'drift' }]);
  });

  it('carries runtimes: sections override defaults, timeouts in whole minutes', () => {
    const base = { python: '3.11', gpu: false, docker: false, venv: '.venv' };
    expect(jobById(spec, 'train').runtime).toEqual({ ...base, runner: ['self-hosted', 'gpu'], hosted: false, image: 'python:3.11-slim', timeoutMinutes: 180, git: true, caches: ['pip'] });
    expect(jobById(spec, 'check-unit').runtime).toEqual({ ...base, runner: ['ubuntu-latest'], hosted: true, image: 'python:3.11-slim', timeoutMinutes: 60, git: false, caches: ['pip'] });
    // docker build runs where Docker is: on the runner, not in the job image.
    expect(jobById(spec, 'package').runtime).toMatchObject({ docker: true, hosted: true });
    expect(jobById(spec, 'package').runtime.image).toBeUndefined();
  });

  it('sets up each job as the brief says', () => {
    expect(setupOf(jobById(spec, 'data-schema'))).toEqual({ install: ['pip install -r requirements.txt'], caches: ['pip'], downloads: [], pullData: 'dvc pull' });
    expect(setupOf(jobById(spec, 'train')).pullData).toBe('dvc pull');
    expect(setupOf(jobById(spec, 'check-unit')).pullData).toBeUndefined();
    // Every job that runs a manifest command installs the project first (platform-review rule 1).
    expect(setupOf(jobById(spec, 'evaluate'))).toEqual({ install: ['pip install -r requirements.txt'], caches: ['pip'], downloads: ['train'] });
    expect(setupOf(jobById(spec, 'package')).downloads).toEqual(['train']);
    // Every job after training receives its artifacts, deploys included (rule 4).
    expect(setupOf(jobById(spec, 'staging'))).toEqual({ install: ['pip install -r requirements.txt'], caches: ['pip'], downloads: ['train'] });
  });

  it('gives each job only the caches it uses: pip where it installs, DVC where it pulls data', () => {
    const plan = planOf('version: 1\nname: m\ndefaults: { install: pip install ., cache: [pip, dvc] }\ndata: { pull: dvc pull, tests: [{ name: s, run: x }] }\nchecks: [{ name: l, run: y, install: [] }]\ntrain: { run: t }\n');
    expect(Object.fromEntries(plan.jobs.map((j) => [j.id, j.runtime.caches]))).toEqual({ 'check-l': [], 'data-s': ['pip', 'dvc'], train: ['pip', 'dvc'] });
    expect([plan.runtime.caches, plan.notify]).toEqual([[], undefined]);
  });

  it('marks release-only and training-following jobs', () => {
    expect(spec.jobs.filter((j) => j.releaseOnly).map((j) => j.id)).toEqual(['package', 'staging', 'canary', 'production']);
    expect(spec.jobs.filter((j) => j.followsTraining).map((j) => j.id)).toEqual(['train', 'evaluate', 'package', 'staging', 'canary', 'production']);
  });

  it('carries the commands and settings of each section', () => {
    const canary = jobById(spec, 'canary');
    expect([canary.canary?.phases.map((p) => p.percent), canary.canary?.phases.map((p) => p.steps.find((s) => s.type === 'soak')), canary.environment]).toEqual([
      [10, 50],
      [{ type: 'soak', label: 'Soak 900 s', seconds: 900 }, { type: 'soak', label: 'Soak 900 s', seconds: 900 }],
      { name: 'canary' },
    ]);
    const production = jobById(spec, 'production');
    expect([production.approval, production.environment]).toEqual([
      { approvers: [], timeoutMinutes: 3 * 24 * 60, message: 'Deploy house-prices to production?' },
      { name: 'production', url: 'https://api.example.com' },
    ]);
    const evaluate = jobById(spec, 'evaluate');
    expect([command(evaluate, 'fetch-baseline'), command(evaluate, 'gate')]).toEqual(['python scripts/fetch_prod_metrics.py --out baseline.json', 'python3 .mlgen/gate.py']);
    const pkg = jobById(spec, 'package');
    expect([spec.image, command(pkg, 'image-build'), command(pkg, 'register')]).toEqual([
      'registry.example.com/acme/house-prices',
      'docker build -f Dockerfile -t "$MLGEN_IMAGE" .',
      'python scripts/register_model.py --version "$MLGEN_VERSION"',
    ]);
    const report = { junit: '.mlgen/reports/gate-junit.xml', markdown: '.mlgen/reports/gate-summary.md', html: '.mlgen/reports/gate-report.html' };
    expect(spec.gate).toEqual({ metrics: 'metrics.json', gates: [{ metric: 'mae', max: 10000 }, { metric: 'r2', min: 0.8 }], baseline: { file: 'baseline.json', tolerance: { mae: 0.05 } }, report });
    // The evaluate job names the same files for the targets to show; the spec example asks for no PR comment.
    expect(evaluate.report).toEqual({ ...report, comment: false });
    expect([spec.image, spec.secrets, spec.notify, spec.releaseBranch, spec.retrainDeploys]).toEqual([
      'registry.example.com/acme/house-prices',
      ['REGISTRY_PASSWORD', 'MLFLOW_TRACKING_TOKEN'],
      {
        id: 'notify',
        title: 'Notify failure',
        runtime: { ...spec.runtime, timeoutMinutes: 10 },
        steps: [
          { type: 'venv', label: 'Create the virtualenv', dir: '.venv', run: '[ -x .venv/bin/python ] || python3 -m venv .venv' },
          { type: 'shell', role: 'install', label: 'Install', run: 'pip install -r requirements.txt', own: false, secrets: [] },
          { type: 'shell', role: 'notify', label: 'Notify', run: 'python scripts/notify.py --status failed', own: false, secrets: ['REGISTRY_PASSWORD', 'MLFLOW_TRACKING_TOKEN'] },
        ],
        env: {},
        secrets: ['REGISTRY_PASSWORD', 'MLFLOW_TRACKING_TOKEN'],
      },
      'main',
      true,
    ]);
    expect(spec.overrides).toEqual({ github: { jobs: { train: { 'timeout-minutes': 240 } } } });
  });
});

describe('the chain closes over gaps', () => {
  it('no package: staging follows evaluate', () => {
    expect(needs(planOf(fixtureText('no-package')))).toMatchObject({ train: ['check-unit'], evaluate: ['train'], staging: ['evaluate'], production: ['staging'] });
  });

  it('no train: deploys follow the checks and data tests; package downloads nothing', () => {
    const plan = planOf('version: 1\nname: m\nchecks: [{ name: a, run: x }]\ndata: { tests: [{ name: b, run: y }] }\npackage: { register: r }\ndeploy:\n  production: { run: z }\n');
    expect(needs(plan)).toEqual({ 'check-a': [], 'data-b': [], package: ['check-a', 'data-b'], production: ['package'] });
    expect(setupOf(jobById(plan, 'package')).downloads).toEqual([]);
    expect(plan.jobs.some((j) => j.followsTraining)).toBe(false);
  });

  it('only train: one job in ci; the metrics file joins the artifacts with an evaluate section', () => {
    const minimal = planOf(fixtureText('minimal'));
    expect(minimal.jobs.map((j) => j.id)).toEqual(['train']);
    expect(minimal.pipelines).toEqual(['ci']);
    const train = jobById(planOf('version: 1\nname: m\ntrain: { run: x, artifacts: [model/] }\nevaluate: { metrics: out/m.json }\n'), 'train');
    expect(train.steps.flatMap((s) => (s.type === 'upload' ? s.paths : []))).toEqual(['model/', 'out/m.json']);
  });

  it('retrain with deploy false keeps deploys out of the retrain pipeline', () => {
    const plan = planOf(fixtureText('spec-complete').replace('deploy: true ', 'deploy: false'));
    expect(jobById(plan, 'staging').pipelines).toEqual(['ci']);
    expect(jobById(plan, 'package').pipelines).toEqual(['ci', 'retrain']);
  });

  it('several schedules of one mode get numbered ids', () => {
    const plan = planOf('version: 1\nname: m\ntrain: { run: x }\npipelines:\n  retrain:\n    triggers:\n      - { mode: full, schedule: "0 1 * * *" }\n      - { mode: full, schedule: "0 2 * * *", event: go }\n');
    expect(plan.schedules.map((s) => s.id)).toEqual(['retrain-full', 'retrain-full-2']);
    expect(plan.events).toEqual([{ id: 'go', pipeline: 'retrain', mode: 'full' }]);
  });

  it('a predict section alone makes a predict pipeline with its own runtime', () => {
    const plan = planOf('version: 1\nname: m\npipelines:\n  predict: { schedule: "0 6 * * *", run: p, runner: [self-hosted, big], timeout: 90s }\n');
    expect(plan.pipelines).toEqual(['predict']);
    expect(jobById(plan, 'predict').runtime).toEqual({ runner: ['self-hosted', 'big'], hosted: false, timeoutMinutes: 2, python: '3.11', gpu: false, docker: false, git: false, venv: '.venv', caches: ['pip'] });
  });
});

describe('on generated manifests', () => {
  const plans = fc.sample(validManifest(), { numRuns: 200, seed: 42 }).map((m: ManifestInput) => {
    const loaded = loadManifest(JSON.stringify(m));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    return compilePlan(loaded.manifest);
  });

  it('ids are unique and each job comes after the jobs it needs', () => {
    for (const plan of plans) {
      const seen = new Set<string>();
      for (const job of plan.jobs) {
        for (const need of job.needs) expect(seen.has(need), `${job.id} needs ${need}`).toBe(true);
        expect(seen.has(job.id)).toBe(false);
        seen.add(job.id);
      }
    }
  });

  it('every event runs jobs of its pipeline only, and pull requests never run release-only jobs', () => {
    for (const plan of plans) {
      for (const event of eventsOf(plan)) {
        const run = runFor(plan, event);
        const inPipeline = new Set(jobsIn(plan, run.pipeline).map((j) => j.id));
        // The monitor's run adds, gated on its verdict, the jobs of the pipeline drift starts (retrain).
        const onDrift = new Set(run.onDrift ? jobsIn(plan, run.onDrift.pipeline).map((j) => j.id) : []);
        expect(run.jobs.filter((j) => !(j.ifDrift ? onDrift : inPipeline).has(j.id))).toEqual([]);
        if (run.jobs.some((j) => j.ifDrift)) expect(run.pipeline).toBe('monitor');
        if (event.kind === 'pull-request' || (event.kind === 'push' && event.branch !== plan.releaseBranch)) {
          expect(selectJobs(plan, event, true).filter((id) => jobById(plan, id).releaseOnly)).toEqual([]);
        }
        if (event.kind !== 'pull-request' && event.kind !== 'push') {
          expect(selectJobs(plan, event, false, true)).toEqual(run.jobs.map((j) => j.id));
          expect(selectJobs(plan, event, false, false)).toEqual(run.jobs.filter((j) => !j.ifDrift).map((j) => j.id));
        }
      }
    }
  });
});
