/**
 * Simulates how Azure Pipelines runs a generated azure-pipelines.yml for one event: whether a
 * trigger, schedule or API call queues a run, the runtime parameters, the template-expanded
 * root variables, then stage by stage and job by job the conditions against the results of
 * their dependencies. Steps that publish output variables (the train.paths diff) really run,
 * in a scratch git repository whose last commit does or does not touch train.paths.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { evaluate, expandMacros, expandTemplate, truthy, type Context, type DependencyState } from './expressions.js';
import type { Plan, PlanEvent } from '../../../src/plan/index.js';
import { limiter } from '../../support/limit.js';

// The steps run as child processes beside this thread (execFileSync held it, and every other
// judge of a conformance batch waited for each script).
const execFileAsync = promisify(execFile);
const limited = limiter(4);

type Doc = Record<string, any>;

export interface Trigger {
  reason: string;
  sourceBranch: string;
  cronDisplayName?: string;
  parameters: Record<string, string>;
  /** A pull request from a fork (System.PullRequest.IsFork). */
  fork?: boolean;
  /** A pull request's target, as GitHub names it (System.PullRequest.TargetBranch). */
  targetBranch?: string;
}

/** What queues a run for an event, or null when nothing would. Manual and API runs use the release branch. */
export function triggerFor(doc: Doc, plan: Plan, event: PlanEvent): Trigger | null {
  const release = `refs/heads/${plan.releaseBranch}`;
  switch (event.kind) {
    case 'pull-request':
      return branchFilterAdmits(doc.pr, plan.releaseBranch) ? { reason: 'PullRequest', sourceBranch: 'refs/pull/7/merge', parameters: {}, targetBranch: plan.releaseBranch } : null;
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

/**
 * Predefined variables (https://learn.microsoft.com/azure/devops/pipelines/build/variables):
 * the System.PullRequest.* ones exist only in pull request builds.
 */
export function predefined(trigger: Trigger): Record<string, string> {
  const pr = trigger.reason === 'PullRequest' ? { 'System.PullRequest.IsFork': trigger.fork ? 'True' : 'False', 'System.PullRequest.TargetBranch': trigger.targetBranch ?? 'main' } : {};
  return {
    ...pr,
    'System.CollectionUri': 'https://dev.azure.com/acme/',
    'System.TeamProjectId': '5a1e2f3c-0000-4000-8000-000000000001',
    'System.DefinitionId': '42',
    'Build.SourcesDirectory': '/agent/_work/1/s',
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
  const variables = doc.variables ?? {};
  if (Array.isArray(variables)) for (const v of variables) out[v.name] = expandTemplate(String(v.value), context);
  else eachInserted(variables, context, (key, value) => (out[key] = expandTemplate(String(value), context)));
  return out;
}

/**
 * The stages as Azure compiles them before the run starts: every `${{ if }}`/`${{ elseif }}`/
 * `${{ else }}` key of a mapping inserts its mapping or not, and `${{ expr }}` in a value is
 * replaced, against the parameters, the predefined variables and the root variables the file
 * defines (https://learn.microsoft.com/azure/devops/pipelines/process/template-expressions#conditional-insertion).
 */
export function compileStages(doc: Doc, trigger: Trigger): Doc {
  const context: Context = { variables: { ...predefined(trigger), ...rootVariables(doc, trigger) }, parameters: parametersFor(doc, trigger.parameters) };
  return { ...doc, stages: compileNode(doc.stages ?? [], context) };
}

function compileNode(node: unknown, context: Context): any {
  if (typeof node === 'string') return node.includes('${{') ? expandTemplate(node, context) : node;
  if (Array.isArray(node)) return node.map((n) => compileNode(n, context));
  if (!node || typeof node !== 'object') return node;
  const out: Doc = {};
  eachInserted(node as Doc, context, (key, value) => {
    out[key] = compileNode(value, context);
  });
  return out;
}

/**
 * A mapping's entries as Azure's conditional insertion leaves them: plain keys as they are; of
 * each `${{ if }}`/`${{ elseif }}`/`${{ else }}` chain, the mapping of the first true branch,
 * its entries in its place (nested chains included), the rest dropped.
 */
function eachInserted(mapping: Doc, context: Context, visit: (key: string, value: unknown) => void): void {
  let chainTaken: boolean | undefined;
  for (const [key, value] of Object.entries(mapping)) {
    const directive = /^\$\{\{\s*(if|elseif|else)\b(.*)\}\}$/.exec(key);
    if (!directive) {
      chainTaken = undefined;
      visit(key, value);
      continue;
    }
    const [, word, condition] = directive;
    if (word === 'if') chainTaken = false;
    else if (chainTaken === undefined) throw new Error(`"${key}" does not follow an if`);
    if (chainTaken) continue;
    if (word === 'else' || truthy(evaluate((condition ?? '').trim(), context))) {
      chainTaken = true;
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`"${key}" must hold a mapping here`);
      eachInserted(value as Doc, context, visit);
    }
  }
}

export interface SimulatedJob {
  stage: string;
  job: string;
  result: DependencyState['result'];
}

/**
 * A git history for the steps that really run (change detection): `base` commits on the
 * release branch (the last of them is the last successful build's commit), then `head`
 * commits of the push or pull request. Each commit lists the files it writes.
 */
export interface History {
  base: string[][];
  head: string[][];
}

export interface SimulateOptions {
  pathsChanged: boolean;
  trainPaths: readonly string[];
  /** Native job ids (`stage.job`) that fail when they run. */
  failing?: ReadonlySet<string>;
  /** Native job ids that exceed their timeout: Azure cancels the job, not the run (phases#timeouts). */
  timingOut?: ReadonlySet<string>;
  /** Native job ids during which someone cancels the run. */
  cancelling?: ReadonlySet<string>;
  /** The repository the changes job sees; default: one base commit and one head commit touching train.paths or not. */
  history?: History;
  /** What the Builds REST API answers (default: the last base commit, for the documented query only). */
  lastSuccessfulBuild?: 'base' | 'none';
  /** The release branch the REST query must name (default main). */
  releaseBranch?: string;
  /**
   * Stand-in outputs (`step.var` → value) of jobs whose steps this simulator does not run, by
   * native job id (`stage.job`): the monitor's verdict, which needs the project's own check.
   */
  outputs?: Record<string, Record<string, string>>;
}

/**
 * Stage by stage, job by job: a stage or job runs when its condition holds (default
 * `succeeded()`, https://learn.microsoft.com/azure/devops/pipelines/process/conditions);
 * `dependsOn` defaults to the previous stage and to nothing for jobs; a stage's result is
 * Failed if any job failed, else Canceled if any was cancelled, else Succeeded if any ran,
 * else Skipped. After a run is cancelled, status functions see it (`canceled()` is true,
 * `succeeded()` false), and only conditions without a status function still run
 * (conditions#condition-outcomes-when-a-build-is-canceled).
 */
export async function simulate(source: Doc, trigger: Trigger, options: SimulateOptions): Promise<SimulatedJob[]> {
  const variables = { ...predefined(trigger), ...rootVariables(source, trigger) };
  const doc = compileStages(source, trigger);
  const stages: Record<string, DependencyState> = {};
  const jobsOf: Record<string, Record<string, DependencyState>> = {};
  const stageOutputs: Record<string, Record<string, string>> = {};
  const ran: SimulatedJob[] = [];
  let canceled = false;
  let previous: string | undefined;
  for (const stage of doc.stages as Doc[]) {
    const id = String(stage.stage);
    const dependsOn = stage.dependsOn === undefined ? (previous ? [previous] : []) : [stage.dependsOn].flat().map(String);
    previous = id;
    const dependencies = Object.fromEntries(dependsOn.map((d) => [d, stateOf(stages, d, id)]));
    if (!truthy(evaluate(String(stage.condition ?? 'succeeded()'), { variables, dependencies, canceled }))) {
      stages[id] = { result: 'Skipped', outputs: {} };
      jobsOf[id] = Object.fromEntries(((stage.jobs ?? []) as Doc[]).map((j) => [String(j.job ?? j.deployment), { result: 'Skipped' as const, outputs: {} }]));
      continue;
    }
    const jobs: Record<string, DependencyState> = {};
    jobsOf[id] = jobs;
    const stageDependencies = Object.fromEntries(dependsOn.map((d) => [d, jobsOf[d] ?? {}]));
    for (const job of (stage.jobs ?? []) as Doc[]) {
      const jobId = String(job.job ?? job.deployment);
      const jobDeps = Object.fromEntries([job.dependsOn ?? []].flat().map((d: string) => [d, stateOf(jobs, d, jobId)]));
      if (!truthy(evaluate(String(job.condition ?? 'succeeded()'), { variables, dependencies: jobDeps, stageDependencies, canceled }))) {
        jobs[jobId] = { result: 'Skipped', outputs: {} };
        continue;
      }
      const key = `${id}.${jobId}`;
      let result: DependencyState['result'] = 'Succeeded';
      if (options.failing?.has(key)) result = 'Failed';
      else if (options.timingOut?.has(key)) result = 'Canceled';
      else if (options.cancelling?.has(key)) {
        result = 'Canceled';
        canceled = true;
      }
      const stub = options.outputs?.[key];
      const jobOutputs = result !== 'Succeeded' ? {} : stub ? { ...stub } : await outputsOf(job, { ...variables, ...(job.variables ?? {}) }, options);
      // A stage's dependents read `<job>.<step>.<var>`; the job's own dependents `<step>.<var>`.
      const outputs = Object.fromEntries(Object.entries(jobOutputs).map(([k, v]) => [`${jobId}.${k}`, v]));
      jobs[jobId] = { result, outputs: jobOutputs };
      ran.push({ stage: id, job: jobId, result });
      stageOutputs[id] = { ...(stageOutputs[id] ?? {}), ...outputs };
    }
    const results = Object.values(jobs).map((j) => j.result);
    const result = results.includes('Failed') ? 'Failed' : results.includes('Canceled') ? 'Canceled' : results.includes('Succeeded') ? 'Succeeded' : 'Skipped';
    stages[id] = { result, outputs: stageOutputs[id] ?? {} };
  }
  return ran;
}

function stateOf(states: Record<string, DependencyState>, name: string, of: string): DependencyState {
  const state = states[name];
  if (!state) throw new Error(`${of} depends on "${name}", which does not come before it`);
  return state;
}

/**
 * Runs a job's steps when one of them publishes output variables (the changes job), in order,
 * as the agent does: each step's condition, the macro pass over its text and env, every
 * non-secret variable as an environment variable (`.` → `_`, upper case), and the logging
 * commands `task.setvariable` (a later step's variable; `isOutput=true`: an output named
 * `job.step.name`) (https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands).
 */
async function outputsOf(job: Doc, variables: Record<string, string>, options: SimulateOptions): Promise<Record<string, string>> {
  const steps = (job.steps ?? []) as Doc[];
  if (!steps.some((s) => typeof s.bash === 'string' && /isOutput=true/i.test(String(s.bash)))) return {};
  const outputs: Record<string, string> = {};
  const vars = { ...variables };
  const repo = scratchRepo(options);
  for (const step of steps) {
    if (typeof step.bash !== 'string') continue;
    if (!truthy(evaluate(String(step.condition ?? 'succeeded()'), { variables: vars }))) continue;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(vars)) if (k !== 'System.AccessToken') env[k.replace(/\./g, '_').toUpperCase()] = v;
    for (const [k, v] of Object.entries((step.env ?? {}) as Record<string, string>)) env[k] = expandMacros(String(v), vars);
    const script = expandMacros(step.bash, vars);
    const stdout = await stepOutput(repo.dir, script, { PATH: `${repo.shims}:${process.env.PATH ?? ''}`, HOME: repo.dir, MLGEN_SIM_BASE: options.lastSuccessfulBuild === 'none' ? '' : repo.base, MLGEN_SIM_RELEASE: options.releaseBranch ?? 'main', ...env });
    for (const match of stdout.matchAll(/##vso\[task\.setvariable variable=([^;\]]+)(;isOutput=true)?\](.*)/gi)) {
      if (match[2]) outputs[`${step.name}.${match[1]}`] = match[3] ?? '';
      else vars[match[1] ?? ''] = match[3] ?? '';
    }
  }
  return outputs;
}

const stepOutputs = new Map<string, Promise<string>>();

/**
 * A step's stdout. The scratch repositories are made once and never changed, so the same
 * script with the same environment prints the same: it runs once (the events of a manifest
 * ask again and again).
 */
function stepOutput(dir: string, script: string, env: Record<string, string>): Promise<string> {
  const key = JSON.stringify([dir, script, env]);
  let stdout = stepOutputs.get(key);
  if (!stdout) {
    stdout = limited(async () => (await execFileAsync('bash', ['--noprofile', '--norc', '-c', script], { cwd: dir, encoding: 'utf8', env })).stdout);
    stepOutputs.set(key, stdout);
  }
  return stdout;
}

const repos = new Map<string, { dir: string; base: string; shims: string }>();

/**
 * A repository with the history asked for, and a `curl` on PATH that answers the Builds - List
 * call (https://learn.microsoft.com/rest/api/azure/devops/build/builds/list) with the last base
 * commit, but only for the documented query, with the job's token: anything else gets no build.
 */
function scratchRepo(options: SimulateOptions): { dir: string; base: string; shims: string } {
  const history = options.history ?? { base: [['README.md']], head: [[options.pathsChanged ? probePath(options.trainPaths[0] ?? '') : 'mlgen-unrelated-probe.txt']] };
  // The base commits sit on the release branch itself: the diff step finds its merge base
  // through refs/heads/<target> when there is no origin, so a repository whose base branch is
  // always `main` had no base for any other release branch and counted every change as a change.
  const release = options.releaseBranch ?? 'main';
  const key = JSON.stringify({ history, release });
  const known = repos.get(key);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-azure-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } }).trim();
  const commit = (files: string[], n: number) => {
    for (const path of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), `commit ${n}\n`);
    }
    git('add', '-A');
    git('commit', '-qm', `commit ${n}`);
  };
  git('init', '-q', '-b', release);
  history.base.forEach((files, i) => commit(files, i));
  const base = git('rev-parse', 'HEAD');
  // A head branch name no release branch takes (not `work`, `feature` or the like).
  git('checkout', '-q', '-b', 'mlgen-sim/head');
  history.head.forEach((files, i) => commit(files, 100 + i));
  const shims = join(dir, '.git', 'shims');
  mkdirSync(shims);
  writeBuildsApiShim(shims);
  const repo = { dir, base, shims };
  repos.set(key, repo);
  return repo;
}

