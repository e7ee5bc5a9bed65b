/**
 * Simulates how Azure Pipelines runs a generated azure-pipelines.yml for one event: whether a
 * trigger, schedule or API call queues a run, the runtime parameters, the template-expanded
 * root variables, then stage by stage and job by job the conditions against the results of
 * their dependencies. Steps that publish output variables (the train.paths diff) really run,
 * in a scratch git repository whose last commit does or does not touch train.paths.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { evaluate, expandMacros, expandTemplate, truthy, type Context, type DependencyState } from './expressions.js';
import type { Plan, PlanEvent } from '../../../src/plan/index.js';

type Doc = Record<string, any>;

export interface Trigger {
  reason: string;
  sourceBranch: string;
  cronDisplayName?: string;
  parameters: Record<string, string>;
}

/** What queues a run for an event, or null when nothing would. Manual and API runs use the release branch. */
export function triggerFor(doc: Doc, plan: Plan, event: PlanEvent): Trigger | null {
  const release = `refs/heads/${plan.releaseBranch}`;
  switch (event.kind) {
    case 'pull-request':
      return branchFilterAdmits(doc.pr, plan.releaseBranch) ? { reason: 'PullRequest', sourceBranch: 'refs/pull/7/merge', parameters: {} } : null;
    case 'push':
      return branchFilterAdmits(doc.trigger, event.branch) ? { reason: 'IndividualCI', sourceBranch: `refs/heads/${event.branch}`, parameters: {} } : null;
    case 'schedule': {
      const schedule = (doc.schedules ?? []).find((s: Doc) => s.displayName === event.schedule);
      if (!schedule) return null;
      if (!(schedule.branches?.include ?? []).includes(plan.releaseBranch)) throw new Error(`schedule ${event.schedule} does not run on ${plan.releaseBranch}`);
      if (String(schedule.always) !== 'true') throw new Error(`schedule ${event.schedule} lacks always: true (it would skip runs without new commits)`);
      return { reason: 'Schedule', sourceBranch: release, cronDisplayName: event.schedule, parameters: {} };
    }
    case 'external':
      // The documented call: POST …/pipelines/{id}/runs with {"templateParameters": {"event": "<id>"}}.
      return { reason: 'Manual', sourceBranch: release, parameters: { event: event.event } };
    case 'manual': {
      const declared = new Set((doc.parameters ?? []).map((p: Doc) => p.name));
      const parameters: Record<string, string> = {};
      if (declared.has('pipeline')) parameters.pipeline = event.pipeline;
      if (declared.has('mode')) parameters.mode = event.mode;
      return { reason: 'Manual', sourceBranch: release, parameters };
    }
    default:
      return null;
  }
}

function branchFilterAdmits(filter: unknown, branch: string): boolean {
  if (filter === undefined) return true;
  if (filter === 'none') return false;
  const spec = filter as Doc;
  const include: string[] = Array.isArray(filter) ? filter : (spec.branches?.include ?? ['*']);
  const exclude: string[] = Array.isArray(filter) ? [] : (spec.branches?.exclude ?? []);
  const matches = (pattern: string) => pattern === '*' || pattern === branch || (pattern.endsWith('*') && branch.startsWith(pattern.slice(0, -1)));
  return include.some(matches) && !exclude.some(matches);
}

/** The queue-time parameters: Azure refuses undeclared names and values outside `values`. */
export function parametersFor(doc: Doc, supplied: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const declared: Doc[] = doc.parameters ?? [];
  for (const name of Object.keys(supplied)) {
    if (!declared.some((p) => p.name === name)) throw new Error(`parameter "${name}" is not declared`);
  }
  for (const p of declared) {
    const value = supplied[p.name] ?? (p.default === undefined ? undefined : String(p.default));
    if (value === undefined) throw new Error(`parameter "${p.name}" has no value`);
    if (p.values && !p.values.map(String).includes(value)) throw new Error(`parameter "${p.name}" does not allow "${value}"`);
    out[p.name] = value;
  }
  return out;
}

