/**
 * Runs generated GitHub workflows for real under nektos/act, every job on this host.
 *
 * Given a repository (./repo.ts: a temp git repo of a generated project, with the history the
 * test shapes) and an event, `runAct` starts act once and returns what each job did. Why each
 * flag:
 *
 * - `<event> -e <payload>`: the event name and GitHub's webhook payload for it; act derives
 *   GITHUB_REF, GITHUB_SHA and `github.event` from them (push: `after`; others: HEAD, which the
 *   harness puts at the event's commit, e.g. a pull request's merge commit).
 * - `-P <label>=-self-hosted` for every `runs-on` label: no Docker here, so each job runs on the
 *   host, in a fresh workspace act makes under `--action-cache-path`.
 * - `--local-repository owner/repo@sha=<dir>` for every `uses:`: github.com is unreachable;
 *   each pinned action maps to its stand-in (./standin-actions.ts), named as such in the tests.
 * - `--no-skip-checkout`: act would otherwise copy the working tree instead of running
 *   actions/checkout; the stand-in clones the repository at GITHUB_SHA honoring fetch-depth,
 *   so a shallow clone is as shallow as on GitHub.
 * - `--env MLGEN_ACT_SOURCE_REPO=<repo>`: where the checkout stand-in clones from.
 * - `--artifact-server-path` (+ addr/port): act's own artifact server, which the artifact
 *   stand-ins (@actions/artifact v2, as upload-artifact v4) talk to; returned as `artifactDir`.
 * - `--cache-server-path` (+ addr, port 0): act's cache server, for actions/cache and
 *   setup-python's pip cache. By default one directory per machine, as GitHub keeps a
 *   repository's caches between runs: the second run of a job restores its pip downloads
 *   instead of fetching them again. A test about caching passes a fresh `cacheDir`.
 * - `--json`: one JSON object per log line with jobID, step, stepResult and jobResult, parsed
 *   here instead of scraping act's human output.
 * - `--concurrent-jobs`: 2 by default, the machine's cores; 1 makes the log strictly ordered.
 * - `--env-file/--secret-file/--var-file/--input-file /dev/null`: act reads `.env`, `.secrets`…
 *   from the working directory by default; a project's own files must not leak into a test.
 * - ACT_DISABLE_VERSION_CHECK=1: act would ask the network for release notices.
 *
 * The environment act gets is the test's minus GITHUB_*, RUNNER_* and ACTIONS_*: under a real
 * GitHub runner those would point the stand-ins at GitHub's own artifact and cache services.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bundleStandinActions, localRepositoryFlags } from './standin-actions.js';
import type { ActEvent, TestRepo } from './repo.js';

export { TestRepo, type ActEvent } from './repo.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const INSTALL_SCRIPT = join(ROOT, 'scripts/install-act.sh');
/** The pinned version, read from the install script so there is one place to bump it. */
export const ACT_VERSION = /^ACT_VERSION=(v[\d.]+)$/m.exec(readFileSync(INSTALL_SCRIPT, 'utf8'))![1];

/** Where scripts/install-act.sh caches act, and the cache server keeps its store. */
function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mlgen-tests');
}

