/**
 * The GitLab harness: gitlab-ci-local (GitLab's schema, its rules evaluator and its
 * dependency-chain check) judges the generated .gitlab-ci.yml in a throwaway git repository.
 *
 * How an event is simulated:
 * - pipeline source, branch and the variables a schedule or trigger carries are passed with
 *   --variable (a merge request also unsets CI_COMMIT_BRANCH, as GitLab does);
 * - rules:changes: gitlab-ci-local diffs the work tree against origin/<default branch>, so
 *   the repository has a base commit as origin/<release branch> and a second commit that
 *   touches a file of train.paths, or a file outside them;
 * - workflow:rules: gitlab-ci-local ignores them, so the harness copies them into a probe
 *   job; no probe job in the list means GitLab would create no pipeline.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import type { GeneratedFile } from '../../src/files/index.js';
import type { Plan, PlanEvent } from '../../src/plan/index.js';
import { GITLAB_CI_PATH, scheduleVariables, triggerVariables, webRunVariables } from '../../src/targets/gitlab/index.js';
import { freezeRepository, gitlabCiLocalInProcess } from './gitlab-ci-local-in-process.js';
import type { TargetHarness } from './harness.js';
import { limiter } from './limit.js';

const run = promisify(execFile);
export const GITLAB_CI_LOCAL = new URL('../../node_modules/.bin/gitlab-ci-local', import.meta.url).pathname;
const PROBE_FILE = '.gitlab-ci-probe.yml';
const PROBE_JOB = 'mlgen-workflow-probe';
const OTHER_FILE = 'mlgen-unrelated/NOTES.txt';

/** gitlab-ci-local is slow to start; a few at a time keep 2 cores busy without thrashing. */
const limited = limiter(3);
/** Repositories are a handful of git commands each; a batch asks for hundreds in one tick. */
const makingRepositories = limiter(4);

let stateCounter = 0;
const temporary: string[] = [];

/** A fresh temporary directory, removed by removeTemporaryDirectories(). */
export function temporaryDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** Call from afterAll: removes every directory the harness created. */
export function removeTemporaryDirectories(): void {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Killed at the timeout (code 124): its summary, and so its job list, is missing. */
  timedOut?: boolean;
}

/**
 * The environment jobs run in under the shell executor. python3 is put first on PATH by its
 * real directory: through pyenv's shims, parallel `pip install`s race on pyenv's rehash lock
 * and fail at random (a machine quirk, not something a CI runner has).
 */
const JOB_ENV = (() => {
  const env = { ...process.env };
  try {
    const real = execFileSync('python3', ['-c', 'import os, sys; print(os.path.dirname(sys.executable))'], { encoding: 'utf8' }).trim();
    if (real) env.PATH = `${real}${delimiter}${env.PATH ?? ''}`;
  } catch {
    // no python3: the run tests will say so
  }
  return env;
})();

/**
 * Runs gitlab-ci-local in `cwd` with its own state directory, so calls may overlap; `env`
 * adds to (or replaces) the jobs' environment, e.g. a venv's bin first on PATH; `stateDir`
 * (relative to `cwd`) is where it keeps logs, artifacts and, with --shell-isolation, builds.
 *
 * gitlab-ci-local runs in its own process group, and past `timeoutMs` the whole group is
 * killed. (Killing gitlab-ci-local alone, as execFile's timeout did, makes it exit 143 before
 * its summary while the shells of its running jobs live on as orphans, still installing and
 * training in the project's copy beside the next run.) `timedOut` says the run was cut short.
 */
