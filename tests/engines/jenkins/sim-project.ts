/**
 * An example as a Jenkins job would see it, for the executing simulator: its repository with
 * a feature branch that touches train.paths, a clone where main has the change merged (the
 * release push), the agents' environment (recording stand-ins first on PATH, pip offline from
 * the wheelhouse, an MLflow file store per build) and a scenario per plan event.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generate } from '../../../src/engine/generate.js';
import { selectJobs, type Plan, type PlanEvent } from '../../../src/plan/index.js';
import { exampleRepository, git, temporary, writeGeneratedFiles } from '../../support/example-project.js';
import { expect } from 'vitest';
import { describeOutcome, eventOf, simulateJenkins, type SimOutcome, type SimResult, type SimScenario } from '../../support/harness-jenkins-sim.js';
import { planJobsOf } from '../../support/harness-jenkins.js';
import { wheelhouseEnv } from '../../support/python-venv.js';
import { recordPipelineRun } from '../../support/matrix-report.js';
import { standinEnvironment, type StandinEnvironment } from '../standins/standins.js';

export const FULL = process.env.MLGEN_MATRIX === 'full';
export const CREDENTIALS = { REGISTRY_PASSWORD: 'sim-secret-registry-3f9a', KUBE_TOKEN: 'sim-secret-kube-71c2', MLFLOW_TRACKING_TOKEN: 'sim-secret-mlflow-a04e' };

export interface SimProject {
  name: string;
  plan: Plan;
  /** main: the project; feature: one more commit touching train.paths. */
  repo: string;
  base: string;
  head: string;
  /** A clone where main is at head (feature merged), for release, schedule and manual builds. */
  released: string;
  /** The MLflow file store every build of this project shares (the team's tracking server). */
  mlflow: string;
}

function realPythonDir(): string {
  return dirname(execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim());
}

/** The project's manifest changed by `edit`, and every generated file written again from it. */
export function editManifest(dir: string, edit: (text: string) => string): void {
  const text = readFileSync(join(dir, 'mlgen.yaml'), 'utf8');
  const edited = edit(text);
  if (edited === text) throw new Error('the manifest edit changed nothing');
  writeFileSync(join(dir, 'mlgen.yaml'), edited);
  const result = generate(edited, { manifestPath: 'mlgen.yaml' });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
  writeGeneratedFiles(dir, result.files);
}

export function simProject(name: string, mutate?: (dir: string) => void): SimProject {
  const { dir, plan } = exampleRepository(name);
  if (mutate) {
    mutate(dir);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'the test changes the project');
  }
  const base = git(dir, 'rev-parse', 'HEAD').trim();
  git(dir, 'checkout', '-q', '-b', 'feature');
  const trainPath = (plan.trainChanges?.paths ?? []).some((p) => p.startsWith('src/')) ? 'src/train.py' : 'requirements.txt';
  writeFileSync(join(dir, trainPath), `${readFileSync(join(dir, trainPath), 'utf8')}\n# A change to train.paths (the feature branch).\n`);
  git(dir, 'commit', '-q', '-am', 'Touch train.paths');
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  git(dir, 'checkout', '-q', 'main');
  const released = temporary(`mlgen-jenkins-${name}-released-`);
  git(released, 'clone', '-q', dir, '.');
  git(released, 'reset', '-q', '--hard', head);
  return { name, plan, repo: dir, base, head, released, mlflow: join(temporary(`mlgen-jenkins-${name}-mlflow-`), 'mlruns') };
}

const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;

/**
 * A fixture of tests/fixtures as a Jenkins project: its files and the Jenkins target's files
 * committed on main, then one branch per variant, whose commit `variant(dir, name)` made (e.g.
 * what monitoring/state holds). A build picks a variant's commit with `commitOf`.
 */
export function fixtureSimProject(name: string, variants: Record<string, (dir: string) => void>): SimProject & { commitOf: (variant: string) => string } {
  const source = join(FIXTURES, name);
  const dir = temporary(`mlgen-jenkins-${name}-`);
  cpSync(source, dir, { recursive: true });
  const text = readFileSync(join(dir, 'mlgen.yaml'), 'utf8');
  const result = generate(text, { manifestPath: 'mlgen.yaml', targets: ['jenkins'] });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
  writeGeneratedFiles(dir, result.files);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `${name} as a project of its own`);
  const base = git(dir, 'rev-parse', 'HEAD').trim();
  const commits = new Map<string, string>();
  for (const [variant, change] of Object.entries(variants)) {
    git(dir, 'checkout', '-q', '-b', `variant-${variant}`, 'main');
    change(dir);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '--allow-empty', '-m', `variant ${variant}`);
    commits.set(variant, git(dir, 'rev-parse', 'HEAD').trim());
  }
  git(dir, 'checkout', '-q', 'main');
  const commitOf = (variant: string) => {
    const commit = commits.get(variant);
    if (!commit) throw new Error(`no variant ${variant} of ${name}`);
    return commit;
  };
  return { name, plan: result.plan, repo: dir, base, head: base, released: dir, mlflow: join(temporary(`mlgen-jenkins-${name}-mlflow-`), 'mlruns'), commitOf };
}

