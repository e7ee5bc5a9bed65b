/**
 * The executing Jenkins simulator: Debian's groovy evaluates a Jenkinsfile against the stub
 * DSL's builders (jenkins-stub-dsl.groovy) and runs it (jenkins-sim-node/steps/run.groovy):
 * `sh` by /bin/sh -xe in a fresh workspace per agent allocation, `checkout scm` from a real
 * repository at the build's commit, stash/unstash between workspaces, credentials bound only
 * where the file binds them, timeouts that abort, post conditions in the documented order and
 * `input` answered by the test. One groovy process runs a batch of scenarios (the JVM starts slowly).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Plan, PlanEvent } from '../../src/plan/index.js';
import { scenarioFor } from './harness-jenkins.js';

const run = promisify(execFile);
const JAVA_HOME = process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';
const ANT_JAR = '/usr/share/java/ant.jar';
const PARTS = ['jenkins-stub-dsl.groovy', 'jenkins-sim-node.groovy', 'jenkins-sim-steps.groovy', 'jenkins-sim-run.groovy'].map((part) => new URL(`./${part}`, import.meta.url));

export interface SimScenario {
  id: string;
  /** The Jenkinsfile's path (absolute). */
  jenkinsfile: string;
  env: Record<string, string>;
  params: Record<string, string>;
  causes: string[];
  changeset: string[];
  previousBuild?: boolean;
  /** The repository `checkout scm` fetches, and the build's commit. */
  repo: string;
  commit: string;
  previousSuccessfulCommit?: string;
  /** What every agent's environment holds (PATH with the stand-ins, the wheelhouse, MLflow's store). */
  agentEnv: Record<string, string>;
  /** Secret text credentials by ID. */
  credentials: Record<string, string>;
  inputs?: Record<string, 'approve' | 'abort'>;
  /** Seconds that replace a stage's timeout. */
  timeLimits?: Record<string, number>;
  /** This build's own directory (workspaces, stashes, archive). */
  root: string;
  replayInstalls?: boolean;
}

export interface SimSh {
  where: string;
  label?: string;
  script?: string;
  step?: string;
  status?: number | null;
  seconds?: number;
  output?: string;
  secrets?: string[];
  secretsSeen?: string[];
  env?: Record<string, string>;
  replayed?: boolean;
  message?: string;
}

export interface SimOutcome {
  ran: string[];
  results: Record<string, string>;
  posts: string[];
  locks: { resource: string; stage: string; inversePrecedence: boolean }[];
  milestones: { where: string; ordinal: number; label: string }[];
  inputs: { stage: string; message: string; ok?: string; answer?: string }[];
  executed: SimSh[];
  stashes: { name: string; stage: string; files: string[] | number }[];
  unstashes: { name: string; stage: string; files: string[] | number }[];
  workspaces: { stage: string; dir: string; label?: string; image?: string; user?: string }[];
  archived: { where: string; files: string[] }[];
  /** What each publishHTML step published: the report's name and the pages it found. */
  published: { where: string; name: string; pages: string[] }[];
  /** What each junit step read: its files, test cases, and the names of those that failed. */
  tests: { where: string; files: string[]; total: number; failed: string[] }[];
  sleeps: { where: string; seconds: number }[];
  errors: Record<string, string>;
  build: string;
}

export interface SimResult {
  id: string;
  seconds: number;
  error?: string;
  outcome?: SimOutcome;
}

/** Runs the scenarios in one groovy process, in order. */
export async function simulateJenkins(scenarios: SimScenario[], seedInstalls: { requirements: string; venv: string }[] = []): Promise<SimResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-jenkins-sim-'));
  const texts = PARTS.map((part) => readFileSync(part, 'utf8'));
  // Groovy wants a script's imports before its classes: hoist every part's imports.
  const lines = texts.join('\n').split('\n');
  const imports = [...new Set(lines.filter((l) => l.startsWith('import ')))];
  const script = join(dir, 'jenkins-sim.groovy');
  writeFileSync(script, [...imports, ...lines.filter((l) => !l.startsWith('import '))].join('\n'));
  for (const s of scenarios) mkdirSync(s.root, { recursive: true });
  const request = join(dir, 'request.json');
  writeFileSync(request, JSON.stringify({ scenarios, seedInstalls }));
  const { stdout } = await run('groovy', ['-cp', ANT_JAR, script, request], { env: { ...process.env, JAVA_HOME }, maxBuffer: 512 * 1024 * 1024 });
  return (JSON.parse(stdout) as { scenarios: SimResult[] }).scenarios;
}

/** The build's env, causes and parameters for a plan event (as the evaluation harness meets it), without its canned sh outputs. */
export function eventOf(plan: Plan, event: PlanEvent): { file: string; env: Record<string, string>; params: Record<string, string>; causes: string[] } {
  const { file, scenario } = scenarioFor(plan, event, true);
  return { file, env: scenario.env, params: scenario.params, causes: scenario.causes };
}

/** A readable account of a build, for assertion messages. */
export function describeOutcome(o: SimOutcome | undefined): string {
  if (!o) return '(no outcome)';
  const failed = o.executed.filter((e) => e.status !== undefined && e.status !== 0);
  return [
    `build ${o.build}; ran ${o.ran.join(', ')}`,
    `results ${JSON.stringify(o.results)}`,
    `posts ${o.posts.join(', ')}`,
    `errors ${JSON.stringify(o.errors, null, 1)}`,
    ...failed.map((e) => `--- ${e.where} / ${e.label ?? e.script}: exit ${e.status}\n${(e.output ?? '').slice(-3000)}`),
  ].join('\n');
}
