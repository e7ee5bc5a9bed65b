/**
 * From the model to files: GitHub's key style, the manifest's overrides, then YAML with each
 * pinned action's version as a comment beside its SHA.
 */
import { deepMerge, toYaml } from '../../files/index.js';
import { versionOf, usesRef } from './actions.js';
import type { Concurrency, Job, Permissions, Step, Triggers, Workflow } from './model.js';

type Mapping = Record<string, unknown>;

export function workflowDocument(workflow: Workflow): Mapping {
  const doc: Mapping = { name: workflow.name, on: renderTriggers(workflow.on), permissions: renderPermissions(workflow.permissions) };
  if (workflow.concurrency) doc.concurrency = renderConcurrency(workflow.concurrency);
  doc.env = workflow.env;
  doc.jobs = Object.fromEntries(workflow.jobs.map((job) => [job.id, renderJob(job)]));
  return doc;
}

function renderTriggers(t: Triggers): Mapping {
  const on: Mapping = {};
  if (t.push) on.push = { branches: t.push.branches };
  if (t.pullRequest) on.pull_request = {};
  if (t.schedules) on.schedule = t.schedules.map((cron) => ({ cron }));
  if (t.dispatchTypes) on.repository_dispatch = { types: t.dispatchTypes };
  const inputs = Object.entries(t.workflowDispatch.inputs).map(([name, input]) => [
    name,
    {
      description: input.description,
      required: input.required,
      type: input.options ? 'choice' : 'string',
      ...(input.options ? { options: input.options } : {}),
      default: input.default,
    },
  ]);
  on.workflow_dispatch = inputs.length > 0 ? { inputs: Object.fromEntries(inputs) } : {};
  return on;
}

function renderPermissions(p: Permissions): Mapping {
  const out: Mapping = {};
  if (p.actions) out.actions = p.actions;
  if (p.contents) out.contents = p.contents;
  if (p.packages) out.packages = p.packages;
  if (p.pullRequests) out['pull-requests'] = p.pullRequests;
  return out;
}

function renderConcurrency(c: Concurrency): Mapping {
  return { group: c.group, 'cancel-in-progress': c.cancelInProgress };
}

function renderJob(job: Job): Mapping {
  const out: Mapping = {};
  if (job.needs.length > 0) out.needs = job.needs;
  if (job.if) out.if = job.if;
  out['runs-on'] = job.runsOn.length === 1 ? job.runsOn[0] : job.runsOn;
  if (job.container) out.container = job.container.options ? { image: job.container.image, options: job.container.options } : job.container.image;
  out['timeout-minutes'] = job.timeoutMinutes;
  if (job.permissions) out.permissions = renderPermissions(job.permissions);
  if (job.environment) out.environment = job.environment.url ? { name: job.environment.name, url: job.environment.url } : job.environment.name;
  if (job.outputs) out.outputs = job.outputs;
  if (job.env) out.env = job.env;
  out.steps = job.steps.map(renderStep);
  return out;
}

function renderStep(step: Step): Mapping {
  const out: Mapping = { name: step.name };
  if (step.id) out.id = step.id;
  if (step.if) out.if = step.if;
  if ('uses' in step) {
    out.uses = usesRef(step.uses);
    if (step.with) out.with = step.with;
  }
  if (step.env) out.env = step.env;
  if ('run' in step) out.run = step.run;
  return out;
}

function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The manifest's github overrides: merged into every workflow, except that an entry under
 * `jobs:` goes only where that job exists (a train override must not add a train job to predict).
 * Variables merge by name, and mlgen's own (MLGEN_*, which commands and the plan's rules read)
 * survive any override: an `env:` override cannot silently empty the pipeline.
 */
export function applyOverrides(document: Mapping, overrides: Mapping | undefined): Mapping {
  if (!overrides) return document;
  const merged = mergeOverrides(document, overrides);
  const reserved = Object.entries(isMapping(document.env) ? document.env : {}).filter(([name]) => name.startsWith('MLGEN_'));
  if (reserved.length === 0) return merged;
  return { ...merged, env: { ...(isMapping(merged.env) ? merged.env : {}), ...Object.fromEntries(reserved) } };
}

function mergeOverrides(document: Mapping, overrides: Mapping): Mapping {
  const { jobs, ...rest } = overrides;
  let merged = deepMerge(document, rest);
  if (isMapping(jobs) && isMapping(merged.jobs)) {
    const present = merged.jobs;
    merged = deepMerge(merged, { jobs: Object.fromEntries(Object.entries(jobs).filter(([id]) => id in present)) });
  } else if (jobs !== undefined) {
    merged = deepMerge(merged, { jobs });
  }
  return merged;
}

/** YAML text with `on` bare (GitHub reads it as a string) and `# vX.Y.Z` after each pinned action. */
export function serializeWorkflow(document: Mapping): string {
  return toYaml(document, {
    bareTopLevelKeys: ['on'],
    commentFor: (key, value) => (key === 'uses' ? versionOf(value) : undefined),
  });
}
