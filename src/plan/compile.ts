/**
 * compilePlan: a validated manifest in, the target-neutral plan out. Everything about
 * execution is decided here: which jobs exist, in which pipelines, what each needs, where it
 * runs, its steps in order, its variables and secrets, its lock, approval and failure handling.
 * Targets print the result; `mlgen run` executes it.
 */
import { durationMinutes, durationSeconds, type Manifest, type SecretSection } from '../manifest/index.js';
import { trainChanges } from './changes.js';
import { resolveRuntime, type SectionRuntime } from './runtime.js';
import { GATE_REPORT_PATHS } from '../gate/index.js';
import { driftVerdictStep, DRIFT_VERDICT_LABEL } from './monitor.js';
import { downloadStep, gateStep, imageBuild, imagePush, LABELS, registryLoginStep, setupSteps, shell, uploadStep } from './steps.js';
import type { Approval, CanaryPlan, Environment, HelperJob, PipelineId, Plan, PlanJob, Schedule, Step } from './types.js';

const HELPER_TIMEOUT_MINUTES = 10;
const DEFAULT_APPROVAL_TIMEOUT = '3d';

type Kind = PlanJob['kind'];
/** The `secrets[].to` section whose secrets a kind of job sees. */
const SECTION_OF: Record<Kind, SecretSection> = {
  check: 'checks',
  'data-test': 'data',
  train: 'train',
  evaluate: 'evaluate',
  package: 'package',
  staging: 'deploy',
  canary: 'deploy',
  production: 'deploy',
  predict: 'predict',
  monitor: 'monitor',
};