const SHA = '0123456789abcdef0123456789abcdef01234567';

export function predefined(trigger: Trigger): Record<string, string> {
  return {
    'Build.Reason': trigger.reason,
    'Build.SourceBranch': trigger.sourceBranch,
    'Build.SourceVersion': SHA,
    'Build.CronSchedule.DisplayName': trigger.cronDisplayName ?? '',
    'Build.ArtifactStagingDirectory': '/agent/_work/1/a',
    'Pipeline.Workspace': '/agent/_work/1',
    'System.DefaultWorkingDirectory': '/agent/_work/1/s',
    'System.AccessToken': 'access-token-value',
    'Agent.OS': 'Linux',
  };
}

/** Root variables after template expansion (`${{ if }}` chains and `${{ parameters.x }}`). */
export function rootVariables(doc: Doc, trigger: Trigger): Record<string, string> {
  const system = predefined(trigger);
  const context: Context = { variables: system, parameters: parametersFor(doc, trigger.parameters) };
  const out: Record<string, string> = {};
  const assign = (mapping: Doc) => {
    let chainTaken: boolean | undefined;
    for (const [key, value] of Object.entries(mapping)) {
      const directive = /^\$\{\{\s*(if|elseif|else)\b(.*)\}\}$/.exec(key);
      if (!directive) {
        chainTaken = undefined;
        out[key] = expandTemplate(String(value), context);
        continue;
      }
      const [, word, condition] = directive;
      if (word === 'if') chainTaken = false;
      else if (chainTaken === undefined) throw new Error(`"${key}" does not follow an if`);
      if (chainTaken) continue;
      if (word === 'else' || truthy(evaluate((condition ?? '').trim(), context))) {
        chainTaken = true;
        assign(value as Doc);
      }
    }
  };
  const variables = doc.variables ?? {};
  if (Array.isArray(variables)) for (const v of variables) out[v.name] = expandTemplate(String(v.value), context);
  else assign(variables);
  return out;
}

export interface SimulatedJob {
  stage: string;
  job: string;
  result: DependencyState['result'];
}

export interface SimulateOptions {
  pathsChanged: boolean;
  trainPaths: readonly string[];
  /** Native job ids (`stage.job`) that fail when they run. */
  failing?: ReadonlySet<string>;
}

export async function simulate(doc: Doc, trigger: Trigger, options: SimulateOptions): Promise<SimulatedJob[]> {
  const variables = { ...predefined(trigger), ...rootVariables(doc, trigger) };
  const stages: Record<string, DependencyState> = {};
  const ran: SimulatedJob[] = [];
  let previous: string | undefined;
  for (const stage of doc.stages as Doc[]) {
    const id = String(stage.stage);
    const dependsOn = stage.dependsOn === undefined ? (previous ? [previous] : []) : [stage.dependsOn].flat().map(String);
    previous = id;
    const dependencies = Object.fromEntries(dependsOn.map((d) => [d, stateOf(stages, d, id)]));
    if (!truthy(evaluate(String(stage.condition ?? 'succeeded()'), { variables, dependencies }))) {
      stages[id] = { result: 'Skipped', outputs: {} };
      continue;
    }
    const jobs: Record<string, DependencyState> = {};
    for (const job of (stage.jobs ?? []) as Doc[]) {
      const jobId = String(job.job ?? job.deployment);
      const jobDeps = Object.fromEntries([job.dependsOn ?? []].flat().map((d: string) => [d, stateOf(jobs, d, jobId)]));
      if (!truthy(evaluate(String(job.condition ?? 'succeeded()'), { variables, dependencies: jobDeps }))) {
        jobs[jobId] = { result: 'Skipped', outputs: {} };
        continue;
      }
      const failed = options.failing?.has(`${id}.${jobId}`) ?? false;
      const outputs = failed ? {} : await outputsOf(job, jobId, { ...variables, ...(job.variables ?? {}) }, options);
      jobs[jobId] = { result: failed ? 'Failed' : 'Succeeded', outputs };
      ran.push({ stage: id, job: jobId, result: jobs[jobId].result });
    }
    const results = Object.values(jobs).map((j) => j.result);
    const result = results.includes('Failed') ? 'Failed' : results.includes('Succeeded') ? 'Succeeded' : 'Skipped';
    stages[id] = { result, outputs: Object.assign({}, ...Object.values(jobs).map((j) => j.outputs)) };
  }
  return ran;
}