export function gitlabCiLocal(cwd: string, args: string[], timeoutMs = 900_000, env: NodeJS.ProcessEnv = {}, stateDir = `.gitlab-ci-local-${process.pid}-${stateCounter++}`): Promise<ToolResult> {
  return limited(
    () =>
      new Promise<ToolResult>((resolve) => {
        const child = spawn(GITLAB_CI_LOCAL, ['--state-dir', stateDir, '--no-color', ...args], { cwd, env: { ...JOB_ENV, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
        let timedOut = false;
        const killGroup = (signal: NodeJS.Signals) => {
          try {
            process.kill(-child.pid!, signal);
          } catch {
            // the group is gone
          }
        };
        // SIGKILL, not SIGTERM: a SIGTERM'd group makes gitlab-ci-local print its summary with
        // the killed jobs as PASS. A run cut short has no summary and says so (timedOut).
        const timer = setTimeout(() => {
          timedOut = true;
          killGroup('SIGKILL');
        }, timeoutMs);
        let done = false;
        // Jobs gitlab-ci-local leaves behind when it exits: they never outlive the run (and
        // their ends of its pipes close, so 'close' follows).
        child.on('exit', () => killGroup('SIGKILL'));
        const finish = (code: number, extra = '') => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const stderr = Buffer.concat(err).toString('utf8') + extra + (timedOut ? `\nmlgen tests: gitlab-ci-local killed after ${timeoutMs / 1000} s (timeout), with its jobs\n` : '');
          resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr, timedOut });
        };
        child.on('error', (error) => finish(1, `\n${error.message}\n`));
        child.on('close', (code, signal) => finish(timedOut ? 124 : (code ?? (signal ? 128 : 1))));
      }),
  );
}

async function git(cwd: string, ...args: string[]): Promise<void> {
  await run('git', args, { cwd });
}

/** A file name that the glob matches, e.g. `src/**` -> `src/mlgen/changed.py`. */
export function sampleFor(glob: string): string {
  const path = glob.endsWith('/') ? `${glob}changed.py` : glob.endsWith('**') ? `${glob}/changed.py` : glob;
  return path
    .replace(/\*\*/g, 'mlgen')
    .replace(/\*/g, 'changed')
    .replace(/\?/g, 'x')
    .replace(/\[[^\]]*\]/g, 'x')
    .replace(/\{([^,}]*)[^}]*\}/g, '$1');
}

/** Commits the directory as the only commit of `branch`, which is also origin's default branch. */
export async function commitAsOrigin(dir: string, branch: string): Promise<void> {
  await git(dir, 'init', '-q', '-b', branch);
  await git(dir, 'config', 'user.email', 'ci@example.com');
  await git(dir, 'config', 'user.name', 'mlgen tests');
  await git(dir, 'remote', 'add', 'origin', 'https://gitlab.example.com/mlgen/project.git');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'base');
  await git(dir, 'update-ref', `refs/remotes/origin/${branch}`, 'HEAD');
  await git(dir, 'symbolic-ref', 'refs/remotes/origin/HEAD', `refs/remotes/origin/${branch}`);
}

/**
 * A git repository with the files committed on the release branch, and one more commit that
 * touches train.paths (`pathsChanged`) or a file outside them.
 */
export async function createRepository(files: readonly GeneratedFile[], plan: Plan, pathsChanged: boolean, extra: Record<string, string> = {}): Promise<string> {
  const dir = temporaryDirectory('mlgen-gitlab-');
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  for (const file of files) write(file.path, file.content);
  for (const [path, content] of Object.entries(extra)) write(path, content);
  const ci = files.find((f) => f.path === GITLAB_CI_PATH);
  if (ci) write(PROBE_FILE, probeDocument(ci.content));
  await commitAsOrigin(dir, plan.releaseBranch);
  const firstPath = plan.trainChanges?.paths[0];
  write(pathsChanged && firstPath ? sampleFor(firstPath) : OTHER_FILE, 'changed\n');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', pathsChanged ? 'change train.paths' : 'change something else');
  return dir;
}

/** The generated file plus a job that holds workflow:rules as its rules. */
function probeDocument(text: string): string {
  const document = parse(text) as Record<string, unknown> & { workflow?: { rules?: unknown[] } };
  document[PROBE_JOB] = { stage: '.pre', script: ['true'], rules: document.workflow?.rules ?? [{ when: 'always' }] };
  return stringify(document);
}