export function compilePlan(manifest: Manifest): Plan {
  const secretsOf = (section: SecretSection): string[] =>
    manifest.secrets.flatMap((s) => (typeof s === 'string' ? [s] : s.to.includes(section) ? [s.name] : []));
  const env = { ...manifest.env };
  const retrain = manifest.pipelines?.retrain;
  const monitor = manifest.pipelines?.monitor;
  // Reported drift runs the retrain chain, so a monitor implies the retrain pipeline.
  const retrains = retrain !== undefined || monitor !== undefined;
  const retrainDeploys = retrain?.deploy === true;
  const pullData = manifest.data?.pull;
  const caches = manifest.defaults.cache;
  const jobs: PlanJob[] = [];
  const deployLock = manifest.deploy && (manifest.deploy.staging || manifest.deploy.canary || manifest.deploy.production) ? `${manifest.name}-deploy` : undefined;

  /** The parts every job has, from its section's runtime and its steps. */
  const job = (
    kind: Kind,
    id: string,
    title: string,
    pipelines: PipelineId[],
    needs: string[],
    section: SectionRuntime,
    work: (secrets: string[]) => Step[],
    options: { pull?: boolean; downloads?: string[]; noImage?: boolean; docker?: boolean; releaseOnly?: boolean; followsTraining?: boolean; env?: Record<string, string> } = {},
  ) => {
    const secrets = secretsOf(SECTION_OF[kind]);
    const dataSecrets = secretsOf('data');
    const { runtime, install } = resolveRuntime(manifest, section, { noImage: options.noImage, docker: options.docker, git: options.pull === true && pullData !== undefined });
    const downloads = (options.downloads ?? []).flatMap((from) => {
      // What the job uploaded is what this one downloads, paths as they were uploaded from.
      const upload = jobs.find((j) => j.id === from)?.steps.find((s) => s.type === 'upload');
      return upload?.type === 'upload' && upload.paths.length > 0 ? [downloadStep(from, upload.paths)] : [];
    });
    const pull = options.pull && pullData ? [shell('pull-data', LABELS.pullData, pullData, dataSecrets)] : [];
    const steps: Step[] = [...setupSteps(runtime.venv, install), ...pull, ...downloads, ...work(secrets)];
    const stepSecrets = [...new Set(steps.flatMap((s) => (s.type === 'shell' ? s.secrets : [])))];
    // Only the caches the job uses: pip where it installs, DVC where it pulls data.
    runtime.caches = caches.filter((c) => (c === 'pip' ? runtime.venv !== undefined : pull.length > 0));
    return {
      kind,
      id,
      title,
      pipelines,
      needs,
      runtime,
      releaseOnly: options.releaseOnly === true,
      followsTraining: options.followsTraining === true,
      steps,
      env: { ...env, ...options.env },
      secrets: stepSecrets,
      untrusted: runtime.hosted ? ('no-secrets' as const) : ('skip' as const),
      interruptible: kind === 'check' || kind === 'data-test' || kind === 'train' || kind === 'evaluate',
    };
  };

  // Column 1: checks and data tests run side by side.
  const checks = manifest.checks.map((c) => ({
    ...job('check', `check-${c.name}`, `Check: ${c.name}`, ['ci'], [], c, (s) => [shell('run', LABELS.run, c.run, s)]),
  }));
  const dataPipelines: PipelineId[] = retrains ? ['ci', 'retrain'] : ['ci'];
  const dataTests = (manifest.data?.tests ?? []).map((t) => ({
    ...job('data-test', `data-${t.name}`, `Data test: ${t.name}`, dataPipelines, [], { ...stripTests(manifest.data), ...t }, (s) => [shell('run', LABELS.run, t.run, s)], { pull: true }),
  }));
  jobs.push(...checks, ...dataTests);

  /** The jobs the next column waits for: the closest column that exists ("the chain closes over the gap"). */
  let previous = [...checks, ...dataTests].map((j) => j.id);
  const chainPipelines: PipelineId[] = retrains ? ['ci', 'retrain'] : ['ci'];
  let followsTraining = false;
  const trained = manifest.train ? ['train'] : [];

  if (manifest.train) {
    const train = manifest.train;
    const metrics = manifest.evaluate?.metrics;
    const artifacts = [...train.artifacts];
    if (metrics && !artifacts.includes(metrics)) artifacts.push(metrics);
    jobs.push({
      ...job(
        'train',
        'train',
        'Train',
        chainPipelines,
        previous,
        train,
        (s) => [shell('train', LABELS.train, train.run, s), ...(artifacts.length > 0 ? [uploadStep('train', artifacts)] : [])],
        { pull: true, followsTraining: true },
      ),
    });
    previous = ['train'];
    followsTraining = true;
  }
  if (manifest.evaluate) {
    const evaluate = manifest.evaluate;
    const fetch = evaluate.baseline?.fetch;
    jobs.push({
      ...job('evaluate', 'evaluate', 'Evaluate', chainPipelines, previous, evaluate, (s) => [...(fetch ? [shell('fetch-baseline', LABELS.fetchBaseline, fetch, s)] : []), gateStep(s)], {
        downloads: trained,
        followsTraining,
      }),
      report: { ...GATE_REPORT_PATHS, comment: evaluate.report === 'comment' },
    });
    previous = ['evaluate'];
  }
  if (manifest.package) {
    const pkg = manifest.package;
    const image = pkg.image;
    jobs.push({
      ...job(
        'package',
        'package',
        'Package',
        chainPipelines,
        previous,
        pkg,
        (s) => [
          ...(image
            ? [
                pkg.login ? shell('registry-login', LABELS.login, pkg.login, s) : registryLoginStep(image, manifest.name),
                imageBuild(pkg.dockerfile),
                imagePush(),
              ]
            : []),
          ...(pkg.register ? [shell('register', LABELS.register, pkg.register, s)] : []),
        ],
        // docker build needs the runner's Docker, not a job container without a docker CLI.
        { downloads: trained, noImage: image !== undefined, docker: image !== undefined, releaseOnly: true, followsTraining },
      ),
    });
    previous = ['package'];
  }

  // Deploys belong to retrain only when the manifest says so. Every deploy job holds the chain's lock.
  const deployPipelines: PipelineId[] = retrainDeploys ? ['ci', 'retrain'] : ['ci'];
  const deploySection = stripEnvironments(manifest.deploy);
  const deployJob = (kind: 'staging' | 'canary' | 'production', title: string, environment: Environment, work: (secrets: string[]) => Step[]) => ({
    ...job(kind, kind, title, deployPipelines, previous, deploySection, work, { downloads: trained, releaseOnly: true, followsTraining, env: { MLGEN_ENVIRONMENT: environment.name } }),
    environment,
    ...(deployLock ? { lock: deployLock } : {}),
  });
  const { staging, canary, production } = manifest.deploy ?? {};
  if (staging) {
    const environment: Environment = staging.url ? { name: 'staging', url: staging.url } : { name: 'staging' };
    jobs.push({
      ...deployJob('staging', 'Deploy: staging', environment, (s) => [shell('deploy', LABELS.deploy, staging.run, s), ...(staging.smoke ? [shell('smoke', LABELS.smoke, staging.smoke, s)] : [])]),
    });
    previous = ['staging'];
  }
  if (canary) {
    const built = deployJob('canary', 'Deploy: canary', { name: 'canary' }, () => []);
    const intervalSeconds = durationSeconds(canary.interval);
    const soakMinutes = Math.ceil(intervalSeconds / 60);
    const secrets = secretsOf('deploy');
    const plan: CanaryPlan = {
      phases: canary.steps.map((percent) => ({
        id: `canary-${percent}`,
        percent,
        env: { ...built.env, MLGEN_CANARY_PERCENT: String(percent) },
        // The soak is part of the phase: it must fit in the phase's time.
        timeoutMinutes: built.runtime.timeoutMinutes + soakMinutes,
        steps: [
          shell('shift-traffic', `${LABELS.shift} to ${percent}%`, canary.run, secrets),
          ...(intervalSeconds > 0 ? [{ type: 'soak' as const, label: `${LABELS.soak} ${intervalSeconds} s`, seconds: intervalSeconds }] : []),
          ...(canary.analysis ? [shell('analysis', LABELS.analysis, canary.analysis, secrets)] : []),
        ],
      })),
      ...(canary.rollback ? { rollback: { id: 'canary-rollback', env: built.env, steps: [...built.steps, shell('rollback', LABELS.rollback, canary.rollback, secrets)] } } : {}),
    };
    const phaseSteps = plan.phases.flatMap((p) => p.steps);
    jobs.push({
      ...built,
      secrets: [...new Set([...built.secrets, ...phaseSteps.flatMap((s) => (s.type === 'shell' ? s.secrets : []))])],
      // The whole canary, every soak included.
      runtime: { ...built.runtime, timeoutMinutes: built.runtime.timeoutMinutes + soakMinutes * canary.steps.length },
      canary: plan,
    });
    previous = ['canary'];
  }
  if (production) {
    const environment: Environment = production.url ? { name: 'production', url: production.url } : { name: 'production' };
    const approval = approvalOf(manifest.name, production.approval);
    jobs.push({
      ...deployJob('production', 'Deploy: production', environment, (s) => [shell('deploy', LABELS.deploy, production.run, s)]),
      ...(approval ? { approval } : {}),
    });
  }

  const predict = manifest.pipelines?.predict;
  if (predict) {
    jobs.push({
      ...job('predict', 'predict', 'Batch prediction', ['predict'], [], predict, (s) => [shell('predict', LABELS.predict, predict.run, s)]),
    });
  }

  if (monitor) {
    jobs.push({
      ...job('monitor', 'monitor', 'Monitor: drift', ['monitor'], [], monitor, (s) => [shell('monitor', LABELS.monitor, monitor.run, s), driftVerdictStep(monitor.report)], {
        env: { MLGEN_PIPELINE: 'monitor' },
      }),
    });
  }

  const schedules: Schedule[] = [];
  if (predict) schedules.push({ id: 'predict', cron: predict.schedule, pipeline: 'predict', mode: 'full' });
  if (monitor) schedules.push({ id: 'monitor', cron: monitor.schedule, pipeline: 'monitor', mode: 'full' });
  const scheduledModes = new Map<string, number>();
  for (const trigger of retrain?.triggers ?? []) {
    if (!trigger.schedule) continue;
    const base = `retrain-${trigger.mode}`;
    const count = (scheduledModes.get(base) ?? 0) + 1;
    scheduledModes.set(base, count);
    schedules.push({ id: count === 1 ? base : `${base}-${count}`, cron: trigger.schedule, pipeline: 'retrain', mode: trigger.mode });
  }
  const events = (retrain?.triggers ?? []).flatMap((t) => (t.event ? [{ id: t.event, pipeline: 'retrain' as const, mode: t.mode }] : []));

  const pipelines = (['ci', 'predict', 'retrain', 'monitor'] as const).filter((p) => jobs.some((j) => j.pipelines.includes(p)));
  const { runtime } = resolveRuntime(manifest);
  const plan: Plan = {
    name: manifest.name,
    targets: manifest.targets,
    releaseBranch: manifest.defaults.branch,
    runtime,
    jobs,
    pipelines,
    schedules,
    events,
    secrets: manifest.secrets.map((s) => (typeof s === 'string' ? s : s.name)),
    retrainDeploys,
    overrides: manifest.overrides ?? {},
  };
  if (deployLock) plan.deployLock = deployLock;
  if (monitor) plan.monitor = { job: 'monitor', report: monitor.report, verdictStep: DRIFT_VERDICT_LABEL, onDrift: { pipeline: 'retrain', mode: 'drift' } };
  const train = manifest.train;
  if (train?.paths && train.paths.length > 0) plan.trainChanges = trainChanges(train.paths);
  if (manifest.package?.image) plan.image = manifest.package.image;
  if (manifest.notify) plan.notify = notifyJob(manifest, secretsOf('notify'), env);
  if (manifest.evaluate) {
    const { metrics, gates, baseline } = manifest.evaluate;
    plan.gate = { metrics, gates, ...(baseline ? { baseline: { file: baseline.file, tolerance: baseline.tolerance } } : {}), report: { ...GATE_REPORT_PATHS } };
  }
  return plan;
}

