/**
 * Plan jobs to GitLab jobs. One plan job is one GitLab job of the same name, except canary:
 * one job per traffic step (`canary-10`), a delayed analysis job per step
 * (`canary-10-analysis`) and `canary-rollback`, which runs when any of them fails.
 */
import type { Plan, PlanJob } from '../../plan/index.js';
import type { Cache, Environment, Job, Need, Rule } from './model.js';
import { jobRules } from './rules.js';

type Kind = PlanJob['kind'];
type Of<K extends Kind> = Extract<PlanJob, { kind: K }>;

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
};

/** Labels of GitHub's hosted runners mean "the platform's default runner": on GitLab, no tags. */
const HOSTED_LABEL = /^(ubuntu|windows|macos)-(latest|\d[\d.]*)(-\w+)?$/;
/**
 * GitHub puts `self-hosted` on every self-hosted runner by itself; a GitLab runner has only
 * the tags it was registered with, so the label would match no runner.
 */
const IMPLICIT_LABELS = new Set(['self-hosted']);

export function runnerTags(labels: string[]): string[] {
  return labels.filter((label) => !HOSTED_LABEL.test(label) && !IMPLICIT_LABELS.has(label));
}

/** GitLab reads durations like `90m` or `3h`. */
export function gitlabDuration(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

function startIn(seconds: number): string {
  const [count, unit] = seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** A word the shell reads as itself; anything else goes in single quotes. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9._/-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The requirements files an install reads (`-r FILE`), at most two (GitLab's limit for key files). */
function pipKeyFiles(install: string[]): string[] {
  const named = install.flatMap((command) => [...command.matchAll(/(?:^|\s)(?:-r|--requirement)[=\s]+([^\s;&|'"]+)/g)].map((m) => m[1]!));
  const files = [...new Set(named)].slice(0, 2);
  return files.length > 0 ? files : ['requirements.txt', 'pyproject.toml'];
}

/** A pip cache serves only a job that installs; dvc's serves any job that may run dvc. */
function caches(job: PlanJob): Cache[] {
  const kinds = job.setup.caches.filter((kind) => kind !== 'pip' || job.setup.install.length > 0);
  return kinds.map((kind) =>
    kind === 'pip'
      ? { key: { prefix: 'pip', files: pipKeyFiles(job.setup.install) }, paths: ['.cache/pip'] }
      : { key: { prefix: 'dvc', files: ['dvc.lock'] }, paths: ['.dvc/cache'] },
  );
}

export class JobBuilder {
  readonly jobs = new Map<string, Job>();
  /** The GitLab job that stands for a plan job when another job needs it. */
  private readonly tailOf = new Map<string, string>();

  constructor(private readonly plan: Plan) {}

  add(job: PlanJob): void {
    switch (job.kind) {
      case 'check':
      case 'data-test':
      case 'predict':
        this.put(job.id, this.base(job, [job.run]));
        break;
      case 'train':
        this.put(job.id, {
          ...this.base(job, [job.run]),
          ...(job.artifacts.length > 0 ? { artifacts: { paths: job.artifacts, expire_in: '30 days' } } : {}),
        });
        break;
      case 'evaluate':
        this.put(job.id, this.base(job, [...(job.fetchBaseline ? [job.fetchBaseline] : []), job.run]));
        break;
      case 'package':
        this.put(job.id, this.base(job, packageScript(job)));
        break;
      case 'staging':
        this.put(job.id, this.deploy(job, [job.run, ...(job.smoke ? [job.smoke] : [])], 'staging'));
        break;
      case 'canary':
        this.addCanary(job);
        break;
      case 'production':
        this.put(
          job.id,
          this.deploy(
            job,
            [job.run],
            'production',
            // `when: manual` inside rules makes a blocking job: the pipeline waits for a person.
            job.approval ? { when: 'manual' } : {},
          ),
        );
        if (job.approval) this.jobs.get(job.id)!.manual_confirmation = `Deploy ${this.plan.name} to production?`;
        break;
      default: {
        const unknown: never = job;
        throw new Error(`unknown job kind ${JSON.stringify(unknown)}`);
      }
    }
  }

  private put(name: string, job: Job, tailFor?: string): void {
    this.jobs.set(name, job);
    this.tailOf.set(tailFor ?? name, name);
  }

  private needs(job: PlanJob): Need[] {
    return job.needs.map((id) => {
      const needed = this.plan.jobs.find((j) => j.id === id)!;
      const optional = job.pipelines.some((p) => !needed.pipelines.includes(p));
      return { job: this.tailOf.get(id) ?? id, artifacts: job.setup.downloads.includes(id), ...(optional ? { optional: true } : {}) };
    });
  }

  private base(job: PlanJob, commands: string[], attributes: Pick<Rule, 'when' | 'start_in'> = {}): Job {
    const { runtime, setup } = job;
    const tags = runnerTags(runtime.runner);
    const jobCaches = caches(job);
    const deploy = job.kind === 'staging' || job.kind === 'canary' || job.kind === 'production' || job.kind === 'package';
    return {
      stage: STAGE_OF[job.kind],
      // Without an image of their own, jobs get the Python the manifest names, so python3 exists.
      image: runtime.image ?? `python:${runtime.python}`,
      ...(tags.length > 0 ? { tags } : {}),
      needs: this.needs(job),
      // A half-done release or deploy is worse than a late one: only CI work is interruptible.
      rules: jobRules(this.plan, job, attributes, !deploy),
      timeout: gitlabDuration(runtime.timeoutMinutes),
      ...(jobCaches.length > 0 ? { cache: jobCaches } : {}),
      script: [...setup.install, ...(setup.pullData ? [setup.pullData] : []), ...commands],
    };
  }

  private deploy(job: Of<'staging' | 'canary' | 'production'>, commands: string[], tier: Environment['deployment_tier'], attributes: Pick<Rule, 'when'> = {}): Job {
    const { script, ...rest } = this.base(job, commands, attributes);
    const environment: Environment = { name: job.environment.name, ...(job.environment.url ? { url: job.environment.url } : {}), deployment_tier: tier, action: 'start' };
    return { ...rest, resource_group: job.environment.name, environment, variables: { MLGEN_ENVIRONMENT: job.environment.name }, script };
  }

  /** Per step: shift traffic, then (after the soak interval) analyse; any failure rolls back. */
  private addCanary(job: Of<'canary'>): void {
    const names: string[] = [];
    let previous: Need[] | undefined;
    for (const percent of job.trafficSteps) {
      const step = `canary-${percent}`;
      const variables = { MLGEN_ENVIRONMENT: 'canary', MLGEN_CANARY_PERCENT: String(percent) };
      const soak = !job.analysis && job.intervalSeconds > 0 ? [`sleep ${job.intervalSeconds}`] : [];
      const shift = { ...this.deploy(job, [job.run, ...soak], 'production'), variables };
      if (previous) shift.needs = previous;
      this.put(step, shift, 'canary');
      names.push(step);
      previous = [{ job: step, artifacts: false }];
      if (job.analysis) {
        const analysisName = `${step}-analysis`;
        // A delayed job soaks without holding a runner; `verify` records no deployment.
        const delay: Pick<Rule, 'when' | 'start_in'> = job.intervalSeconds > 0 ? { when: 'delayed', start_in: startIn(job.intervalSeconds) } : {};
        const { resource_group: _group, environment, ...analysis } = this.deploy(job, [job.analysis], 'production');
        this.put(
          analysisName,
          { ...analysis, rules: jobRules(this.plan, job, delay), needs: previous, environment: { ...environment!, action: 'verify' }, variables },
          'canary',
        );
        names.push(analysisName);
        previous = [{ job: analysisName, artifacts: false }];
      }
    }
    if (job.rollback) {
      const rollback = this.deploy(job, [job.rollback], 'production');
      this.jobs.set('canary-rollback', {
        ...rollback,
        // Runs only when a canary job failed; the failed job still fails the pipeline.
        rules: jobRules(this.plan, job, { when: 'on_failure' }),
        needs: names.map((name) => ({ job: name, artifacts: false })),
        environment: { ...rollback.environment!, action: 'stop' },
      });
    }
  }
}

function packageScript(job: Of<'package'>): string[] {
  const script: string[] = [];
  if (job.login) script.push(job.login);
  if (job.image) script.push(`docker build -f ${shellWord(job.dockerfile)} -t "$MLGEN_IMAGE" .`, 'docker push "$MLGEN_IMAGE"');
  if (job.register) script.push(job.register);
  return script; // the manifest requires image or register, so never empty
}
