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

export const PIPELINES = ['ci', 'predict', 'retrain', 'monitor'] as const;
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
  /**
   * The labels are one of GitHub's hosted runner labels (`ubuntu-latest`): they mean "the
   * platform's default runner" (GitLab: no tags, Azure: a vmImage, Jenkins: any agent).
   */
  hosted: boolean;
  /** A container image for the job, if any. */
  image?: string;
  /** The job's whole time, including any soak: the platform cancels it after this. */
  timeoutMinutes: number;
  /** The Python version to set up when the platform can (GitHub's setup-python, Azure's UsePythonVersion). */
  python: string;
  /** The job's container gets the machine's GPUs (`train.gpu`). */
  gpu: boolean;
  /** The job builds or pushes images: it needs a Docker daemon (the runner's, or a docker-in-docker service). */
  docker: boolean;
  /** The job needs a git checkout with history (DVC reads the repository; change detection diffs it). */
  git: boolean;
  /**
   * The workspace virtualenv (relative to the repository root) whose `bin` goes first on PATH
   * for every step after the `venv` step: installing there works as any user, in any image.
   */
  venv?: string;
  /**
   * The caches (`defaults.cache`) this job restores and saves, only those it uses: pip where it
   * installs, DVC where it pulls data. Empty for helper jobs and the plan's defaults.
   */
  caches: CacheKind[];
}

/** Who may approve a job, and how long the run waits (then it fails). */
export interface Approval {
  /** Users or groups, as the platform names them; empty: the platform's default (anyone who may run the pipeline). */
  approvers: string[];
  timeoutMinutes: number;
  /** The question shown to the approver. */
  message: string;
}

/**
 * One step of a job, in order. Every step has a label that is the same on every target.
 * `shell` steps carry their command verbatim (a manifest command) or mlgen's own script.
 */
export type Step = ShellStep | VenvStep | DownloadStep | UploadStep | SoakStep | RegistryLoginStep | DriftVerdictStep;

/** What a step is for: targets may print some roles natively (a soak as a delayed job, a login as a task). */
export type StepRole =
  | 'install'
  | 'pull-data'
  | 'run'
  | 'train'
  | 'fetch-baseline'
  | 'gate'
  | 'registry-login'
  | 'image-build'
  | 'image-push'
  | 'register'
  | 'deploy'
  | 'smoke'
  | 'shift-traffic'
  | 'analysis'
  | 'rollback'
  | 'predict'
  | 'monitor'
  | 'notify';

export interface ShellStep {
  type: 'shell';
  role: StepRole;
  label: string;
  /** Shell text: a manifest command verbatim, or a script mlgen wrote (`own`). */
  run: string;
  /** The script is mlgen's (image build, push), not the manifest's. */
  own: boolean;
  /** The secrets this step sees, by name (a subset of the job's). */
  secrets: string[];
}

/** Creates the workspace virtualenv; every later step runs with its `bin` first on PATH. */
export interface VenvStep {
  type: 'venv';
  label: string;
  /** Relative to the repository root, e.g. `.venv`. */
  dir: string;
  /** The shell that creates it (idempotent). */
  run: string;
}

/** Fetches the named artifact of an earlier job, so its files land at the paths they were uploaded from. */
export interface DownloadStep {
  type: 'download';
  label: string;
  /** The job that uploaded it; the artifact is named after that job. */
  from: string;
  paths: string[];
}

export interface UploadStep {
  type: 'upload';
  label: string;
  /** The artifact's name: the uploading job's id. */
  name: string;
  /** Files and folders relative to the repository root (`dir/` is a folder). */
  paths: string[];
}

/**
 * Reads the monitor's drift report and publishes the verdict as the job's output `drift`
 * (`true` or `false`), which decides whether the retrain chain runs (Plan.monitor). `run`
 * prints exactly `true` or `false` on stdout and exits 1, naming the file, when the report is
 * missing, not JSON, or has no boolean `drift`: a target captures stdout into its own output
 * mechanism (GitHub `$GITHUB_OUTPUT`, an Azure output variable, a Jenkins variable, GitLab's
 * child-pipeline choice) and fails the step when the script fails.
 */