/**
 * A `curl` for `dir` (put it first on PATH) that answers the Builds - List call
 * (https://learn.microsoft.com/rest/api/azure/devops/build/builds/list) with $MLGEN_SIM_BASE as
 * the last successful build's commit, but only for the documented query on $MLGEN_SIM_RELEASE
 * with the job's token: anything else gets no build.
 */
export function writeBuildsApiShim(shims: string): void {
  const curl = [
    '#!/bin/sh',
    'auth=; url=',
    'while [ $# -gt 0 ]; do case "$1" in -H) auth=$2; shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done',
    'case "$url" in',
    '  "https://dev.azure.com/acme/5a1e2f3c-0000-4000-8000-000000000001/_apis/build/builds?definitions=42&branchName=refs/heads/$MLGEN_SIM_RELEASE&resultFilter=succeeded&"*"\\$top=1"*) ok=1 ;;',
    '  *) ok= ;;',
    'esac',
    'if [ -n "$ok" ] && [ "$auth" = "Authorization: Bearer access-token-value" ] && [ -n "$MLGEN_SIM_BASE" ]; then',
    '  printf \'{"count":1,"value":[{"id":9,"sourceVersion":"%s"}]}\' "$MLGEN_SIM_BASE"',
    'else',
    '  printf \'{"count":0,"value":[]}\'',
    'fi',
  ].join('\n');
  writeFileSync(join(shims, 'curl'), `${curl}\n`, { mode: 0o755 });
}