/** act's binary: $MLGEN_ACT, else the install script's cache, else built now (a minute or two). */
export function findAct(): string {
  if (process.env.MLGEN_ACT) return process.env.MLGEN_ACT;
  const cached = join(cacheRoot(), `act-${ACT_VERSION}`, 'act');
  if (existsSync(cached)) return cached;
  return execFileSync(INSTALL_SCRIPT, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export type ActResult = 'success' | 'failure' | 'skipped';

export interface ActStep {
  /** The step's name as act logs it (`Main Train`, `Post Set up Python`…, without the stage). */
  name: string;
  stage: string;
  result?: ActResult;
  /** What the step printed, one line per log line. */
  output: string;
}

export interface ActJob {
  id: string;
  /** `success` or `failure` as act reports it; `skipped` when it never started (an `if:`, a failed need). */
  result: ActResult;
  /** From its first log line to its last; act's JSON timestamps have whole seconds. */
  durationMs: number;
  steps: ActStep[];
  /** Every line of the job's log. */
  output: string;
  /** What the job's steps wrote to $GITHUB_STEP_SUMMARY, in order (act logs each step's as a `summary` command). */
  summary: string;
}

export interface ActRun {
  exitCode: number;
  jobs: Record<string, ActJob>;
  /** act's artifact server store: <run id>/<artifact name>/<artifact name>.zip. */
  artifactDir: string;
  cacheDir: string;
  /** act's stdout (JSON lines) and stderr, for a failure message. */
  log: string;
  stderr: string;
  durationMs: number;
  /** Everything the run wrote (event, servers' stores, act's job workspaces): see removeRun. */
  scratchDir: string;
}

export interface ActRunOptions {
  repo: TestRepo;
  event: ActEvent;
  /** Added to act's environment, so every step sees them (e.g. stand-in tools first on PATH). */
  env?: Record<string, string>;
  /** act masks every secret's value in the log as `***`: use values that occur nowhere else (a one-letter secret masks that letter everywhere). */
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** act's own `--env`: the run's variables as act sets them for every step, e.g. GITHUB_API_URL (act also takes github.api_url from it). */
  runEnv?: Record<string, string>;
  /** Defaults to 2. */
  concurrentJobs?: number;
  /** The cache server's store (default: one per machine, kept between runs; see above). */
  cacheDir?: string;
  /**
   * The one workflow file (relative to .github/workflows) the event starts. GitHub starts a
   * workflow_dispatch in the workflow it names and a schedule in the workflow whose cron fired;
   * act starts every workflow with the trigger, so such tests name the file. Default: all.
   */
  workflow?: string;
}

type Mapping = Record<string, unknown>;

function workflowFiles(repo: TestRepo, only?: string): string[] {
  const dir = join(repo.path, '.github/workflows');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && (only === undefined || f === only))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

/** Every `runs-on` label of the workflows (a string, a list, or `{labels}`), each mapped to the host. */
export function runnerLabels(workflowTexts: readonly string[]): string[] {
  const labels = new Set<string>(['ubuntu-latest']);
  for (const text of workflowTexts) {
    for (const job of Object.values(((parse(text) as Mapping | null)?.jobs ?? {}) as Record<string, Mapping>)) {
      const runsOn = job['runs-on'];
      const list = typeof runsOn === 'string' ? [runsOn] : Array.isArray(runsOn) ? runsOn : ((runsOn as Mapping | undefined)?.labels as unknown[] | undefined) ?? [];
      for (const label of list) if (typeof label === 'string' && !label.includes('${{')) labels.add(label);
    }
  }
  return [...labels].sort();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The job ids act plans for the event (`act -l`), so jobs that never start count as skipped. */
function plannedJobs(act: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(act, [...args, '--list'], { cwd, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`act --list failed: ${stderr || error.message}`));
      const lines = stdout.split('\n').filter((l) => l.trim());
      const header = lines.findIndex((l) => /^Stage\s+Job ID\s+/.test(l));
      if (header < 0) return reject(new Error(`act --list printed no job table:\n${stdout}`));
      const start = (lines[header] ?? '').indexOf('Job ID');
      resolve(lines.slice(header + 1).map((l) => l.slice(start).split(/\s+/)[0] ?? ''));
    });
  });
}

interface LogLine {
  jobID?: string;
  step?: string;
  stage?: string;
  stepResult?: ActResult;
  jobResult?: ActResult;
  msg?: string;
  time?: string;
  command?: string;
  content?: string;
}

function collectJobs(stdout: string, planned: readonly string[]): Record<string, ActJob> {
  const jobs: Record<string, ActJob & { first?: number; last?: number }> = {};
  for (const id of planned) jobs[id] = { id, result: 'skipped', durationMs: 0, steps: [], output: '', summary: '' };
  for (const text of stdout.split('\n')) {
    if (!text.startsWith('{')) continue;
    const line = JSON.parse(text) as LogLine;
    if (!line.jobID) continue;
    const job = (jobs[line.jobID] ??= { id: line.jobID, result: 'skipped', durationMs: 0, steps: [], output: '', summary: '' });
    if (line.command === 'summary' && typeof line.content === 'string') job.summary += line.content;
    const time = line.time ? Date.parse(line.time) : undefined;
    if (time !== undefined) {
      job.first ??= time;
      job.last = time;
    }
    const msg = (line.msg ?? '').replace(/\r?\n$/, '');
    job.output += `${msg}\n`;
    // A matrix job reports once per combination under one id: any failure fails it.
    if (line.jobResult && job.result !== 'failure') job.result = line.jobResult;
    if (line.step) {
      const name = line.step;
      let step = job.steps.find((s) => s.name === name && s.stage === (line.stage ?? ''));
      if (!step) job.steps.push((step = { name, stage: line.stage ?? '', output: '' }));
      step.output += `${msg}\n`;
      if (line.stepResult) step.result = line.stepResult;
    }
  }
  for (const job of Object.values(jobs)) {
    job.durationMs = job.first !== undefined && job.last !== undefined ? job.last - job.first : 0;
    delete job.first;
    delete job.last;
  }
  return jobs;
}

