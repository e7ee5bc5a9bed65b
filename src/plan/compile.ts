/**
 * compilePlan: a validated manifest in, the target-neutral plan out. All of the manifest's
 * "What runs when" logic that is not about a particular event lives here: which jobs exist,
 * in which pipelines, and what each one needs.
 */
import { durationMinutes, durationSeconds, type Manifest } from '../manifest/index.js';
import { GATE_SCRIPT_PATH } from '../gate/index.js';
import type { PipelineId, Plan, PlanJob, Runtime, Schedule, Setup } from './types.js';

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

interface Section {
  runner?: string | string[];
  image?: string;
  timeout?: string;
}

function runtimeFor(manifest: Manifest, section: Section = {}): Runtime {
  const runtime: Runtime = {
    runner: list(section.runner ?? manifest.defaults.runner),
    timeoutMinutes: durationMinutes(section.timeout ?? manifest.defaults.timeout),
    python: manifest.defaults.python,
  };
  const image = section.image ?? manifest.defaults.image;
  if (image) runtime.image = image;
  return runtime;
}

function withoutImage({ image: _image, ...runtime }: Runtime): Runtime {
  return runtime;
}

export function compilePlan(manifest: Manifest): Plan {
  const jobs: PlanJob[] = [];
  const retrain = manifest.pipelines?.retrain;
  const retrainDeploys = retrain?.deploy === true;
  const install = list(manifest.defaults.install);
  const caches = manifest.defaults.cache;
  const pullData = manifest.data?.pull;
  const baseSetup = (extra: Partial<Setup> = {}): Setup => ({ install, caches, downloads: [], ...extra });
  const dataSetup = (): Setup => (pullData ? baseSetup({ pullData }) : baseSetup());
  const deploySetup = (): Setup => ({ install: [], caches: [], downloads: [] });
  const common = (id: string, title: string, pipelines: PipelineId[], needs: string[], extra: Partial<PlanJob> = {}) => ({
    id,
    title,
    pipelines,
    needs,
    runtime: runtimeFor(manifest),
    setup: baseSetup(),
    releaseOnly: false,
    followsTraining: false,
    ...extra,
  });

  // Column 1: checks and data tests run side by side.
  const checks = manifest.checks.map((c) => ({ ...common(`check-${c.name}`, `Check: ${c.name}`, ['ci'], []), kind: 'check' as const, run: c.run }));
  const dataPipelines: PipelineId[] = retrain ? ['ci', 'retrain'] : ['ci'];
  const dataTests = (manifest.data?.tests ?? []).map((t) => ({
    ...common(`data-${t.name}`, `Data test: ${t.name}`, dataPipelines, [], { setup: dataSetup() }),
    kind: 'data-test' as const,
    run: t.run,
  }));
  jobs.push(...checks, ...dataTests);

  /** The jobs the next column waits for: the closest column that exists ("the chain closes over the gap"). */
  let previous = [...checks, ...dataTests].map((j) => j.id);
  let chainPipelines: PipelineId[] = retrain ? ['ci', 'retrain'] : ['ci'];
  let followsTraining = false;

  if (manifest.train) {
    const train = manifest.train;
    const metrics = manifest.evaluate?.metrics;
    const artifacts = [...train.artifacts];
    if (metrics && !artifacts.includes(metrics)) artifacts.push(metrics);
    jobs.push({
      ...common('train', 'Train', chainPipelines, previous, { runtime: runtimeFor(manifest, train), setup: dataSetup(), followsTraining: true }),
      kind: 'train',
      run: train.run,
      paths: train.paths ?? [],
      artifacts,
    });
    previous = ['train'];
    followsTraining = true;
  }
  if (manifest.evaluate) {
    const evaluate = manifest.evaluate;
    jobs.push({
      ...common('evaluate', 'Evaluate', chainPipelines, previous, { setup: baseSetup({ install: [], downloads: ['train'] }), followsTraining }),
      kind: 'evaluate',
      ...(evaluate.baseline?.fetch ? { fetchBaseline: evaluate.baseline.fetch } : {}),
      run: `python3 ${GATE_SCRIPT_PATH}`,
    });
    previous = ['evaluate'];
  }
  if (manifest.package) {
    const pkg = manifest.package;
    jobs.push({
      ...common('package', 'Package', chainPipelines, previous, {
        // docker build needs the runner's Docker, not a job container without a docker CLI.
        ...(pkg.image ? { runtime: withoutImage(runtimeFor(manifest)) } : {}),
        setup: baseSetup({ downloads: manifest.train ? ['train'] : [] }),
        releaseOnly: true,
        followsTraining,
      }),
      kind: 'package',
      dockerfile: pkg.dockerfile,
      ...(pkg.image ? { image: pkg.image } : {}),
      ...(pkg.login ? { login: pkg.login } : {}),
      ...(pkg.register ? { register: pkg.register } : {}),
    });
    previous = ['package'];
  }

  // Deploys belong to retrain only when the manifest says so.
  const deployPipelines: PipelineId[] = retrainDeploys ? ['ci', 'retrain'] : ['ci'];
  chainPipelines = deployPipelines;
  const deployCommon = (id: string, title: string) =>
    common(id, title, chainPipelines, previous, { setup: deploySetup(), releaseOnly: true, followsTraining });
  const { staging, canary, production } = manifest.deploy ?? {};
  if (staging) {
    jobs.push({
      ...deployCommon('staging', 'Deploy: staging'),
      kind: 'staging',
      environment: staging.url ? { name: 'staging', url: staging.url } : { name: 'staging' },
      run: staging.run,
      ...(staging.smoke ? { smoke: staging.smoke } : {}),
    });
    previous = ['staging'];
  }
  if (canary) {
    jobs.push({
      ...deployCommon('canary', 'Deploy: canary'),
      kind: 'canary',
      environment: { name: 'canary' },
      run: canary.run,
      steps: canary.steps,
      intervalSeconds: durationSeconds(canary.interval),
      ...(canary.analysis ? { analysis: canary.analysis } : {}),
      ...(canary.rollback ? { rollback: canary.rollback } : {}),
    });
    previous = ['canary'];
  }
  if (production) {
    jobs.push({
      ...deployCommon('production', 'Deploy: production'),
      kind: 'production',
      environment: production.url ? { name: 'production', url: production.url } : { name: 'production' },
      run: production.run,
      approval: production.approval,
    });
  }

  const predict = manifest.pipelines?.predict;
  if (predict) {
    jobs.push({ ...common('predict', 'Batch prediction', ['predict'], [], { runtime: runtimeFor(manifest, predict) }), kind: 'predict', run: predict.run });
  }

  const schedules: Schedule[] = [];
  if (predict) schedules.push({ id: 'predict', cron: predict.schedule, pipeline: 'predict', mode: 'full' });
  const scheduledModes = new Map<string, number>();
  for (const trigger of retrain?.triggers ?? []) {
    if (!trigger.schedule) continue;
    const base = `retrain-${trigger.mode}`;
    const count = (scheduledModes.get(base) ?? 0) + 1;
    scheduledModes.set(base, count);
    schedules.push({ id: count === 1 ? base : `${base}-${count}`, cron: trigger.schedule, pipeline: 'retrain', mode: trigger.mode });
  }
  const events = (retrain?.triggers ?? []).flatMap((t) => (t.event ? [{ id: t.event, pipeline: 'retrain' as const, mode: t.mode }] : []));

  const pipelines = (['ci', 'predict', 'retrain'] as const).filter((p) => jobs.some((j) => j.pipelines.includes(p)));
  const plan: Plan = {
    name: manifest.name,
    targets: manifest.targets,
    releaseBranch: manifest.defaults.branch,
    runtime: runtimeFor(manifest),
    jobs,
    pipelines,
    schedules,
    events,
    secrets: manifest.secrets,
    retrainDeploys,
    overrides: manifest.overrides ?? {},
  };
  if (manifest.package?.image) plan.image = manifest.package.image;
  if (manifest.notify) plan.notify = { failure: manifest.notify.failure };
  if (manifest.evaluate) {
    const { metrics, gates, baseline } = manifest.evaluate;
    plan.gate = { metrics, gates, ...(baseline ? { baseline: { file: baseline.file, tolerance: baseline.tolerance } } : {}) };
  }
  return plan;
}