export interface DriftVerdictStep {
  type: 'drift-verdict';
  label: string;
  /** The report file, relative to the repository root. */
  report: string;
  run: string;
}

/** Waits before the next step (the canary's soak). A platform may print it as a delay that holds no agent. */
export interface SoakStep {
  type: 'soak';
  label: string;
  seconds: number;
}

/** Logs in to an image registry before a push, when the manifest gives no `package.login`: each platform's native login. */
export interface RegistryLoginStep {
  type: 'registry-login';
  label: string;
  /** The registry host, e.g. `ghcr.io`, `registry.example.com`, `docker.io`. */
  registry: string;
  /**
   * The credentials every target logs in with, by name, when the registry is not the
   * platform's own (ghcr.io with the workflow token, GitLab's registry with the job's):
   * `username` and `password` are secret names (GitHub secrets, GitLab CI/CD variables); `id`
   * names one stored username-and-password credential (a Jenkins credential, an Azure Docker
   * Registry service connection).
   */
  credentials: RegistryCredentials;
}

export interface RegistryCredentials {
  username: string;
  password: string;
  id: string;
}

/** One traffic step of a canary: shift, soak, analyse. */
export interface CanaryPhase {
  /** `canary-10`: a job or stage id where a target gives each phase its own. */
  id: string;
  percent: number;
  /** The phase's own steps (shift traffic, soak, analysis), after the job's setup steps. */
  steps: Step[];
  /** MLGEN_CANARY_PERCENT and the job's env. */
  env: Record<string, string>;
  /** The phase's time, soak included. */
  timeoutMinutes: number;
}

export interface CanaryPlan {
  phases: CanaryPhase[];
  /**
   * Runs when any phase fails, times out or is cancelled (never when a job before the canary
   * failed). `steps` include the job's setup, for targets that run it in a fresh job.
   */
  rollback?: { id: string; steps: Step[]; env: Record<string, string> };
}

/** A job mlgen adds around the manifest's (notify): its own runtime, steps, env and secrets. */
export interface HelperJob {
  id: string;
  title: string;
  runtime: Runtime;
  steps: Step[];
  env: Record<string, string>;
  secrets: string[];
}

/**
 * "train.paths changed" (manifest-v1, What runs when), one rule for every target: a pull
 * request compares with its merge base with the target branch; a push to another branch with
 * its merge base with the release branch; a push to the release branch, the pushed range;
 * no base found: changed. `script` implements it in POSIX sh for targets that need a script.
 */
export interface TrainChanges {
  paths: string[];
  /**
   * Reads MLGEN_CHANGES_KIND (`pr`, `branch`, `release` or anything else: unknown),
   * MLGEN_CHANGES_TARGET (the branch to take the merge base with, for `pr` and `branch`) and
   * MLGEN_CHANGES_BEFORE (the commit before the push, for `release`); prints `true` or `false`.
   * MLGEN_CHANGES_OFFLINE set: fetch nothing, compare with the refs the clone has (`mlgen run`).
   */
  script: string;
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
  /** Runs only from the release branch (never for pull requests or other branches). */
  releaseOnly: boolean;
  /** Follows training: skipped on a push or pull request when `train.paths` did not change. */
  followsTraining: boolean;
  /** Everything the job does, in order (setup included): the only commands a target prints. */
  steps: Step[];
  /** Plain variables for every step: the manifest's `env`, and MLGEN_ENVIRONMENT in deploy jobs. */
  env: Record<string, string>;
  /** Every secret any of the job's steps sees. */
  secrets: string[];
  /** Code from a fork or an untrusted merge request: skip the job (it needs a self-hosted runner) or run it without secrets. */
  untrusted: 'skip' | 'no-secrets';
  /** May be cancelled by a newer run of the same branch; never on the release branch. */
  interruptible: boolean;
  /** The lock the job holds: one name for the whole deploy chain, across pipelines. */
  lock?: string;
  environment?: Environment;
  /** A person approves before the job starts. */
  approval?: Approval;
  /** canary only: the traffic steps and the rollback. */
  canary?: CanaryPlan;
  /** Report files the job's steps write, to show even when a step failed (evaluate: the gate's report). */
  report?: GateReport;
}

