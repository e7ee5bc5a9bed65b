/**
 * Runs a project's generated azure-pipelines.yml on the executing simulator
 * (tests/targets/azure/agent/run.ts) for one plan event: the project as a git repository of
 * its own (standing for the Azure Repos repository), the commit Azure would build for the
 * event, the agent's environment with the recording stand-ins (tests/engines/standins/) first
 * on PATH and pip offline from the wheelhouse.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { generateFor } from './harness.js';
import type { Plan, PlanEvent } from '../../src/plan/index.js';
import { standinEnvironment, type StandinEnvironment } from '../engines/standins/standins.js';
import { runPipeline, type RunOptions, type RunResult } from '../targets/azure/agent/run.js';
import { probePath, triggerFor } from '../targets/azure/simulate.js';
import { wheelhouseEnv } from './python-venv.js';

type Doc = Record<string, any>;

export interface AzureProject {
  repo: string;
  plan: Plan;
  doc: Doc;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=mlgen tests', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * A repository holding `sourceDir`'s tracked files (or all of them when it is no checkout) with
 * mlgen's files generated from its manifest, `edit` applied to the manifest text first.
 */
export function azureProject(sourceDir: string, edit: (manifest: string) => string = (t) => t): AzureProject {
  const repo = join(mkdtempSync(join(tmpdir(), 'mlgen-azure-repo-')), 'repo');
  mkdirSync(repo);
  let files: string[] = [];
  try {
    files = git(sourceDir, 'ls-files', '-co', '--exclude-standard', '.').split('\n').filter(Boolean);
  } catch {
    files = [];
  }
  if (files.length === 0) cpSync(sourceDir, repo, { recursive: true });
  for (const file of files) if (existsSync(join(sourceDir, file))) cpSync(join(sourceDir, file), join(repo, file), { recursive: true });
  const text = edit(readFileSync(join(repo, 'mlgen.yaml'), 'utf8'));
  writeFileSync(join(repo, 'mlgen.yaml'), text);
  const result = generateFor(text, 'azure');
  let doc: Doc = {};
  for (const file of result.files) {
    mkdirSync(dirname(join(repo, file.path)), { recursive: true });
    writeFileSync(join(repo, file.path), file.content);
    if (file.path === 'azure-pipelines.yml') doc = parse(file.content) as Doc;
  }
  git(repo, 'init', '-q', '-b', result.plan.releaseBranch);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'the project');
  return { repo, plan: result.plan, doc };
}

/** A commit on `branch` (from the release branch's tip when new) that touches a train.paths file or a file outside them. */
function commitOn(project: AzureProject, branch: string, trainPathsChanged: boolean): string {
  const { repo, plan } = project;
  git(repo, 'checkout', '-q', '-B', branch, plan.releaseBranch === branch ? branch : plan.releaseBranch);
  const path = trainPathsChanged ? probePath(plan.trainChanges?.paths[0] ?? 'src/**') : 'docs/mlgen-probe.md';
  const file = join(repo, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${existsSync(file) ? readFileSync(file, 'utf8') : ''}\n# a change for the test (${Date.now()})\n`);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', `a change on ${branch}`);
  const sha = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'checkout', '-q', plan.releaseBranch);
  return sha;
}

/** The commit Azure builds for the event, and the last successful release build the Builds API reports. */
function sourceFor(project: AzureProject, event: PlanEvent, trainPathsChanged: boolean): { commit: string; lastSuccessfulBuild: string } {
  const { repo, plan } = project;
  const tip = git(repo, 'rev-parse', plan.releaseBranch);
  if (event.kind === 'pull-request') {
    // A pull request builds refs/pull/N/merge: the topic merged into the target's tip.
    const head = commitOn(project, 'mlgen-topic', trainPathsChanged);
    const tree = git(repo, 'merge-tree', '--write-tree', tip, head);
    const merge = git(repo, 'commit-tree', tree, '-p', tip, '-p', head, '-m', 'Merge pull request 7');
    git(repo, 'update-ref', 'refs/pull/7/merge', merge);
    return { commit: merge, lastSuccessfulBuild: tip };
  }
  if (event.kind === 'push') return { commit: commitOn(project, event.branch, trainPathsChanged), lastSuccessfulBuild: tip };
  return { commit: tip, lastSuccessfulBuild: tip };
}

export interface AzureRun extends RunResult {
  standins: StandinEnvironment;
  /** The plan ids of the jobs that ran (native helper jobs such as train_changes left out). */
  planJobsRun: string[];
}

export interface RunEventOptions extends Partial<Omit<RunOptions, 'source' | 'releaseBranch' | 'baseEnv'>> {
  trainPathsChanged?: boolean;
  /** More agent environment (on top of the stand-ins and the wheelhouse). */
  env?: Record<string, string>;
  fail?: string[];
}

export async function runAzureEvent(project: AzureProject, event: PlanEvent, options: RunEventOptions = {}): Promise<AzureRun> {
  const trigger = triggerFor(project.doc, project.plan, event);
  if (!trigger) throw new Error(`no Azure run is queued for ${JSON.stringify(event)}`);
  const { commit, lastSuccessfulBuild } = sourceFor(project, event, options.trainPathsChanged ?? true);
  const standins = standinEnvironment({ ...(options.fail ? { fail: options.fail } : {}) });
  const host = { ...process.env } as Record<string, string>;
  delete host.VIRTUAL_ENV;
  delete host.PYTHONPATH;
  const baseEnv = { ...host, ...wheelhouseEnv(), ...standins.env, ...(options.env ?? {}) };
  const run = await runPipeline(project.doc, trigger, { lastSuccessfulBuild, ...options, source: { repo: project.repo, commit }, releaseBranch: project.plan.releaseBranch, baseEnv });
  const native = new Set(run.jobs.filter((j) => j.result !== 'Skipped').map((j) => j.job.replace(/_/g, '-')));
  const planJobsRun = project.plan.jobs.map((j) => j.id).filter((id) => native.has(id));
  return { ...run, standins, planJobsRun };
}

export function jobRun(run: RunResult, job: string) {
  const found = run.jobs.find((j) => j.job === job);
  if (!found) throw new Error(`job ${job} did not run:\n${run.jobs.map((j) => `${j.job}: ${j.result}`).join('\n')}`);
  return found;
}
