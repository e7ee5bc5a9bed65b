/**
 * Plan jobs to GitLab jobs. One plan job is one GitLab job of the same name, except canary:
 * per phase a job that shifts traffic (`canary-10`) and, after the soak, a delayed job that
 * analyses (`canary-10-analysis`), then `canary-rollback`, which runs when any of them failed.
 * A job's kind chooses its stage and environment tier only; what it runs is its steps.
 */
import { literalVariable, type GitLabVariable } from '../../escape/gitlab.js';
import type { CanaryPhase, GateReport, Plan, PlanJob, Runtime, Step } from '../../plan/index.js';
import type { Cache, Environment, Job, Need, Rule, TriggerJob } from './model.js';
import { jobRules } from './rules.js';
import { printSteps, registrySecrets, runnerTags } from './steps.js';

export { runnerTags };

type Kind = PlanJob['kind'];

export const STAGE_OF: Readonly<Record<Kind, string>> = {
  check: 'test',
  'data-test': 'test',
  train: 'train',
  evaluate: 'evaluate',
  package: 'package',
  staging: 'staging',
  canary: 'canary',
  production: 'production',
  predict: 'predict',
  monitor: 'monitor',
};

const TIER_OF: Partial<Record<Kind, Environment['deployment_tier']>> = { staging: 'staging', canary: 'production', production: 'production' };

/** Pinned: the Docker CLI image and the daemon service that builds and pushes images. */
export const DOCKER_IMAGE = 'docker:27.5.1-cli';
export const DIND_SERVICE = 'docker:27.5.1-dind';
/** GitLab's documented docker-in-docker with TLS: the job reaches the service `docker` on 2376. */
const DIND_VARIABLES: Record<string, string> = {
  DOCKER_HOST: 'tcp://docker:2376',
  DOCKER_TLS_CERTDIR: '/certs',
  DOCKER_TLS_VERIFY: '1',
  DOCKER_CERT_PATH: '$DOCKER_TLS_CERTDIR/client',
};
/** The Docker image is Alpine without Python; steps that run Python get it first. */
const PYTHON_ON_ALPINE = 'command -v python3 >/dev/null 2>&1 || apk add --no-cache python3 py3-pip';