/** The DVC remote the example's .dvc/config names, filled by its own setup script (needs its packages). */
export function fillDvcRemote(project: SimProject, env: NodeJS.ProcessEnv): void {
  if (!existsSync(join(project.repo, 'scripts/setup-dvc-remote.sh'))) return;
  execFileSync('./scripts/setup-dvc-remote.sh', { cwd: project.repo, env, stdio: 'pipe' });
  git(project.repo, 'checkout', '-q', '--', '.');
}

export interface Built {
  scenario: SimScenario;
  standins: StandinEnvironment;
  event: PlanEvent;
  pipeline: string;
}

/** A build of the project for an event: which Jenkinsfile, branch, causes, parameters, commit. */
export function buildFor(project: SimProject, event: PlanEvent, pipeline: string, options: Partial<SimScenario> = {}): Built {
  const { file, env, params, causes } = eventOf(project.plan, event);
  const root = temporary(`mlgen-jenkins-build-${project.name}-`);
  const standins = standinEnvironment({ recordEnv: ['REGISTRY_PASSWORD'] });
  const onMain = event.kind !== 'pull-request' && !(event.kind === 'push' && event.branch !== project.plan.releaseBranch);
  const repo = onMain ? project.released : project.repo;
  const agentEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['VIRTUAL_ENV', 'PYTHONPATH', 'PYTHONHOME', 'MLGEN_IMAGE', 'NODE_OPTIONS', 'PWD', 'OLDPWD', 'INIT_CWD'].includes(k) && !k.startsWith('VITEST')) agentEnv[k] = v;
  Object.assign(agentEnv, wheelhouseEnv(), standins.env, {
    PATH: `${(standins.env.PATH ?? '').split(':')[0]}:${realPythonDir()}:${process.env.PATH ?? ''}`,
    MLFLOW_TRACKING_URI: `file:${project.mlflow}`,
  });
  const scenario: SimScenario = {
    id: pipeline,
    jenkinsfile: join(project.repo, file),
    env,
    params,
    causes,
    changeset: event.kind === 'pull-request' || event.kind === 'push' ? ['src/train.py'] : [],
    repo,
    commit: project.head,
    ...(onMain && event.kind === 'push' ? { previousSuccessfulCommit: project.base } : {}),
    agentEnv,
    credentials: CREDENTIALS,
    inputs: {},
    root: join(root, 'build'),
    ...options,
  };
  return { scenario, standins, event, pipeline };
}

/** The stage names of plan jobs that ran, and the plan's selection for the event (train.paths changed). */
export function expectedAndRan(project: SimProject, built: Built, outcome: SimOutcome): { expected: string[]; ran: string[] } {
  return { expected: [...selectJobs(project.plan, built.event, true)].sort(), ran: planJobsOf(outcome.ran, project.plan).sort() };
}

export function report(project: SimProject, built: Built, outcome: SimOutcome | undefined, seconds: number): void {
  if (!outcome) return;
  const ran = planJobsOf(outcome.ran, project.plan);
  recordPipelineRun({
    engine: 'jenkins-sim',
    example: project.name,
    pipeline: built.pipeline,
    jobsRun: ran.length,
    jobsPassed: ran.filter((id) => outcome.results[id] === 'SUCCESS').length,
    seconds: Math.round(seconds * 10) / 10,
    ok: outcome.build === 'SUCCESS',
  });
}

/**
 * Runs the builds in one simulator process (MLGEN_SIM_ONLY=<pipeline>[,<pipeline>...] runs just
 * those, in the file's order, while working on the simulator or on some cases), logs each build's slow steps, and records the pipelines in the
 * matrix report (negative controls are not pipelines of the example).
 */
export async function runBuilds(project: SimProject, builds: Built[], seeds: { requirements: string; venv: string }[] = []): Promise<Map<string, SimResult>> {
  const picked = process.env.MLGEN_SIM_ONLY?.split(',').map((p) => p.trim());
  const only = builds.filter((b) => !picked || picked.includes(b.pipeline));
  const start = performance.now();
  const results = new Map<string, SimResult>();
  for (const result of await simulateJenkins(only.map((b) => b.scenario), seeds)) results.set(result.id, result);
  for (const [id, r] of results) console.log(`${id}: ${r.seconds} s; slow steps: ${(r.outcome?.executed ?? []).filter((e) => (e.seconds ?? 0) > 5).map((e) => `${e.where}/${e.label}=${e.seconds}`).join(', ')}`);
  console.log(`jenkins-sim ${project.name}: ${only.length} builds in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  for (const b of builds) if (!b.pipeline.startsWith('negative')) report(project, b, results.get(b.pipeline)?.outcome, results.get(b.pipeline)?.seconds ?? 0);
  return results;
}

/** A build that should pass: the stages that ran are the plan's selectJobs, each and the build SUCCESS. */
export function expectPassingBuild(project: SimProject, built: Built, outcome: SimOutcome): void {
  const { expected, ran } = expectedAndRan(project, built, outcome);
  expect(ran, describeOutcome(outcome)).toEqual(expected);
  for (const id of ran) expect(outcome.results[id], `${id}\n${describeOutcome(outcome)}`).toBe('SUCCESS');
  expect(outcome.build, describeOutcome(outcome)).toBe('SUCCESS');
}
