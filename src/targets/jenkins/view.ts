/**
 * The view model of one Jenkinsfile: every decision about the Jenkinsfile is made here, in
 * TypeScript, so the templates only lay it out. Manifest strings stay raw here; the templates'
 * `groovy` helper escapes each one where it lands.
 */
import { commandOf } from '../../plan/types.js';
import { PIPELINES, TRAIN_MODES, type PipelineId, type Plan, type PlanJob, type Runtime, type Schedule, type TrainMode } from '../../plan/index.js';

export interface AgentView {
  /** A Jenkins label expression: every runner label, joined with &&. */
  label: string;
  image?: string;
}

export interface ShView {
  script: string;
  label: string;
}

export interface WhenView {
  /** The pipelines (MLGEN_PIPELINE values) the stage belongs to, with the ci run's path filter. */
  pipelines: { pipeline: PipelineId; trainPaths?: string[] }[];
  releaseOnly: boolean;
  /** Decide before the input directive asks anyone (the approval stage). */
  beforeInput: boolean;
}

/** A group of stages that run side by side. */
export interface ParallelView {
  partial: 'stage-parallel';
  name: string;
  parallel: StageView[];
}

export interface StageView {
  /** The partial that lays the stage out: one per job kind. */
  partial: string;
  name: string;
  agent: AgentView;
  when: WhenView;
  timeoutMinutes: number;
  /** Setup commands (install, data pull) before the job's own. */
  setup: ShView[];
  /** Stashes this stage unstashes first (the jobs it downloads from). */
  unstash: string[];
  commands: ShView[];
  environment?: string;
  /** train: Ant patterns of its artifacts, comma-separated, for stash and archiveArtifacts. */
  artifacts?: string;
  /** canary: one nested stage per traffic step. */
  canarySteps?: { name: string; percent: string; commands: ShView[]; sleepSeconds: number; analysis?: ShView }[];
  rollback?: ShView;
  /** production: the approval stage before it. */
  approval?: { name: string; message: string; when: WhenView };
}

/** What templates/jenkins/stages.hbs renders: the stages, the same in every Jenkinsfile of a plan. */
export interface StagesView {
  releaseBranch: string;
  approvalTimeoutDays: number;
  /** MLGEN_IMAGE without the tag, when the plan builds an image. */
  imageRepository?: string;
  stages: (StageView | ParallelView)[];
}

export interface JenkinsfileView {
  /** MLGEN_IMAGE without the tag, when the plan builds an image (the notify partial checks out the commit). */
  imageRepository?: string;
  options: string[];
  parameters: { pipelines: PipelineId[]; modes: TrainMode[] };
  defaults: { pipeline: PipelineId; mode: TrainMode };
  cron?: string;
  secrets: string[];
  environment: { name: string; value: string }[];
  /** The `stages` block, rendered once per plan from stagesView(). */
  stages: string;
  notify?: { agent: AgentView; command: ShView };
}


/** How long the production approval waits for a person before the run gives up. */
export const APPROVAL_TIMEOUT_DAYS = 7;

/** One partial per kind of stage: jobs that only run commands share one layout. */
const PARTIAL_OF: Record<PlanJob['kind'], string> = {
  check: 'stage-command',
  'data-test': 'stage-command',
  train: 'stage-train',
  evaluate: 'stage-command',
  package: 'stage-command',
  staging: 'stage-deploy',
  canary: 'stage-canary',
  production: 'stage-deploy',
  predict: 'stage-command',
};

/** Jenkins label atoms with other characters than these must be quoted. */
const PLAIN_LABEL = /^[A-Za-z0-9_.-]+$/;

