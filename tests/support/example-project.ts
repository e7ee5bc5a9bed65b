/**
 * Runs an example's own commands for real: the example as a repository of its own, its plan,
 * a venv installed with its own install command from the wheelhouse, and the negative control
 * every example shares (training without the install fails with ModuleNotFoundError).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import type { Plan, PlanJob, ShellStep, Step, StepRole } from '../../src/plan/index.js';
import { createVenv, runIn, type CommandResult, type Venv } from './python-venv.js';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
export const VERSION = '0123456789abcdef0123456789abcdef01234567';
/** Real tools on a shared 2-core machine: generous, never tight. */
export const SLOW = 600_000;
const temporaryDirectories: string[] = [];

/** Call once per test file: removes every directory `temporary` made. */
export function removeTemporaryDirectoriesAfterAll(): void {
  afterAll(() => {
    for (const dir of temporaryDirectories) rmSync(dir, { recursive: true, force: true });
  });
}

export function temporary(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirectories.push(dir);
  return dir;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=mlgen tests', ...args], { cwd, encoding: 'utf8' });
}

/** Writes generated files into a project, folders included, at their paths. */
export function writeGeneratedFiles(dir: string, files: readonly { path: string; content: string }[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
  }
}

/**
 * The example as its own repository, as a team would have it: the files git tracks (and
 * untracked ones not ignored) copied from examples/<name>, committed, plus the gate generated
 * from its manifest.
 */
export function exampleRepository(name: string): { dir: string; plan: Plan } {
  const source = join(EXAMPLES, name);
  const dir = temporary(`mlgen-${name}-`);
  const files = git(source, 'ls-files', '-co', '--exclude-standard', '.').split('\n').filter(Boolean);
  for (const file of files) if (existsSync(join(source, file))) cpSync(join(source, file), join(dir, file), { recursive: true });
  const result = generate(readFileSync(join(source, 'mlgen.yaml'), 'utf8'), { manifestPath: 'mlgen.yaml' });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
  writeGeneratedFiles(dir, result.files);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `${name} as a project of its own`);
  return { dir, plan: result.plan };
}

/** A job's manifest commands, read from its plan steps by role (the plan keeps no per-kind fields). */
export interface JobCommands {
  /** The job's main command: check/data test `run`, train, the gate, a deploy, predict, the canary's traffic shift. */
  run: string;
  smoke?: string;
  register?: string;
  fetchBaseline?: string;
  analysis?: string;
  /** What the job uploads (train: its artifacts). */
  artifacts: string[];
  setup: { install: string[]; pullData?: string };
}

const MAIN_ROLES: ReadonlySet<StepRole> = new Set(['run', 'train', 'gate', 'deploy', 'predict', 'shift-traffic']);

export function commandsOf(found: PlanJob): JobCommands {
  const steps: Step[] = [...found.steps, ...(found.canary?.phases.flatMap((p) => p.steps) ?? [])];
  const shell = (role: StepRole) => steps.find((s): s is ShellStep => s.type === 'shell' && s.role === role)?.run;
  const main = steps.find((s): s is ShellStep => s.type === 'shell' && MAIN_ROLES.has(s.role));
  const pullData = shell('pull-data');
  const optional = { smoke: shell('smoke'), register: shell('register'), fetchBaseline: shell('fetch-baseline'), analysis: shell('analysis') };
  return {
    run: main?.run ?? '',
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    artifacts: steps.flatMap((s) => (s.type === 'upload' ? s.paths : [])),
    setup: { install: steps.flatMap((s) => (s.type === 'shell' && s.role === 'install' ? [s.run] : [])), ...(pullData ? { pullData } : {}) },
  };
}

export function job(plan: Plan, kind: PlanJob['kind']): PlanJob & JobCommands {
  const found = plan.jobs.find((j) => j.kind === kind);
  if (!found) throw new Error(`the plan has no ${kind} job`);
  return { ...found, ...commandsOf(found) };
}

export function jobsOf(plan: Plan, kind: 'check' | 'data-test'): { id: string; run: string }[] {
  return plan.jobs.flatMap((j) => (j.kind === kind ? [{ id: j.id, run: commandsOf(j).run }] : []));
}

export function expectOk(result: CommandResult, what: string): void {
  expect(result.status, `${what} (${result.seconds.toFixed(1)} s):\n${result.output}`).toBe(0);
}

/** What every job gets from the target: the MLGEN_* variables, a registry, the venv. */
export function jobEnv(venv: Venv, registry: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...venv.env, MLGEN_PIPELINE: 'ci', MLGEN_TRAIN_MODE: 'full', MLGEN_VERSION: VERSION, MLGEN_MODEL_VERSION: 'latest', MLGEN_IMAGE: `registry.example.com/example:${VERSION}`, MLFLOW_TRACKING_URI: `file:${registry}`, ...extra };
}

/** The project's install command (defaults.install) in a new venv, timed. */
export function installedVenv(dir: string, plan: Plan): { venv: Venv; install: CommandResult } {
  const venv = createVenv(join(temporary('mlgen-venv-'), 'venv'));
  const commands = job(plan, 'train').setup.install;
  expect(commands.length).toBeGreaterThan(0);
  const install = runIn(dir, commands.join(' && '), venv.env);
  expectOk(install, 'the install');
  console.log(`${dir}: ${commands.join(' && ')} took ${install.seconds.toFixed(1)} s from the wheelhouse`);
  return { venv, install };
}

/** The negative control every example shares: training in a venv without the install. */
export function expectTrainingFailsWithoutInstall(dir: string, plan: Plan, module: string): void {
  const bare = createVenv(join(temporary('mlgen-bare-venv-'), 'venv'));
  const trained = runIn(dir, job(plan, 'train').run, jobEnv(bare, join(dir, 'no-registry')));
  expect(trained.status, trained.output).not.toBe(0);
  expect(trained.output).toContain(`ModuleNotFoundError: No module named '${module}'`);
}

export function md5(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

