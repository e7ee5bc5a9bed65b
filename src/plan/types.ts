/**
 * The plan: one target-neutral model of what the manifest asks for. Targets read only this.
 *
 * Runtime variables (manifest-v1 "What every command can rely on") are each target's job,
 * because each platform spells them differently: MLGEN_PIPELINE and MLGEN_TRAIN_MODE come from
 * the run's pipeline and mode, MLGEN_VERSION from the commit SHA, MLGEN_IMAGE is
 * `${plan.image}:${MLGEN_VERSION}`, MLGEN_MODEL_VERSION defaults to `latest` (a manual run may
 * set it), MLGEN_ENVIRONMENT is the job's environment, MLGEN_CANARY_PERCENT the canary step.
 */
import type { CacheKind, TargetId, TrainMode } from '../manifest/index.js';

export type { CacheKind, TargetId, TrainMode };

export const PIPELINES = ['ci', 'predict', 'retrain'] as const;
export type PipelineId = (typeof PIPELINES)[number];

export type JobKind = PlanJob['kind'];
export type EnvironmentName = 'staging' | 'canary' | 'production';

export interface Environment {
  name: EnvironmentName;
  url?: string;
}

/** Where and how long a job runs. */
export interface Runtime {
  /** Runner labels; a runner must have all of them. */
  runner: string[];
  /** A container image for the job, if any. */
  image?: string;
  timeoutMinutes: number;
  /** The Python version to set up when the platform can (GitHub's setup-python, Azure's UsePythonVersion). */
  python: string;
}

/** What a job does before its own commands. */
export interface Setup {
  /** `defaults.install`, run first (deploy jobs skip it: they run the deploy command only). */
  install: string[];
  /** `data.pull`, for data tests and training. */
  pullData?: string;
  caches: CacheKind[];
  /** Ids of jobs whose artifacts this job downloads before it runs. */
  downloads: string[];
}

interface JobCommon {
  /** Unique, kebab-case: `check-lint`, `data-schema`, `train`, `evaluate`, `package`, `staging`, `canary`, `production`, `predict`. */
  id: string;
  /** A human title, e.g. "Check: lint". */
  title: string;
  /** The pipelines this job belongs to. */
  pipelines: PipelineId[];
  /** Every job this one follows, in any pipeline. Use `needsIn` for one pipeline. */
  needs: string[];
  runtime: Runtime;
  setup: Setup;
  /** Runs only from the release branch (never for pull requests or other branches). */
  releaseOnly: boolean;
  /** Follows training: skipped on a push or pull request when `train.paths` did not change. */
  followsTraining: boolean;
}

export type PlanJob =
  | (JobCommon & { kind: 'check'; run: string })
  | (JobCommon & { kind: 'data-test'; run: string })
  | (JobCommon & { kind: 'train'; run: string; paths: string[]; artifacts: string[] })
  | (JobCommon & { kind: 'evaluate'; fetchBaseline?: string; run: string })
  | (JobCommon & { kind: 'package'; image?: string; dockerfile: string; login?: string; register?: string })
  | (JobCommon & { kind: 'staging'; environment: Environment; run: string; smoke?: string })
  | (JobCommon & {
      kind: 'canary';
      environment: Environment;
      run: string;
      steps: number[];
      analysis?: string;
      intervalSeconds: number;
      rollback?: string;
    })
  | (JobCommon & { kind: 'production'; environment: Environment; run: string; approval: boolean })
  | (JobCommon & { kind: 'predict'; run: string });

/** A cron schedule that starts one pipeline (in one mode). */
export interface Schedule {
  /** `predict`, `retrain-incremental`, `retrain-full`, … : unique, kebab-case. */
  id: string;
  cron: string;
  pipeline: 'predict' | 'retrain';
  mode: TrainMode;
}

/** An external event (a webhook, an API call) that starts a retrain. */
export interface ExternalEvent {
  /** The event name from the manifest, e.g. `drift-detected`. */
  id: string;
  pipeline: 'retrain';
  mode: TrainMode;
}

export interface GateConfig {
  metrics: string;
  gates: { metric: string; min?: number; max?: number }[];
  baseline?: { file: string; tolerance: Record<string, number> };
}

export interface Plan {
  name: string;
  targets: TargetId[];
  releaseBranch: string;
  /** How a job runs by default (`defaults`): for helper jobs a target adds, such as notify. */
  runtime: Runtime;
  /** Every job, in an order where each job comes after the jobs it needs. */
  jobs: PlanJob[];
  /** The pipelines that have jobs, `ci` first. */
  pipelines: PipelineId[];
  schedules: Schedule[];
  events: ExternalEvent[];
  /** `package.image` without a tag; MLGEN_IMAGE is this tagged with the commit SHA. */
  image?: string;
  secrets: string[];
  notify?: { failure: string };
  /** What the shared gate script checks (see src/gate), when there is an evaluate job. */
  gate?: GateConfig;
  /** Whether a retrained model deploys (staging, canary, production). */
  retrainDeploys: boolean;
  /** The manifest's `overrides`, applied by each target after rendering. */
  overrides: {
    github?: Record<string, unknown>;
    gitlab?: Record<string, unknown>;
    azure?: Record<string, unknown>;
    jenkins?: { agent?: string; options?: string[]; environment?: Record<string, string> };
  };
}

/** What starts a run, as the manifest's "What runs when" table names it. */
export type PlanEvent =
  | { kind: 'pull-request' }
  | { kind: 'push'; branch: string }
  | { kind: 'schedule'; schedule: string }
  | { kind: 'external'; event: string }
  | { kind: 'manual'; pipeline: PipelineId; mode: TrainMode };

/** The jobs one event runs, in order, with the pipeline variables it sets. */
export interface EventRun {
  event: PlanEvent;
  pipeline: PipelineId;
  mode: TrainMode;
  jobs: {
    id: string;
    /** Runs only when a file of `train.paths` changed (pushes and pull requests). */
    ifPathsChanged: boolean;
    /** Waits for a person's approval first. */
    approval: boolean;
  }[];
}
