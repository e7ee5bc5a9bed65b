/**
 * An example's generated GitHub workflows run under act (./act.ts) as a project of its own:
 * the example's tracked files in a TestRepo with GitHub's files freshly generated, every job on
 * this host installing its venv for real from the wheelhouse, the recording stand-ins for
 * docker/helm/kubectl first on PATH, and one MLflow file store shared by the runs of a test
 * file so a release registers what a later retrain or predict reads.
 *
 * The MLflow store and the wheelhouse reach the jobs through act's environment, i.e. the
 * self-hosted runner's: a team's runner (or its repository variables) names the tracking
 * server the same way; the generated workflows read MLFLOW_TRACKING_URI, never set it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generate } from '../../../src/engine/generate.js';
import { selectJobs, type Plan, type PlanEvent } from '../../../src/plan/index.js';
import { recordPipelineRun } from '../../support/matrix-report.js';
import { wheelhouseEnv } from '../../support/python-venv.js';
import { readStandinLog, standinEnvironment, type StandinCall, type StandinOptions } from '../standins/standins.js';
import { describeRun, removeRun, runAct, TestRepo, type ActEvent, type ActRun } from './act.js';

const EXAMPLES = new URL('../../../examples/', import.meta.url).pathname;
export type ExampleName = 'house-prices' | 'churn-propensity' | 'fraud-canary';

/** MLGEN_MATRIX=full runs every example × pipeline; otherwise (CI) the subset a test names. */
export const FULL_MATRIX = process.env.MLGEN_MATRIX === 'full';

/** Secrets the examples name, with values that occur nowhere else (act masks them in the log). */
export const SECRETS: Record<string, string> = {
  REGISTRY_PASSWORD: 'act-registry-password-7f3a',
  KUBE_TOKEN: 'act-kube-token-91c2',
  MLFLOW_TRACKING_TOKEN: 'act-mlflow-token-5d8e',
};

export interface ActProject {
  example: ExampleName;
  dir: string;
  plan: Plan;
  repo: TestRepo;
  /** The MLflow file store every run of this project shares (MLFLOW_TRACKING_URI=file:<registry>). */
  registry: string;
  runs: PipelineRun[];
}

/**
 * The example as its own repository: the files git tracks in examples/<name> (and untracked
 * ones not ignored), `edit` applied to its manifest, GitHub's files generated from it.
 */