/** The variables GitLab sets for an event, as gitlab-ci-local flags. */
export function eventArgs(plan: Plan, event: PlanEvent): string[] {
  const release = plan.releaseBranch;
  let variables: Record<string, string>;
  const unset: string[] = [];
  switch (event.kind) {
    case 'pull-request':
      variables = {
        CI_PIPELINE_SOURCE: 'merge_request_event',
        CI_COMMIT_REF_NAME: 'feature',
        CI_MERGE_REQUEST_IID: '1',
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME: release,
        CI_OPEN_MERGE_REQUESTS: 'mlgen/project!1',
      };
      unset.push('CI_COMMIT_BRANCH');
      break;
    case 'push':
      variables = { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: event.branch, CI_COMMIT_REF_NAME: event.branch };
      break;
    case 'schedule': {
      const schedule = plan.schedules.find((s) => s.id === event.schedule)!;
      variables = { CI_PIPELINE_SOURCE: 'schedule', CI_COMMIT_BRANCH: release, ...scheduleVariables(schedule) };
      break;
    }
    case 'external': {
      const found = plan.events.find((e) => e.id === event.event)!;
      variables = { CI_PIPELINE_SOURCE: 'trigger', CI_COMMIT_BRANCH: release, ...triggerVariables(found) };
      break;
    }
    case 'manual':
      variables = { CI_PIPELINE_SOURCE: 'web', CI_COMMIT_BRANCH: release, ...webRunVariables(event.pipeline, event.mode) };
      break;
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
  return [
    ...Object.entries(variables).flatMap(([key, value]) => ['--variable', `${key}=${value}`]),
    ...unset.flatMap((key) => ['--unset-variable', key]),
    '--ignore-predefined-vars',
    'CI_PIPELINE_SOURCE,CI_COMMIT_BRANCH,CI_COMMIT_REF_NAME,CI_OPEN_MERGE_REQUESTS',
  ];
}

export interface ListedJob {
  name: string;
  when: string;
  needs: { job: string; optional: boolean }[] | null;
}

/** gitlab-ci-local's --list-json for the probe file: every job with its `when` and needs. */
export async function listJson(dir: string, args: string[], how: 'cli' | 'in-process' = 'cli'): Promise<ListedJob[]> {
  // validate() checks the schema; here it would only triple the start-up time.
  const flags = ['--list-json', '--file', PROBE_FILE, '--no-json-schema-validation', ...args];
  const listed = how === 'cli' ? await gitlabCiLocal(dir, flags) : await gitlabCiLocalInProcess(dir, ['--state-dir', `.gitlab-ci-local-${process.pid}-${stateCounter++}`, '--no-color', ...flags]);
  if (listed.code !== 0) throw new Error(`gitlab-ci-local --list-json failed:\n${listed.stdout}\n${listed.stderr}`);
  return JSON.parse(listed.stdout.slice(listed.stdout.search(/^\[/m))) as ListedJob[];
}

/**
 * The native jobs GitLab would create, or [] when workflow:rules create no pipeline. Throws
 * when an active job needs a job that is absent and not optional: GitLab refuses such a
 * pipeline (gitlab-ci-local's --validate-dependency-chain says the same, at twice the cost).
 * `how`: the CLI, or its handler in this process (tests/support/gitlab-ci-local-in-process.ts).
 */
export async function listJobs(dir: string, args: string[], how: 'cli' | 'in-process' = 'cli'): Promise<string[]> {
  const jobs = (await listJson(dir, args, how)).filter((j) => j.when !== 'never');
  if (!jobs.some((j) => j.name === PROBE_JOB)) return [];
  const active = new Set(jobs.map((j) => j.name));
  const broken = jobs.flatMap((j) => (j.needs ?? []).filter((n) => !n.optional && !active.has(n.job)).map((n) => `${j.name} needs ${n.job}`));
  if (broken.length > 0) throw new Error(`needs refer to absent jobs (${args.join(' ')}): ${broken.join(', ')}`);
  return jobs.map((j) => j.name).filter((name) => name !== PROBE_JOB);
}

/** gitlab-ci-local's own check that every need of an active job is active too. */
export async function dependencyChainFindings(dir: string, args: string[]): Promise<string> {
  const result = await gitlabCiLocal(dir, ['--validate-dependency-chain', '--file', PROBE_FILE, '--no-json-schema-validation', ...args]);
  return result.code === 0 ? '' : `${result.stdout}${result.stderr}`.trim();
}

/** Native names to plan ids: canary steps, analyses and rollback are the canary; notify is left out. */
export function planIdsOf(plan: Plan, names: string[]): string[] {
  const ids = new Set(names.map((name) => (name.startsWith('canary-') ? 'canary' : name)));
  return plan.jobs.map((j) => j.id).filter((id) => ids.has(id));
}

export class GitLabHarness implements TargetHarness {
  readonly id = 'gitlab' as const;
  private readonly repositories = new WeakMap<readonly GeneratedFile[], Map<boolean, Promise<string>>>();

  private repositoryOf(files: readonly GeneratedFile[], plan: Plan, pathsChanged: boolean): Promise<string> {
    let byChange = this.repositories.get(files);
    if (!byChange) this.repositories.set(files, (byChange = new Map()));
    let dir = byChange.get(pathsChanged);
    if (!dir) {
      // Made once and then only listed: gitlab-ci-local in process may reuse its git answers.
      dir = makingRepositories(() => createRepository(files, plan, pathsChanged)).then((made) => (freezeRepository(made), made));
      byChange.set(pathsChanged, dir);
    }
    return dir;
  }

  async validate(sets: readonly GeneratedFile[][]): Promise<string[][]> {
    return Promise.all(
      sets.map(async (files) => {
        if (!files.some((f) => f.path === GITLAB_CI_PATH)) return [];
        const dir = temporaryDirectory('mlgen-gitlab-validate-');
        for (const file of files) {
          mkdirSync(dirname(join(dir, file.path)), { recursive: true });
          writeFileSync(join(dir, file.path), file.content);
        }
        await commitAsOrigin(dir, 'main');
        // --preview loads, merges and schema-validates the file like GitLab's linter.
        const result = await gitlabCiLocal(dir, ['--preview']);
        return result.code === 0 ? [] : [`${result.stdout}\n${result.stderr}`.trim()];
      }),
    );
  }

  /** The repository for `files` in which train.paths did or did not change. */
  async repositoryFor(files: readonly GeneratedFile[], plan: Plan, pathsChanged: boolean): Promise<string> {
    return this.repositoryOf(files, plan, pathsChanged);
  }

  async jobsFor(files: readonly GeneratedFile[], plan: Plan, event: PlanEvent, pathsChanged: boolean): Promise<string[]> {
    if (!files.some((f) => f.path === GITLAB_CI_PATH)) return [];
    const dir = await this.repositoryOf(files, plan, pathsChanged);
    return planIdsOf(plan, await listJobs(dir, eventArgs(plan, event), 'in-process'));
  }

  async scripts(files: readonly GeneratedFile[]): Promise<string[]> {
    const ci = files.find((f) => f.path === GITLAB_CI_PATH);
    if (!ci) return [];
    // GitLab reads YAML 1.1 (Ruby's Psych).
    const document = parse(ci.content, { version: '1.1' }) as Record<string, unknown>;
    return Object.values(document).flatMap((job) => {
      if (job === null || typeof job !== 'object' || Array.isArray(job)) return [];
      const { before_script: before = [], script = [], after_script: after = [] } = job as Record<string, string[] | undefined>;
      return [...before, ...script, ...after];
    });
  }
}

export const gitlabHarness = new GitLabHarness();
