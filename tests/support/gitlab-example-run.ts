/**
 * Runs an example's generated .gitlab-ci.yml for real under gitlab-ci-local: the shell
 * executor (`image` and `services` ignored; the host's python3 is the job's), --shell-isolation
 * (each job in its own copy of the repository with only its needs' artifacts), every job
 * creating its own .venv and installing from the wheelhouse, and the recording stand-ins for
 * docker, helm and kubectl first on PATH.
 *
 * What a GitLab project would hold and the test stands in for:
 * - CI/CD variables: the manifest's secrets (placeholder values) and MLFLOW_TRACKING_URI, a
 *   file store shared by every run of one project (a team's is a tracking server);
 * - the event: eventArgs (schedule variables as `mlgen sync gitlab` creates them, the trigger
 *   API's, a "Run pipeline" form's);
 * - a person starting the manual approval job: --manual <job>.
 * Where gitlab-ci-local differs from GitLab, the callers say so: `when: delayed` starts at
 * once (start_in is not waited for), and rules:changes always diffs against origin/<default
 * branch> (compare_to is not read).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { generate } from '../../src/engine/generate.js';
import { formatEvent, selectJobs, type Plan, type PlanEvent } from '../../src/plan/index.js';
import { GITLAB_CI_PATH } from '../../src/targets/gitlab/index.js';
import { readStandinLog, STANDIN_BIN, standinEnvironment, type StandinCall, type StandinOptions } from '../engines/standins/standins.js';
import { eventArgs, gitlabCiLocal, planIdsOf, temporaryDirectory } from './harness-gitlab.js';
import { recordPipelineRun } from './matrix-report.js';
import { exampleRepository, expectOk, installedVenv } from './example-project.js';
import { runIn, wheelhouseEnv } from './python-venv.js';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
/** A whole pipeline on a loaded 2-core machine, every job installing its packages: generous. */
export const PIPELINE_TIMEOUT = 1_800_000;
/**
 * A test that awaits one run: longer than the run's own timeout, so a run cut short reaches
 * the test's assertions (timed out, with its log) instead of vitest abandoning the test while
 * gitlab-ci-local goes on, and the matrix row saying only "0 jobs".
 */
export const RUN_TEST_TIMEOUT = PIPELINE_TIMEOUT + 300_000;

export type JobStatus = 'pass' | 'fail' | 'warn';

export interface PipelineRun {
  example: string;
  /** The matrix label: pr, push:other, push:release, schedule:predict, retrain:<mode>, event:drift, manual:… */
  label: string;
  event: PlanEvent;
  code: number;
  /** gitlab-ci-local was killed at PIPELINE_TIMEOUT: no summary, so `jobs` is empty. */
  timedOut: boolean;
  log: string;
  seconds: number;
  /** Native job name -> its result, for every job gitlab-ci-local ran. */
  jobs: Record<string, JobStatus>;
  /** The plan ids of the jobs that ran (canary steps, analyses and rollback are `canary`; notify left out). */
  planIds: string[];
  /** What the plan says runs for the event (train.paths changed: the project's commit adds them). */
  expectedIds: string[];
  calls: StandinCall[];
  /** The directory a job ran in (its own copy under --shell-isolation). */
  buildOf(job: string): string;
}

export interface ExampleOptions {
  /** Edits mlgen.yaml before generating (negative controls). */
  manifest?: (text: string) => string;
  /** Edits the generated .gitlab-ci.yml document (negative controls: what a broken generator would print). */
  gitlabCi?: (document: Record<string, any>) => void;
}

export interface RunOptions {
  label: string;
  /** Manual jobs a person starts (the approval). */
  manual?: string[];
  variables?: Record<string, string>;
  standins?: StandinOptions;
  /** false: no row in the engine matrix (negative controls, which fail on purpose). */
  record?: boolean;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=mlgen tests', ...args], { cwd, encoding: 'utf8' });
}

function realPythonDir(): string {
  return execFileSync('python3', ['-c', 'import os, sys; print(os.path.dirname(sys.executable))'], { encoding: 'utf8' }).trim();
}

/** The summary gitlab-ci-local prints last: ` PASS  job`, ` FAIL  job`, ` WARN  job` (allowed to fail). */
export function jobResults(log: string): Record<string, JobStatus> {
  const results: Record<string, JobStatus> = {};
  for (const match of log.matchAll(/^\s*(PASS|FAIL|WARN)\s+([A-Za-z0-9_.-]+)\s*$/gm)) {
    results[match[2]!] = match[1]!.toLowerCase() as JobStatus;
  }
  return results;
}

/**
 * One example as a GitLab project: origin's main holds one unrelated commit, the project's
 * commit adds everything (so train.paths changed for pushes and merge requests).
 */