export function actProject(example: ExampleName, edit: (manifest: string) => string = (m) => m): ActProject {
  const source = join(EXAMPLES, example);
  const dir = mkdtempSync(join(tmpdir(), `mlgen-act-${example}-`));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '.'], { cwd: source, encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const file of files) {
    if (file.startsWith('.github/') || !existsSync(join(source, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(source, file), join(dir, file), { recursive: true });
  }
  const manifest = edit(readFileSync(join(dir, 'mlgen.yaml'), 'utf8'));
  writeFileSync(join(dir, 'mlgen.yaml'), manifest);
  const result = generate(manifest, { manifestPath: 'mlgen.yaml', targets: ['github'] });
  if (!result.ok) throw new Error(`${example} does not generate: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  for (const file of result.files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
  }
  const repo = TestRepo.create(dir, { name: example });
  rmSync(dir, { recursive: true, force: true });
  const registry = join(mkdtempSync(join(tmpdir(), `mlgen-act-mlflow-${example}-`)), 'mlruns');
  return { example, dir: repo.path, plan: result.plan, repo, registry, runs: [] };
}

export function removeProject(project: ActProject | undefined): void {
  if (!project) return;
  for (const run of project.runs) removeRun(run.run);
  project.repo.remove();
  rmSync(dirname(project.registry), { recursive: true, force: true });
}

/** A GitHub job's plan job: canary-<percent> is the canary; `changes` is GitHub's own; handlers keep their names. */
export function planJobOf(native: string, plan: Plan): string | undefined {
  const ids = new Set(plan.jobs.map((j) => j.id));
  if (ids.has(native)) return native;
  if (/^canary-\d+$/.test(native) && ids.has('canary')) return 'canary';
  if (native === 'changes') return undefined;
  return native;
}

export interface PipelineRun {
  /** The matrix's pipeline name (common.md): 'pr', 'push:release', 'retrain:drift', … */
  pipeline: string;
  run: ActRun;
  calls: StandinCall[];
  /** selectJobs for the event, in plan order. */
  expected: string[];
  /** The plan jobs of the GitHub jobs that started (passed or failed), each once, in plan order. */
  ran: string[];
  /** Those of them whose every GitHub job passed. */
  passed: string[];
}

export interface RunOptions {
  /** Whether the event's commit touches train.paths (for selectJobs). Default true. */
  pathsChanged?: boolean;
  standins?: StandinOptions;
  secrets?: Record<string, string>;
  /** The workflow file the event starts (schedule, workflow_dispatch): see ActRunOptions.workflow. */
  workflow?: string;
  /** false: no row in the engine matrix (negative controls, which fail on purpose and would
   * collide with the example's own cell of the same pipeline). */
  record?: boolean;
}

/** Runs `event` on `project` under act, records the matrix row, and keeps the run for removeProject. */
export async function runPipeline(project: ActProject, pipeline: string, event: ActEvent, planEvent: PlanEvent, options: RunOptions = {}): Promise<PipelineRun> {
  const standins = standinEnvironment({ expectContext: ['model/'], ...options.standins });
  const env = { ...standins.env, ...wheelhouseEnv(), MLFLOW_TRACKING_URI: `file:${project.registry}` };
  const run = await runAct({ repo: project.repo, event, env, secrets: options.secrets ?? SECRETS, workflow: options.workflow });
  const order = project.plan.jobs.map((j) => j.id);
  const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  const started = Object.values(run.jobs).filter((j) => j.result !== 'skipped');
  const ran = new Set<string>();
  const failed = new Set<string>();
  for (const job of started) {
    const id = planJobOf(job.id, project.plan);
    if (!id) continue;
    ran.add(id);
    if (job.result !== 'success') failed.add(id);
  }
  const sorted = (ids: Iterable<string>) => [...ids].sort((a, b) => rank(a) - rank(b));
  const result: PipelineRun = {
    pipeline,
    run,
    calls: readStandinLog(standins.logFile),
    expected: selectJobs(project.plan, planEvent, options.pathsChanged ?? true),
    ran: sorted(ran),
    passed: sorted([...ran].filter((id) => !failed.has(id))),
  };
  rmSync(dirname(standins.logFile), { recursive: true, force: true });
  project.runs.push(result);
  if (options.record !== false) recordPipelineRun({
    engine: 'act',
    example: project.example,
    pipeline,
    jobsRun: started.length,
    jobsPassed: started.filter((j) => j.result === 'success').length,
    seconds: Math.round(run.durationMs / 100) / 10,
    ok: run.exitCode === 0,
  });
  console.log(`act ${project.example} ${pipeline}: ${started.length} jobs started, exit ${run.exitCode}, ${(run.durationMs / 1000).toFixed(0)} s`);
  // MLGEN_ACT_VERBOSE=1: each run's account as it ends, for debugging a long beforeAll.
  if (process.env.MLGEN_ACT_VERBOSE) console.log(describePipeline(result));
  return result;
}

export function describePipeline(run: PipelineRun): string {
  return `${run.pipeline}: expected ${run.expected.join(',')}; ran ${run.ran.join(',')}\n${describeRun(run.run)}`;
}

/** The entries of an artifact act's artifact server holds (upload-artifact v4: <run>/<name>/<name>.zip). */
export function artifactEntries(run: ActRun, name: string): string[] {
  const runs = readdirSync(run.artifactDir);
  if (runs.length !== 1) throw new Error(`expected one run in ${run.artifactDir}, found ${runs.join(', ')}`);
  const zip = join(run.artifactDir, runs[0] ?? '', name, `${name}.zip`);
  if (!existsSync(zip)) return [];
  const list = 'import sys, zipfile; print("\\n".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))';
  return execFileSync('python3', ['-c', list, zip], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
}

/**
 * The MLflow file store's registered versions of `model` with their aliases, read from the
 * store's own files (mlruns/models/<name>/version-<n>/meta.yaml and aliases/<alias>).
 */
export function registeredVersions(registry: string, model: string): { versions: number[]; aliases: Record<string, number> } {
  const dir = join(registry, 'models', model);
  if (!existsSync(dir)) return { versions: [], aliases: {} };
  const versions = readdirSync(dir).flatMap((e) => (/^version-(\d+)$/.exec(e) ? [Number(/^version-(\d+)$/.exec(e)![1])] : [])).sort((a, b) => a - b);
  const aliases: Record<string, number> = {};
  const aliasDir = join(dir, 'aliases');
  if (existsSync(aliasDir)) for (const alias of readdirSync(aliasDir)) aliases[alias] = Number(readFileSync(join(aliasDir, alias), 'utf8').trim());
  return { versions, aliases };
}