function approvalOf(name: string, approval: boolean | { approvers: string[]; timeout: string }): Approval | undefined {
  if (approval === false) return undefined;
  const { approvers, timeout } = approval === true ? { approvers: [], timeout: DEFAULT_APPROVAL_TIMEOUT } : approval;
  return { approvers: [...approvers], timeoutMinutes: durationMinutes(timeout), message: `Deploy ${name} to production?` };
}

/** Notify runs where the defaults say, briefly, with the project installed (its command may import it). */
function notifyJob(manifest: Manifest, secrets: string[], env: Record<string, string>): HelperJob {
  const { runtime, install } = resolveRuntime(manifest);
  const command = manifest.notify!.failure;
  return {
    id: 'notify',
    title: 'Notify failure',
    runtime: { ...runtime, timeoutMinutes: HELPER_TIMEOUT_MINUTES },
    steps: [...setupSteps(runtime.venv, install), shell('notify', LABELS.notify, command, secrets)],
    env: { ...env },
    secrets,
  };
}

function stripTests(data: Manifest['data']): SectionRuntime {
  if (!data) return {};
  const { tests: _tests, pull: _pull, ...runtime } = data;
  return runtime;
}

function stripEnvironments(deploy: Manifest['deploy']): SectionRuntime {
  if (!deploy) return {};
  const { staging: _s, canary: _c, production: _p, ...runtime } = deploy;
  return runtime;
}