/** The environment act runs with: the test's, minus what a real runner would have set. */
function actEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(GITHUB|RUNNER|ACTIONS)_/.test(key) && key !== 'CI') env[key] = value;
  }
  return { ...env, ACT_DISABLE_VERSION_CHECK: '1', ...extra };
}

const pairs = (flag: string, values: Record<string, string> = {}) => Object.entries(values).flatMap(([k, v]) => [flag, `${k}=${v}`]);

/** Runs the event's workflows under act; resolves when act exits, whatever the jobs did. */
export async function runAct(options: ActRunOptions): Promise<ActRun> {
  const { repo, event } = options;
  const act = findAct();
  const standins = await bundleStandinActions();
  const workflows = workflowFiles(repo, options.workflow);
  const scratch = mkdtempSync(join(tmpdir(), 'mlgen-act-run-'));
  const artifactDir = join(scratch, 'artifacts');
  const cacheDir = options.cacheDir ?? join(cacheRoot(), `act-${ACT_VERSION}-cache-server`);
  mkdirSync(artifactDir, { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  const eventFile = join(scratch, 'event.json');
  writeFileSync(eventFile, JSON.stringify(event.payload, null, 2));
  repo.checkoutFor(event);

  const common = [
    event.name,
    '--eventpath', eventFile,
    '--workflows', join(repo.path, '.github/workflows', options.workflow ?? ''),
    ...runnerLabels(workflows).flatMap((label) => ['--platform', `${label}=-self-hosted`]),
    '--env-file', '/dev/null', '--secret-file', '/dev/null', '--var-file', '/dev/null', '--input-file', '/dev/null',
    '--defaultbranch', repo.defaultBranch,
  ];
  const env = actEnvironment(options.env ?? {});
  const planned = await plannedJobs(act, common, env, repo.path);
  const args = [
    ...common,
    ...localRepositoryFlags(workflows, standins),
    '--no-skip-checkout',
    '--env', `MLGEN_ACT_SOURCE_REPO=${repo.path}`,
    '--artifact-server-path', artifactDir, '--artifact-server-addr', '127.0.0.1', '--artifact-server-port', String(await freePort()),
    '--cache-server-path', cacheDir, '--cache-server-addr', '127.0.0.1', '--cache-server-port', '0',
    '--action-cache-path', join(scratch, 'action-cache'),
    '--concurrent-jobs', String(options.concurrentJobs ?? 2),
    '--json',
    ...pairs('--secret', options.secrets),
    ...pairs('--var', options.vars),
    ...pairs('--env', options.runEnv),
  ];
  const started = Date.now();
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(act, args, { cwd: repo.path, env, maxBuffer: 256 << 20 }, (error, out, err) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: out, stderr: err });
    });
  });
  return { exitCode: code, jobs: collectJobs(stdout, planned), artifactDir, cacheDir, log: stdout, stderr, durationMs: Date.now() - started, scratchDir: scratch };
}

/** Deletes what a run left on disk (act keeps a failed job's workspace); for afterAll. */
export function removeRun(run: ActRun): void {
  rmSync(run.scratchDir, { recursive: true, force: true });
}

/** The job's result, or an error listing the jobs the run had (a typo in a test, a renamed job). */
export function jobOf(run: ActRun, id: string): ActJob {
  const job = run.jobs[id];
  if (!job) throw new Error(`no job '${id}' in this act run; it had: ${Object.keys(run.jobs).join(', ')}`);
  return job;
}

/** A short account of a run for an assertion's message: each job's result and its failing steps' output. */
export function describeRun(run: ActRun): string {
  const lines = [`act exited ${run.exitCode}; stderr: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`];
  for (const job of Object.values(run.jobs)) {
    lines.push(`${job.id}: ${job.result} (${(job.durationMs / 1000).toFixed(1)} s)`);
    for (const step of job.steps.filter((s) => s.result === 'failure')) lines.push(`  ${step.stage} ${step.name} failed:\n${step.output.split('\n').slice(-15).map((l) => `    ${l}`).join('\n')}`);
  }
  return lines.join('\n');
}
