/**
 * Where the rule tests get their workflows: generated now (generateFor, whose MLGEN_FILES_FROM
 * runs an older mlgen checkout's CLI instead, for these and every other target's tests), or
 * (MLGEN_GH_FILES_DIR=dir) read from `dir/<name>/.github/workflows/`, files an older mlgen
 * wrote. Either way the same tests run against an older mlgen's files (how the report shows
 * each test failing at c4e22b8); MLGEN_GH_FILES_DIR reaches only the tests that call sources().
 * Plans are always today's: they say what should happen.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { GeneratedFile } from '../../../src/files/index.js';
import type { Plan } from '../../../src/plan/index.js';
import { workflowDoc } from '../../support/harness-github.js';
import { exampleManifests, fixtureNames, fixtureText, generateFor } from '../../support/harness.js';

const run = promisify(execFile);
type Mapping = Record<string, unknown>;

export function manifestText(name: string): string {
  if (fixtureNames().includes(name)) return fixtureText(name);
  const example = exampleManifests().find((e) => e.name === name);
  if (!example) throw new Error(`no fixture or example ${name}`);
  return example.text;
}

/** The plan and workflows for a fixture or example name. */
export function sources(name: string): { plan: Plan; files: GeneratedFile[] } {
  const { plan, files } = generateFor(manifestText(name), 'github');
  const dir = process.env.MLGEN_GH_FILES_DIR;
  if (!dir) return { plan, files };
  const root = join(dir, name, '.github/workflows');
  return { plan, files: readdirSync(root).map((f) => ({ path: `.github/workflows/${f}`, content: readFileSync(join(root, f), 'utf8') })) };
}

export function workflowJobs(files: GeneratedFile[], file: string): Record<string, Mapping> {
  const found = files.find((f) => f.path === `.github/workflows/${file}`);
  if (!found) throw new Error(`no ${file}`);
  return workflowDoc(found).jobs as Record<string, Mapping>;
}

export function doc(files: GeneratedFile[], file: string): Mapping {
  return workflowDoc(files.find((f) => f.path === `.github/workflows/${file}`)!);
}

export const steps = (job: Mapping): Mapping[] => job.steps as Mapping[];

/**
 * A repository whose `main` is at `base` and whose HEAD is `commits` later, each commit
 * touching the files given; `branchFrom` says where HEAD's branch starts.
 */
export async function history(commits: string[][]): Promise<{ dir: string; base: string; head: string; shas: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-gh-history-'));
  const git = async (...args: string[]) =>
    (await run('git', ['-c', 'user.name=mlgen', '-c', 'user.email=mlgen@example.com', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd: dir })).stdout.trim();
  await git('init', '-q');
  writeFileSync(join(dir, 'README.md'), 'base\n');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'base');
  const base = await git('rev-parse', 'HEAD');
  const shas: string[] = [];
  for (const [i, files] of commits.entries()) {
    for (const file of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), `change ${i}\n`);
    }
    await git('add', '-A');
    await git('commit', '-q', '-m', `change ${i}`);
    shas.push(await git('rev-parse', 'HEAD'));
  }
  return { dir, base, head: shas.at(-1) ?? base, shas };
}