/** GitLab reads durations like `90m` or `3h`. */
export function gitlabDuration(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

function startIn(seconds: number): string {
  const [count, unit] = seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** The caches the plan gives the job (only those it uses). */
function cacheKindsOf(job: PlanJob): string[] {
  return job.runtime.caches;
}

/** The requirements files an install reads (`-r FILE`), at most two (GitLab's limit for key files). */
function pipKeyFiles(steps: readonly Step[]): string[] {
  const installs = steps.flatMap((s) => (s.type === 'shell' && s.role === 'install' ? [s.run] : []));
  const named = installs.flatMap((command) => [...command.matchAll(/(?:^|\s)(?:-r|--requirement)[=\s]+([^\s;&|'"]+)/g)].map((m) => m[1]!));
  const files = [...new Set(named)].slice(0, 2);
  return files.length > 0 ? files : ['requirements.txt', 'pyproject.toml'];
}

const installs = (steps: readonly Step[]) => steps.some((s) => s.type === 'shell' && s.role === 'install');
const pullsData = (steps: readonly Step[]) => steps.some((s) => s.type === 'shell' && s.role === 'pull-data');

/** What one GitLab job is made of. */
interface Unit {
  job: PlanJob;
  steps: readonly Step[];
  runtime: Runtime;
  env: Record<string, string>;
  rules: Rule[];
  needs: Need[];
}

/**
 * A job-level variable the job's rules already guarantee, left out: the monitor's
 * MLGEN_PIPELINE=monitor is the pipeline variable that selects it. Printed, it would also
 * select it: GitLab evaluates a job's rules with its own `variables` over the file's, so in a
 * pipeline that sets no MLGEN_PIPELINE (a push) the job's value would win over the default `ci`.
 */
function selectedBy(job: PlanJob, key: string, value: string): boolean {
  return key === 'MLGEN_PIPELINE' && job.pipelines.length === 1 && job.pipelines[0] === value;
}

/** The trigger job that runs the monitor's child pipeline (see steps.ts driftVerdict). */
export const DRIFT_TRIGGER_JOB = 'retrain-on-drift';

/**
 * Runs the configuration the monitor job wrote as a child pipeline, in the monitor pipeline
 * only: with the variables of the retrain run it stands for (MLGEN_PIPELINE=retrain,
 * MLGEN_TRAIN_MODE=drift), whose result it takes (`strategy: depend`).
 */
export function driftTrigger(plan: Plan, artifact: string): TriggerJob | undefined {
  const monitor = plan.monitor;
  if (!monitor) return undefined;
  const job = plan.jobs.find((j) => j.id === monitor.job);
  if (!job) throw new Error(`the monitor job "${monitor.job}" is not in the plan`);
  return {
    stage: STAGE_OF[job.kind],
    needs: [{ job: job.id, artifacts: true }],
    rules: jobRules(plan, job),
    variables: { MLGEN_PIPELINE: literalVariable(monitor.onDrift.pipeline), MLGEN_TRAIN_MODE: literalVariable(monitor.onDrift.mode) },
    trigger: { include: [{ artifact, job: job.id }], strategy: 'depend' },
  };
}

export class JobBuilder {
  readonly jobs = new Map<string, Job>();
  /** The GitLab job that stands for a plan job when another job needs it. */
  private readonly tailOf = new Map<string, string>();
  /** The one job per cache that writes it; every other job only pulls. */
  private readonly writers: { pip?: string; dvc?: string };

  constructor(
    private readonly plan: Plan,
    /** Variables every job has the same: written once at the top. */
    private readonly common: Record<string, string>,
  ) {
    const withCache = (kind: string, uses: (steps: readonly Step[]) => boolean) => plan.jobs.find((j) => cacheKindsOf(j).includes(kind) && uses(j.steps))?.id;
    const pip = withCache('pip', installs);
    const dvc = withCache('dvc', pullsData);
    this.writers = { ...(pip ? { pip } : {}), ...(dvc ? { dvc } : {}) };
  }

  add(job: PlanJob): void {
    if (job.canary) {
      this.addCanary(job);
      return;
    }
    const attributes: Pick<Rule, 'when'> = job.approval ? { when: 'manual' } : {};
    const built = this.build({ job, steps: job.steps, runtime: job.runtime, env: job.env, rules: jobRules(this.plan, job, attributes), needs: this.needsOf(job) }, 'start');
    // `when: manual` inside rules is a blocking manual job: the pipeline waits for a person.
    if (job.approval) built.manual_confirmation = job.approval.message;
    this.put(job.id, built);
  }

  private put(name: string, job: Job, tailFor?: string): void {
    this.jobs.set(name, job);
    this.tailOf.set(tailFor ?? name, name);
  }

  private need(job: PlanJob, id: string, artifacts: boolean): Need {
    const needed = this.plan.jobs.find((j) => j.id === id)!;
    const optional = job.pipelines.some((p) => !needed.pipelines.includes(p));
    return { job: this.tailOf.get(id) ?? id, artifacts, ...(optional ? { optional: true } : {}) };
  }

  /**
   * The jobs a job follows, plus every job whose artifacts it downloads: with `needs`, GitLab
   * hands a job the artifacts of the jobs it lists with `artifacts: true`, and of no other.
   */
  private needsOf(job: PlanJob, steps: readonly Step[] = job.steps, previous?: Need[]): Need[] {
    const downloads = printSteps(steps, { runtime: job.runtime }).downloads;
    const follows = previous ?? job.needs.map((id) => this.need(job, id, downloads.includes(id)));
    const listed = new Set(follows.map((n) => n.job));
    return [...follows, ...downloads.filter((id) => !listed.has(id)).map((id) => this.need(job, id, true))];
  }

  private build(unit: Unit, action: Environment['action']): Job {
    const { job, steps, runtime } = unit;
    const printed = printSteps(steps, { runtime });
    const tags = runnerTags(runtime.runner);
    const variables: Record<string, GitLabVariable> = {};
    for (const [key, value] of Object.entries(unit.env)) if (this.common[key] !== value && !selectedBy(job, key, value)) variables[key] = literalVariable(value);
    // DVC reads the repository's history; GitLab clones 20 commits deep by default.
    if (runtime.git) variables.GIT_DEPTH = '0';
    if (runtime.docker) Object.assign(variables, DIND_VARIABLES);
    const script = [...this.unsetOthers(unit, printed.registries.length > 0), ...printed.script];
    const needsPython = steps.some((s) => s.type === 'venv' || (s.type === 'shell' && !s.own));
    const caches = this.caches(job.id, cacheKindsOf(job), steps);
    const tier = TIER_OF[job.kind];
    return {
      stage: STAGE_OF[job.kind],
      // Without an image of their own, jobs get the Python the manifest names, so python3 exists.
      image: runtime.docker ? DOCKER_IMAGE : (runtime.image ?? `python:${runtime.python}`),
      ...(runtime.docker ? { services: [{ name: DIND_SERVICE, alias: 'docker' }] } : {}),
      ...(tags.length > 0 ? { tags } : {}),
      needs: unit.needs,
      rules: unit.rules,
      timeout: gitlabDuration(runtime.timeoutMinutes),
      ...(job.lock ? { resource_group: job.lock } : {}),
      ...(job.environment && tier
        ? { environment: { name: job.environment.name, ...(job.environment.url ? { url: job.environment.url } : {}), deployment_tier: tier, action } }
        : {}),
      ...(Object.keys(variables).length > 0 ? { variables } : {}),
      ...(caches.length > 0 ? { cache: caches } : {}),
      script: runtime.docker && needsPython ? [PYTHON_ON_ALPINE, ...script] : script,
      ...artifactsOf(printed.uploads, job.report),
    };
  }

  /**
   * GitLab CI/CD variables reach every job of the project: a job drops the manifest's secrets
   * that are not for it before anything runs (the registry pair stays where it logs in).
   */
  private unsetOthers(unit: Unit, logsIn: boolean): string[] {
    const mine = new Set(unit.steps.flatMap((s) => (s.type === 'shell' ? s.secrets : [])));
    const login = logsIn ? registrySecrets(unit.steps) : [];
    const others = this.plan.secrets.filter((name) => !mine.has(name) && !login.includes(name));
    return others.length > 0 ? [`unset ${others.join(' ')}`] : [];
  }

  /** pip's cache serves a job that installs; DVC's a job that pulls data. One writer each. */
  private caches(name: string, kinds: string[], steps: readonly Step[]): Cache[] {
    const caches: Cache[] = [];
    const policy = (kind: 'pip' | 'dvc') => (this.writers[kind] === name ? 'pull-push' : 'pull');
    if (kinds.includes('pip') && installs(steps)) caches.push({ key: { prefix: 'pip', files: pipKeyFiles(steps) }, paths: ['.cache/pip'], policy: policy('pip') });
    if (kinds.includes('dvc') && pullsData(steps)) caches.push({ key: { prefix: 'dvc', files: ['dvc.lock'] }, paths: ['.dvc/cache'], policy: policy('dvc') });
    return caches;
  }

  /** Per phase: shift traffic, then (after the soak, as a delay that holds no runner) analyse; any failure rolls back. */
  private addCanary(job: PlanJob): void {
    const canary = job.canary!;
    const setup = job.steps;
    const names: string[] = [];
    let previous: Need[] = job.needs.map((id) => this.need(job, id, false));
    const unit = (name: string, steps: Step[], phase: CanaryPhase, minutes: number, attributes: Pick<Rule, 'when' | 'start_in'>, action: Environment['action']) => {
      const all = [...setup, ...steps];
      const built = this.build(
        { job, steps: all, runtime: { ...job.runtime, timeoutMinutes: minutes }, env: phase.env, rules: jobRules(this.plan, job, attributes), needs: this.needsOf(job, all, previous) },
        action,
      );
      this.put(name, built, job.id);
      names.push(name);
      previous = [{ job: name, artifacts: false }];
    };
    for (const phase of canary.phases) {
      const soakAt = phase.steps.findIndex((s) => s.type === 'soak');
      const soak = phase.steps[soakAt];
      const after = soakAt >= 0 ? phase.steps.slice(soakAt + 1) : [];
      if (soak?.type === 'soak' && after.length > 0) {
        // The soak is the analysis job's delay; neither job's timeout has to hold it.
        const minutes = Math.max(1, phase.timeoutMinutes - Math.ceil(soak.seconds / 60));
        unit(phase.id, phase.steps.slice(0, soakAt), phase, minutes, {}, 'start');
        unit(`${phase.id}-analysis`, after, phase, minutes, { when: 'delayed', start_in: startIn(soak.seconds) }, 'verify');
      } else {
        unit(phase.id, phase.steps, phase, phase.timeoutMinutes, {}, 'start');
      }
    }
    const rollback = canary.rollback;
    if (rollback) {
      // The job's own time, without the soaks the canary's runtime adds up.
      const first = canary.phases[0];
      const soak = first?.steps.find((s) => s.type === 'soak');
      const minutes = first ? first.timeoutMinutes - (soak?.type === 'soak' ? Math.ceil(soak.seconds / 60) : 0) : job.runtime.timeoutMinutes;
      const phaseJobs = names.map((name) => ({ job: name, artifacts: false }));
      const built = this.build(
        {
          job,
          steps: rollback.steps,
          runtime: { ...job.runtime, timeoutMinutes: Math.max(1, minutes) },
          env: rollback.env,
          // Runs only when a canary job failed (a timed-out job is a failed job); the failed job still fails the pipeline.
          rules: jobRules(this.plan, job, { when: 'on_failure' }),
          needs: this.needsOf(job, rollback.steps, phaseJobs),
        },
        'stop',
      );
      this.jobs.set(rollback.id, built);
    }
  }
}

/**
 * A job's uploads, and the gate's report (plan `job.report`): the JUnit file as a test report
 * (the merge request's test widget and the pipeline's Tests tab read it), the Markdown linked
 * from the merge request by `expose_as`, both kept when the gate fails.
 */
function artifactsOf(uploads: string[], report: GateReport | undefined): Pick<Job, 'artifacts'> {
  if (!report) return uploads.length > 0 ? { artifacts: { paths: uploads, expire_in: '30 days' } } : {};
  return {
    artifacts: {
      // Listed in paths too: reports alone are not browsable, and expose_as links what paths hold.
      paths: [report.markdown, report.junit, ...uploads],
      expire_in: '30 days',
      when: 'always',
      expose_as: 'mlgen gate report',
      reports: { junit: [report.junit] },
    },
  };
}