/** A file path that the glob matches: `src/**` → `src/probe/probe.txt`, `params.yaml` → itself. */
export function probePath(glob: string): string {
  const path = glob.replace(/\*\*/g, 'probe').replace(/\*/g, 'probe').replace(/\?/g, 'p');
  return path.endsWith('/') ? `${path}probe.txt` : path;
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

/**
 * Deployment jobs check out nothing unless a step says `checkout: self`
 * (https://learn.microsoft.com/azure/devops/pipelines/process/deployment-jobs: "A deployment job
 * doesn't automatically clone the source repo"); every lifecycle hook is a job of its own, so
 * each hook that runs a script needs its own checkout first. Agent jobs check out by themselves.
 */
export function checkoutFindings(doc: Doc): string[] {
  const findings: string[] = [];
  for (const stage of (doc.stages ?? []) as Doc[]) {
    for (const job of (stage.jobs ?? []) as Doc[]) {
      if (job.deployment === undefined) continue;
      for (const list of stepListsOf(job)) {
        const firstScript = list.steps.findIndex((s) => typeof s.bash === 'string');
        const checkout = list.steps.findIndex((s) => s.checkout === 'self');
        if (firstScript >= 0 && (checkout < 0 || checkout > firstScript)) findings.push(`deployment ${job.deployment} ${list.hook}: a script runs with no checkout of the repository`);
      }
    }
  }
  return findings;
}

/**
 * Which of several runs waiting for the same exclusive lock deploy, in queue order
 * (https://learn.microsoft.com/azure/devops/pipelines/process/approvals#exclusive-lock): with
 * `lockBehavior: sequential` every run takes the lock in turn; with `runLatest`, the default,
 * only the latest waiting run does and the older waiting ones are cancelled.
 */
export function lockQueue(doc: Doc, waiting: readonly string[]): { deploys: string[]; cancelled: string[] } {
  const behavior = String(doc.lockBehavior ?? 'runLatest');
  if (behavior === 'sequential') return { deploys: [...waiting], cancelled: [] };
  const latest = waiting.at(-1);
  return { deploys: latest === undefined ? [] : [latest], cancelled: waiting.slice(0, -1) };
}