/** A kind chooses layout only (a stage name, an environment); what a job does is in its steps. */
export type PlanJob = JobCommon & { kind: 'check' | 'data-test' | 'train' | 'evaluate' | 'package' | 'staging' | 'canary' | 'production' | 'predict' | 'monitor' };

/** A cron schedule that starts one pipeline (in one mode). */
export interface Schedule {
  /** `predict`, `retrain-incremental`, `retrain-full`, … : unique, kebab-case. */
  id: string;
  cron: string;
  pipeline: 'predict' | 'retrain' | 'monitor';
  mode: TrainMode;
}

/**
 * `pipelines.monitor` (manifest-v1, What runs when): the monitor pipeline runs the monitor job;
 * when its drift verdict is `true`, the `retrain` pipeline's jobs run next in mode `drift`
 * (data tests, train, evaluate, package, and deploys when retrain deploys), in the same run
 * gated on the monitor's output (Azure, Jenkins) or in a run it starts (GitLab's child
 * pipeline; GitHub's workflow_dispatch of the retrain workflow, whose deploy lock a monitor
 * run must not hold while it only checks). The monitor job's commands see MLGEN_PIPELINE=monitor; the jobs after it see
 * MLGEN_PIPELINE=retrain and MLGEN_TRAIN_MODE=drift, as a `drift` retrain event would set.
 */
export interface MonitorPlan {
  /** The monitor job's id (`monitor`), the only job of pipeline `monitor` itself. */
  job: string;
  /** The report the drift check writes. */
  report: string;
  /** The step of the monitor job that publishes the verdict as output `drift`. */
  verdictStep: string;
  /** What runs when the verdict is `true`: every job of this pipeline, in this mode. */
  onDrift: { pipeline: 'retrain'; mode: 'drift' };
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
  /** Where the gate writes its reports (the evaluate job's `report` names the same files). */
  report?: { junit: string; markdown: string; html: string };
}

/**
 * The gate's report (manifest-v1, Gates): files the gate writes on success and failure alike,
 * which each target shows natively, even when the job failed.
 */
export interface GateReport {
  /** JUnit XML: one test case per gate bound and per baseline comparison. */
  junit: string;
  /** Markdown: one row per metric (value, bound, baseline, change, status). */
  markdown: string;
  /** The same as a standalone HTML page (Jenkins' HTML Publisher, where the manifest declares it). */
  html: string;
  /**
   * `evaluate.report: comment`: also one pull-request comment, updated in place, on
   * pull requests from the same repository (never from forks), where the platform has them.
   */
  comment: boolean;
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
  /** Every secret name the manifest declares. */
  secrets: string[];
  /** Runs when a run fails, times out or is cancelled. */
  notify?: HelperJob;
  /** How training decides whether it runs on pushes and pull requests, when `train.paths` is set. */
  trainChanges?: TrainChanges;
  /** The lock every deploy job holds (`<name>-deploy`), when there are deploys. */
  deployLock?: string;
  /** What the shared gate script checks (see src/gate), when there is an evaluate job. */
  gate?: GateConfig;
  /** The monitor pipeline and what reported drift runs, when `pipelines.monitor` is set. */
  monitor?: MonitorPlan;
  /** Whether a retrained model deploys (staging, canary, production). */
  retrainDeploys: boolean;
  /** The manifest's `overrides`, applied by each target after rendering. */
  overrides: {
    github?: Record<string, unknown>;
    gitlab?: Record<string, unknown>;
    azure?: Record<string, unknown>;
    jenkins?: { agent?: string; options?: string[]; environment?: Record<string, string>; plugins?: readonly 'htmlpublisher'[] };
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
    /** Runs only when the monitor reported drift (the monitor pipeline's retrain chain). */
    ifDrift: boolean;
  }[];
  /** The monitor pipeline: the jobs marked `ifDrift` run as this pipeline and mode. */
  onDrift?: { pipeline: 'retrain'; mode: 'drift' };
}
