/**
 * A typed model of the part of Azure Pipelines YAML that mlgen writes, and its conversion
 * to the plain document that overrides merge into and `toYaml` prints.
 *
 * Stages and jobs are lists in Azure's YAML. Overrides could not reach one stage of a list
 * (deepMerge replaces lists), so the mergeable document keys stages and jobs by id and the
 * final step turns those mappings back into Azure's lists, `stage:`/`job:` first.
 */

export interface AzurePipeline {
  trigger: CiTrigger | 'none';
  pr: BranchTrigger | 'none';
  schedules: CronSchedule[];
  parameters: RuntimeParameter[];
  /** Insertion-ordered; a key may be a template conditional (`${{ if … }}`) holding a mapping. */
  variables: Record<string, string | Record<string, string>>;
  /** How this pipeline's exclusive-lock requests queue (set when anything deploys). */
  lockBehavior?: 'sequential' | 'runLatest';
  stages: Stage[];
}

export interface BranchTrigger {
  branches: { include: string[] };
}

export interface CiTrigger extends BranchTrigger {
  batch: boolean;
}

export interface CronSchedule {
  cron: string;
  displayName: string;
  branches: { include: string[] };
  always: boolean;
}

export interface RuntimeParameter {
  name: string;
  displayName: string;
  type: 'string';
  default: string;
  values?: string[];
}

export interface Stage {
  id: string;
  displayName: string;
  dependsOn: string[];
  condition?: string;
  jobs: Job[];
}

export type Pool = { vmImage: string } | { name: string; demands?: string[] } | 'server';

export type Container = string | { image: string; options: string };

interface JobBase {
  id: string;
  displayName: string;
  dependsOn?: string[];
  condition?: string;
  pool: Pool;
  timeoutInMinutes: number;
}

/** A job's variables; a key may be a template conditional (`${{ if … }}`) holding a mapping. */
export type JobVariables = Record<string, string | Record<string, string>>;

export interface AgentJob extends JobBase {
  kind: 'job';
  container?: Container;
  variables?: JobVariables;
  steps: Step[];
}

/** An agentless job (`pool: server`): ManualValidation, Delay. */
export interface ServerJob extends JobBase {
  kind: 'server';
  steps: Step[];
}

export interface DeploymentJob extends JobBase {
  kind: 'deployment';
  container?: Container;
  variables?: JobVariables;
  environment: string;
  strategy: { runOnce: { deploy: Hook } } | { canary: CanaryStrategy };
}

export interface CanaryStrategy {
  increments: number[];
  routeTraffic: Hook;
  postRouteTraffic?: Hook;
}

export interface Hook {
  pool?: 'server';
  steps: Step[];
}

export type Job = AgentJob | ServerJob | DeploymentJob;

export type Step =
  | { checkout: 'self'; fetchDepth?: number; displayName?: string; condition?: string }
  | { bash: string; displayName: string; name?: string; condition?: string; env?: Record<string, string> }
  | { task: string; displayName: string; inputs: Record<string, string | boolean>; condition?: string }
  | { publish: string; artifact: string; displayName: string }
  | { download: 'none' };

type Doc = Record<string, unknown>;

/** The pipeline as a plain document with stages and jobs keyed by id, ready for overrides. */
export function toMergeable(pipeline: AzurePipeline): Doc {
  const doc: Doc = { trigger: pipeline.trigger, pr: pipeline.pr };
  if (pipeline.schedules.length > 0) doc.schedules = pipeline.schedules;
  if (pipeline.parameters.length > 0) doc.parameters = pipeline.parameters;
  if (pipeline.lockBehavior) doc.lockBehavior = pipeline.lockBehavior;
  doc.variables = pipeline.variables;
  doc.stages = Object.fromEntries(pipeline.stages.map((stage) => [stage.id, stageBody(stage)]));
  return doc;
}

function stageBody(stage: Stage): Doc {
  const body: Doc = { displayName: stage.displayName, dependsOn: stage.dependsOn };
  if (stage.condition) body.condition = stage.condition;
  body.jobs = Object.fromEntries(stage.jobs.map((job) => [job.id, jobBody(job)]));
  return body;
}

/** `deployment` marks a deployment job for `toDocument` (an override may add one with `environment`); other jobs get `job`. */
function jobBody(job: Job): Doc {
  const body: Doc = job.kind === 'deployment' ? { deployment: job.id } : {};
  body.displayName = job.displayName;
  if (job.dependsOn) body.dependsOn = job.dependsOn;
  if (job.condition) body.condition = job.condition;
  body.pool = job.pool;
  if (job.kind !== 'server' && job.container) body.container = job.container;
  body.timeoutInMinutes = job.timeoutInMinutes;
  if (job.kind !== 'server' && job.variables && Object.keys(job.variables).length > 0) body.variables = job.variables;
  if (job.kind === 'deployment') {
    body.environment = job.environment;
    body.strategy = job.strategy;
  } else {
    body.steps = job.steps;
  }
  return body;
}

/** Turns the id-keyed stages and jobs back into Azure's lists. A list given by an override stays as it is. */
export function toDocument(mergeable: Doc): Doc {
  const doc: Doc = { ...mergeable };
  if (isMapping(doc.stages)) {
    doc.stages = Object.entries(doc.stages).map(([id, stage]) => {
      if (!isMapping(stage)) return stage;
      const { jobs, ...rest } = stage;
      const out: Doc = { stage: id, ...rest };
      if (jobs !== undefined) out.jobs = isMapping(jobs) ? Object.entries(jobs).map(([jobId, job]) => jobItem(jobId, job)) : jobs;
      return out;
    });
  }
  return doc;
}

function jobItem(id: string, job: unknown): unknown {
  if (!isMapping(job)) return job;
  const { deployment, job: _ignored, ...rest } = job;
  const isDeployment = deployment !== undefined || 'environment' in rest;
  return isDeployment ? { deployment: id, ...rest } : { job: id, ...rest };
}

export function isMapping(value: unknown): value is Doc {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