function stateOf(states: Record<string, DependencyState>, name: string, of: string): DependencyState {
  const state = states[name];
  if (!state) throw new Error(`${of} depends on "${name}", which does not come before it`);
  return state;
}

/** Runs the steps that set output variables and returns them as `job.step.name`. */
async function outputsOf(job: Doc, jobId: string, variables: Record<string, string>, options: SimulateOptions): Promise<Record<string, string>> {
  const outputs: Record<string, string> = {};
  for (const step of (job.steps ?? []) as Doc[]) {
    if (typeof step.bash !== 'string' || !step.name || !step.bash.includes('isOutput=true')) continue;
    const stdout = runInScratchRepo(expandMacros(step.bash, variables), options);
    for (const match of stdout.matchAll(/##vso\[task\.setvariable variable=([^;\]]+);isOutput=true\](.*)/g)) {
      outputs[`${jobId}.${step.name}.${match[1]}`] = match[2] ?? '';
    }
  }
  return outputs;
}

const repos = new Map<string, string>();

/** A repository whose last commit touches a file of train.paths, or a file outside them. */
function scratchRepo(trainPaths: readonly string[], changed: boolean): string {
  const key = `${changed}\n${trainPaths.join('\n')}`;
  const known = repos.get(key);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-azure-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  git('init', '-q');
  write('README.md', 'first\n');
  git('add', '.');
  git('commit', '-qm', 'first');
  write(changed ? probePath(trainPaths[0] ?? '') : 'mlgen-unrelated-probe.txt', 'second\n');
  git('add', '.');
  git('commit', '-qm', 'second');
  repos.set(key, dir);
  return dir;
}

/** A file path that the glob matches: `src/**` → `src/probe/probe.txt`, `params.yaml` → itself. */
export function probePath(glob: string): string {
  const path = glob.replace(/\*\*/g, 'probe').replace(/\*/g, 'probe').replace(/\?/g, 'p');
  return path.endsWith('/') ? `${path}probe.txt` : path;
}

function runInScratchRepo(script: string, options: SimulateOptions): string {
  const cwd = scratchRepo(options.trainPaths, options.pathsChanged);
  return execFileSync('bash', ['--noprofile', '--norc', '-c', script], { cwd, encoding: 'utf8' });
}

/** Every step list of a job: its steps, or each lifecycle hook of a deployment strategy. */
export function stepListsOf(job: Doc): { hook: string; steps: Doc[]; variables: Record<string, string> }[] {
  const variables = (job.variables ?? {}) as Record<string, string>;
  if (Array.isArray(job.steps)) return [{ hook: 'steps', steps: job.steps, variables }];
  const lists: { hook: string; steps: Doc[]; variables: Record<string, string> }[] = [];
  for (const strategy of Object.values((job.strategy ?? {}) as Doc)) {
    for (const [hook, value] of Object.entries(strategy as Doc)) {
      if (hook === 'on') for (const [when, h] of Object.entries(value as Doc)) lists.push({ hook: `on.${when}`, steps: (h as Doc).steps ?? [], variables });
      else if (value && typeof value === 'object' && Array.isArray((value as Doc).steps)) lists.push({ hook, steps: (value as Doc).steps, variables });
    }
  }
  return lists;
}