export function labelExpression(labels: readonly string[]): string {
  return labels.map((label) => (PLAIN_LABEL.test(label) ? label : `"${label.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(' && ');
}

function agentFor(plan: Plan, runtime: Runtime): AgentView {
  const label = plan.overrides.jenkins?.agent ?? labelExpression(runtime.runner);
  return runtime.image ? { label, image: runtime.image } : { label };
}

/** A word the shell reads back unchanged. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Ant patterns for stash and archiveArtifacts: a folder stands for everything below it. */
function antPatterns(paths: readonly string[]): string {
  return paths.map((p) => (p.endsWith('/') ? `${p}**` : p)).join(',');
}

function whenFor(plan: Plan, job: PlanJob): WhenView {
  const train = plan.jobs.find((j) => j.kind === 'train');
  const trainPaths = train?.kind === 'train' && train.paths.length > 0 && job.followsTraining ? train.paths : undefined;
  return {
    pipelines: PIPELINES.filter((p) => job.pipelines.includes(p)).map((pipeline) =>
      pipeline === 'ci' && trainPaths ? { pipeline, trainPaths } : { pipeline },
    ),
    releaseOnly: job.releaseOnly,
    beforeInput: false,
  };
}

function commandsOf(job: PlanJob): ShView[] {
  switch (job.kind) {
    case 'check':
    case 'data-test':
    case 'train':
    case 'predict':
      return [{ script: job.run, label: job.id }];
    case 'evaluate':
      return [...(job.fetchBaseline ? [{ script: job.fetchBaseline, label: 'fetch baseline' }] : []), { script: job.run, label: 'metric gates' }];
    case 'package':
      return [
        ...(job.login ? [{ script: job.login, label: 'registry login' }] : []),
        ...(job.image
          ? [
              { script: `docker build -f ${shellWord(job.dockerfile)} -t "$MLGEN_IMAGE" .`, label: 'docker build' },
              { script: 'docker push "$MLGEN_IMAGE"', label: 'docker push' },
            ]
          : []),
        ...(job.register ? [{ script: job.register, label: 'register model' }] : []),
      ];
    case 'staging':
      return [
        { script: job.run, label: job.environment.url ? `deploy to staging (${job.environment.url})` : 'deploy to staging' },
        ...(job.smoke ? [{ script: job.smoke, label: 'smoke test' }] : []),
      ];
    case 'production':
      return [{ script: job.run, label: job.environment.url ? `deploy to production (${job.environment.url})` : 'deploy to production' }];
    case 'canary':
      return [];
    default: {
      const unknown: never = job;
      throw new Error(`unknown job kind ${JSON.stringify(unknown)}`);
    }
  }
}

function stageFor(plan: Plan, job: PlanJob): StageView {
  const hasArtifacts = (id: string) => plan.jobs.some((j) => j.id === id && j.kind === 'train' && j.artifacts.length > 0);
  const stage: StageView = {
    partial: PARTIAL_OF[job.kind],
    name: job.id,
    agent: agentFor(plan, job.runtime),
    when: whenFor(plan, job),
    timeoutMinutes: job.runtime.timeoutMinutes,
    setup: [
      ...job.setup.install.map((script) => ({ script, label: 'install' })),
      ...(job.setup.pullData ? [{ script: job.setup.pullData, label: 'pull data' }] : []),
    ],
    unstash: job.setup.downloads.filter(hasArtifacts),
    commands: commandsOf(job),
  };
  if (job.kind === 'train' && job.artifacts.length > 0) stage.artifacts = antPatterns(job.artifacts);
  if (job.kind === 'staging' || job.kind === 'canary' || job.kind === 'production') stage.environment = job.environment.name;
  if (job.kind === 'canary') {
    stage.canarySteps = job.trafficSteps.map((percent) => ({
      name: `canary-${percent}`,
      percent: String(percent),
      commands: [{ script: job.run, label: `canary ${percent}%` }],
      sleepSeconds: job.intervalSeconds,
      ...(job.analysis ? { analysis: { script: job.analysis, label: `canary ${percent}% analysis` } } : {}),
    }));
    if (job.rollback) stage.rollback = { script: job.rollback, label: 'canary rollback' };
  }
  if (job.kind === 'production' && job.approval) {
    stage.approval = {
      name: 'production-approval',
      message: `Deploy ${plan.name} to production?`,
      when: { ...stage.when, beforeInput: true },
    };
  }
  return stage;
}

/**
 * The change-set conditions read the build's change log, which a checkout records. With
 * `agent none` and `beforeAgent true`, the train stage decides before its own checkout, so some
 * earlier stage of a ci run must have checked out: the checks do; without checks, this stage.
 */
function trainChangesStage(plan: Plan, train: PlanJob): StageView {
  return {
    partial: 'stage-train-changes',
    name: 'train-changes',
    agent: { label: agentFor(plan, plan.runtime).label },
    when: { pipelines: [{ pipeline: 'ci' }], releaseOnly: false, beforeInput: false },
    timeoutMinutes: Math.min(train.runtime.timeoutMinutes, 10),
    setup: [],
    unstash: [],
    commands: [],
  };
}

/** Stages in plan order; consecutive jobs that need the same jobs run side by side. */
function stagesFor(plan: Plan): (StageView | ParallelView)[] {
  const groups: PlanJob[][] = [];
  for (const job of plan.jobs) {
    const last = groups.at(-1);
    const sameNeeds = last && last[0]!.needs.join(',') === job.needs.join(',') && !job.needs.some((id) => last.some((j) => j.id === id));
    if (last && sameNeeds && last[0]!.kind !== 'predict' && job.kind !== 'predict') last.push(job);
    else groups.push([job]);
  }
  const stages: (StageView | ParallelView)[] = [];
  for (const group of groups) {
    const first = group[0]!;
    if (first.kind === 'train' && whenFor(plan, first).pipelines.some((p) => p.trainPaths) && stages.length === 0) {
      stages.push(trainChangesStage(plan, first));
    }
    if (group.length === 1) stages.push(stageFor(plan, first));
    else {
      stages.push({ partial: 'stage-parallel', name: 'checks', parallel: group.map((job) => stageFor(plan, job)) });
    }
  }
  return stages;
}

export function stagesView(plan: Plan): StagesView {
  return {
    releaseBranch: plan.releaseBranch,
    approvalTimeoutDays: APPROVAL_TIMEOUT_DAYS,
    ...(plan.image ? { imageRepository: plan.image } : {}),
    stages: stagesFor(plan),
  };
}

/** The plan's view for the main Jenkinsfile, or for one schedule's Jenkinsfile, around its rendered stages. */
export function jenkinsfileView(plan: Plan, stages: string, schedule?: Schedule): JenkinsfileView {
  const defaultPipeline: PipelineId = schedule?.pipeline ?? (plan.pipelines.includes('ci') ? 'ci' : plan.pipelines[0]!);
  const defaultMode: TrainMode = schedule?.mode ?? 'full';
  // A choice parameter's first choice is its default, for timers as for people.
  const first = <T>(value: T, all: readonly T[]): T[] => [value, ...all.filter((v) => v !== value)];
  const overrides = plan.overrides.jenkins ?? {};
  return {
    ...(plan.image ? { imageRepository: plan.image } : {}),
    options: ['disableConcurrentBuilds()', ...(overrides.options ?? [])],
    parameters: { pipelines: first(defaultPipeline, plan.pipelines), modes: first(defaultMode, TRAIN_MODES) },
    defaults: { pipeline: defaultPipeline, mode: defaultMode },
    // Jenkins reads cron in the controller's time zone unless the spec names one; mlgen schedules are UTC.
    ...(schedule ? { cron: `TZ=UTC\n${schedule.cron}` } : {}),
    secrets: plan.secrets,
    environment: Object.entries(overrides.environment ?? {}).map(([name, value]) => ({ name, value })),
    stages,
    ...(plan.notify ? { notify: { agent: agentFor(plan, plan.runtime), command: { script: commandOf(plan.notify), label: 'notify' } } } : {}),
  };
}