export class GitLabExample {
  readonly registry: string;
  private runs = 0;

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly plan: Plan,
  ) {
    this.registry = join(temporaryDirectory(`mlgen-gitlab-mlruns-${name}-`), 'mlruns');
  }

  static create(name: string, options: ExampleOptions = {}): GitLabExample {
    const source = join(EXAMPLES, name);
    const dir = temporaryDirectory(`mlgen-gitlab-${name}-`);
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'remote', 'add', 'origin', `https://gitlab.example.com/mlgen/${name}.git`);
    writeFileSync(join(dir, 'BASE.txt'), 'before the project\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'base');
    git(dir, 'update-ref', 'refs/remotes/origin/main', 'HEAD');
    git(dir, 'symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');

    // The files the example's repository holds (tracked, or untracked and not ignored).
    for (const file of git(source, 'ls-files', '-co', '--exclude-standard', '.').split('\n').filter(Boolean)) {
      if (existsSync(join(source, file))) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        cpSync(join(source, file), join(dir, file), { recursive: true });
      }
    }
    const text = (options.manifest ?? ((t) => t))(readFileSync(join(dir, 'mlgen.yaml'), 'utf8'));
    writeFileSync(join(dir, 'mlgen.yaml'), text);
    const result = generate(text, { manifestPath: 'mlgen.yaml', targets: ['gitlab'] });
    if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
    for (const file of result.files) {
      let content = file.content;
      if (file.path === GITLAB_CI_PATH && options.gitlabCi) {
        const document = parse(content, { version: '1.1' }) as Record<string, any>;
        options.gitlabCi(document);
        content = stringify(document);
      }
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), content);
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `add ${name}`);
    return new GitLabExample(name, dir, result.plan);
  }

  /** The commit the pipelines run for: MLGEN_VERSION and the image tag. */
  get sha(): string {
    return git(this.dir, 'rev-parse', 'HEAD').trim();
  }

  async run(event: PlanEvent, options: RunOptions): Promise<PipelineRun> {
    const stateDir = `.gitlab-ci-local-run-${this.runs++}`;
    const standins = standinEnvironment(options.standins);
    const env: NodeJS.ProcessEnv = {
      ...wheelhouseEnv(),
      ...standins.env,
      PATH: [STANDIN_BIN, realPythonDir(), process.env.PATH ?? ''].join(delimiter),
    };
    // The project's CI/CD variables: secrets (placeholders) and the tracking store.
    const variables: Record<string, string> = {
      ...Object.fromEntries([...new Set(this.plan.jobs.flatMap((j) => j.secrets))].map((name) => [name, `placeholder-${name.toLowerCase()}`])),
      MLFLOW_TRACKING_URI: `file:${this.registry}`,
      ...options.variables,
    };
    const args = [
      '--force-shell-executor',
      '--shell-isolation',
      // Artifacts stay in gitlab-ci-local's state, as on a runner: never copied back into the project.
      '--no-artifacts-to-source',
      ...eventArgs(this.plan, event),
      ...Object.entries(variables).flatMap(([key, value]) => ['--variable', `${key}=${value}`]),
      ...(options.manual ?? []).flatMap((job) => ['--manual', job]),
    ];
    const started = performance.now();
    const result = await gitlabCiLocal(this.dir, args, PIPELINE_TIMEOUT, env, stateDir);
    const seconds = (performance.now() - started) / 1000;
    const log = result.stdout + result.stderr;
    const jobs = jobResults(log);
    const names = Object.keys(jobs);
    const run: PipelineRun = {
      example: this.name,
      label: options.label,
      event,
      code: result.code,
      timedOut: result.timedOut === true,
      log,
      seconds,
      jobs,
      planIds: planIdsOf(this.plan, names),
      expectedIds: selectJobs(this.plan, event, true),
      calls: readStandinLog(standins.logFile),
      buildOf: (job) => join(this.dir, stateDir, 'builds', job),
    };
    // A run passes only when it ran jobs (or the plan selects none): exit 0 with no summary
    // is no pass.
    const ranWhatItShould = names.length > 0 || run.expectedIds.length === 0;
    if (options.record !== false) {
      recordPipelineRun({
        engine: 'gitlab-ci-local',
        example: this.name,
        pipeline: options.label,
        jobsRun: names.length,
        jobsPassed: Object.values(jobs).filter((s) => s === 'pass').length,
        seconds: Math.round(seconds * 10) / 10,
        ok: result.code === 0 && !run.timedOut && ranWhatItShould,
        ...(run.timedOut ? { note: `timed out after ${PIPELINE_TIMEOUT / 1000} s` } : !ranWhatItShould ? { note: `no jobs ran (exit ${result.code})` } : {}),
      });
    }
    console.log(`gitlab-ci-local ${this.name} ${options.label} (${formatEvent(event)}): ${names.length} jobs, exit ${result.code}${run.timedOut ? ' (timed out)' : ''}, ${seconds.toFixed(0)} s`);
    return run;
  }
}

/** A readable account of a run for assertion messages: the summary, then the log's tail. */
export function describeRun(run: PipelineRun): string {
  return `${run.example} ${run.label}: exit ${run.code}${run.timedOut ? ` (killed at the ${PIPELINE_TIMEOUT / 1000} s timeout)` : ''}, jobs ${JSON.stringify(run.jobs)}\n${run.log.slice(-6000)}`;
}

/** The files and directories in a job's build directory (its copy of the repository). */
export function buildHas(run: PipelineRun, job: string, path: string): boolean {
  return existsSync(join(run.buildOf(job), path));
}

export function listBuilds(run: PipelineRun): string[] {
  const builds = dirname(run.buildOf('x'));
  return existsSync(builds) ? readdirSync(builds) : [];
}

/**
 * Fills the DVC remote an example's .dvc/config names (a local directory) with the
 * repository's own setup script, in a copy installed from the wheelhouse: `dvc pull` in the
 * pipeline's jobs then really pulls. Call removeTemporaryDirectoriesAfterAll() in the file.
 */
export function fillDvcRemote(name: string): void {
  const { dir, plan } = exampleRepository(name);
  const { venv } = installedVenv(dir, plan);
  expectOk(runIn(dir, './scripts/setup-dvc-remote.sh', venv.env), 'scripts/setup-dvc-remote.sh');
}
