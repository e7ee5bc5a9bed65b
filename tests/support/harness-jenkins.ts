/**
 * Jenkins, judged by Groovy: npm-groovy-lint (CodeNarc, with its Groovy parse) for errors, and
 * Debian's groovy evaluating each Jenkinsfile against a stub of the declarative DSL
 * (jenkins-stub-dsl.groovy), which records the stages, their `when` conditions and every `sh`
 * script exactly as Groovy read them, and runs the pipeline for an event: the stages that run,
 * their results, the post blocks, locks and inputs taken, and each `sh` with what it saw.
 *
 * The JVM starts slowly, so calls made in the same tick share one groovy process: call
 * `jobsFor` and `scripts` with Promise.all to batch them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GeneratedFile } from '../../src/files/index.js';
import type { Plan, PlanEvent } from '../../src/plan/index.js';
import type { TargetHarness } from './harness.js';
import { lintErrors } from './jenkins-lint.js';
import { TRAIN_CHANGED_LABEL } from '../../src/targets/jenkins/stages.js';
import { DRIFT_VERDICT_LABEL } from '../../src/plan/index.js';

const run = promisify(execFile);
const JAVA_HOME = process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';
const ANT_JAR = '/usr/share/java/ant.jar';
/** The stub is two files (the DSL's builders, then the run), evaluated as one script. */
const STUB_PARTS = ['./jenkins-stub-dsl.groovy', './jenkins-stub-run.groovy'].map((part) => new URL(part, import.meta.url));
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

export function isJenkinsfile(path: string): boolean {
  return path === 'Jenkinsfile' || path.endsWith('.Jenkinsfile');
}

/** One event as Jenkins would see it: which job's Jenkinsfile runs, on which branch, why. */
export interface Scenario {
  id: string;
  env: Record<string, string>;
  params: Record<string, string>;
  causes: string[];
  changeset: string[];
  previousBuild: boolean;
  /** What `sh(returnStdout: true)` prints, by the step's label. */
  shOutputs?: Record<string, string>;
  /** Stages that end with this result instead of SUCCESS (a timeout or a rejected input: ABORTED). */
  failures?: Record<string, 'FAILURE' | 'ABORTED' | 'UNSTABLE'>;
  /** What the git plugin's checkout reports as GIT_PREVIOUS_SUCCESSFUL_COMMIT. */
  previousSuccessfulCommit?: string;
  /** Only which stages ran: the outcome's other fields stay empty (cheaper for big batches). */
  ranOnly?: boolean;
}

/** What one scenario's run did, as the stub decided it. */
export interface StubOutcome {
  ran: string[];
  results: Record<string, string>;
  /** `stage:condition` (or `pipeline:condition`) of every post block that ran, in order. */
  posts: string[];
  locks: string[];
  inputs: string[];
  executed: { where: string; label?: string; script: string; secrets: string[]; env: Record<string, string> }[];
  build: string;
}

export interface StubStep {
  step: string;
  where: string;
  script?: string;
  label?: string;
  [key: string]: unknown;
}

export interface StubCondition {
  kind: string;
  arg?: unknown;
  children?: StubCondition[];
}

export interface StubStage {
  name: string;
  agent: { kind?: string; label?: string; docker?: { image?: string; label?: string } } | null;
  options: { name: string; args: unknown[] }[];
  input: { message?: string; ok?: string; submitter?: string } | null;
  environment: Record<string, string>;
  when?: { flags: Record<string, boolean>; conditions: StubCondition[] };
  steps?: StubStep[];
  parallel?: StubStage[];
  stages?: StubStage[];
  post: Record<string, StubStep[]>;
}

export interface StubPipeline {
  agent: { kind?: string } | null;
  options: { name: string; args: unknown[] }[];
  parameters: { type: string; name: string; choices?: string[]; default: unknown }[];
  triggers: { name: string; args: unknown[] }[];
  environment: Record<string, string>;
  stages: StubStage[];
  post: Record<string, StubStep[]>;
  errors: string[];
}

export interface StubResult {
  path: string;
  error?: string;
  pipeline?: StubPipeline;
  scripts?: string[];
  runs?: Record<string, string[]>;
  outcomes?: Record<string, StubOutcome>;
}

/**
 * Evaluates Jenkinsfiles (texts) under scenarios in one groovy process. Each distinct text is
 * compiled once, with the scenarios of every request for it.
 */
export async function evaluateJenkinsfiles(requests: { text: string; scenarios?: Scenario[] }[]): Promise<StubResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-jenkins-'));
  try {
    const texts = [...new Set(requests.map((r) => r.text))];
    const files = texts.map((text, i) => {
      const path = join(dir, `${i}.Jenkinsfile`);
      writeFileSync(path, text);
      const scenarios = requests.flatMap((r, n) => (r.text === text ? (r.scenarios ?? []).map((s) => ({ ...s, id: `${n}/${s.id}` })) : []));
      return { path, scenarios };
    });
    const stubPath = join(dir, 'jenkins-stub.groovy');
    writeFileSync(stubPath, STUB_PARTS.map((part) => readFileSync(part, 'utf8')).join('\n'));
    const requestPath = join(dir, 'request.json');
    writeFileSync(requestPath, JSON.stringify({ files }));
    const { stdout } = await run('groovy', ['-cp', ANT_JAR, stubPath, requestPath], {
      env: { ...process.env, JAVA_HOME },
      maxBuffer: 256 * 1024 * 1024,
    });
    const results = (JSON.parse(stdout) as { files: StubResult[] }).files;
    return requests.map((request, n) => {
      const result = results[texts.indexOf(request.text)]!;
      const runs = Object.fromEntries((request.scenarios ?? []).map((s) => [s.id, result.runs?.[`${n}/${s.id}`] ?? []]));
      const outcomes = Object.fromEntries((request.scenarios ?? []).flatMap((s) => {
        const outcome = result.outcomes?.[`${n}/${s.id}`];
        return outcome ? [[s.id, outcome]] : [];
      }));
      return { ...result, runs, outcomes };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Collects calls made in one tick and answers them from a single batch. */
class Batcher<Request, Response> {
  private pending: { request: Request; resolve: (r: Response) => void; reject: (e: unknown) => void }[] = [];
  constructor(private readonly answer: (requests: Request[]) => Promise<Response[]>) {}

  call(request: Request): Promise<Response> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ request, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const responses = await this.answer(batch.map((b) => b.request));
      batch.forEach((b, i) => b.resolve(responses[i]!));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}

const stub = new Batcher(evaluateJenkinsfiles);

/** evaluateJenkinsfiles for one text, sharing a groovy process with the other calls of this tick. */
export function evaluateJenkinsfile(text: string, scenarios: Scenario[] = []): Promise<StubResult> {
  return stub.call({ text, scenarios });
}

/** A path that matches an Ant/glob pattern: `**` and `*` become plain names. */
export function pathMatching(pattern: string): string {
  const path = pattern.replace(/\*\*/g, 'a/b').replace(/\*/g, 'x').replace(/\?/g, 'x');
  return path.endsWith('/') ? `${path}x.txt` : path;
}

/**
 * How Jenkins meets an event: the job (file), its branch, the build's causes and parameters;
 * `drift` is what the monitor's drift verdict prints (the monitor pipeline only).
 */
export function scenarioFor(plan: Plan, event: PlanEvent, pathsChanged: boolean, drift = false): { file: string; scenario: Scenario } {
  const trainPaths = plan.trainChanges?.paths ?? [];
  const changeset = pathsChanged ? trainPaths.slice(0, 1).map(pathMatching) : ['mlgen-unrelated/notes.txt'];
  // The source stage's change detection and the drift verdict print their answers (both scripts run for real elsewhere).
  const shOutputs = { [TRAIN_CHANGED_LABEL]: pathsChanged ? 'true\n' : 'false\n', [DRIFT_VERDICT_LABEL]: drift ? 'true\n' : 'false\n' };
  const base = { id: 'event', params: {}, changeset, previousBuild: true, shOutputs };
  const release = { BRANCH_NAME: plan.releaseBranch };
  switch (event.kind) {
    case 'pull-request':
      return { file: 'Jenkinsfile', scenario: { ...base, env: { BRANCH_NAME: 'PR-7', CHANGE_ID: '7', CHANGE_TARGET: plan.releaseBranch }, causes: ['BranchEventCause'] } };
    case 'push':
      return { file: 'Jenkinsfile', scenario: { ...base, env: { BRANCH_NAME: event.branch }, causes: ['BranchEventCause'] } };
    case 'schedule':
      // Schedule jobs are single-branch pipeline jobs: no BRANCH_NAME; the timer uses the file's defaults.
      return { file: `jenkins/${event.schedule}.Jenkinsfile`, scenario: { ...base, env: {}, causes: ['TimerTriggerCause'], changeset: [] } };
    case 'external': {
      const found = plan.events.find((e) => e.id === event.event);
      if (!found) throw new Error(`no event ${event.event}`);
      // buildWithParameters with a user's API token: a UserIdCause.
      return { file: 'Jenkinsfile', scenario: { ...base, env: release, causes: ['UserIdCause'], params: { PIPELINE: found.pipeline, MODE: found.mode }, changeset: [] } };
    }
    case 'manual':
      return { file: 'Jenkinsfile', scenario: { ...base, env: release, causes: ['UserIdCause'], params: { PIPELINE: event.pipeline, MODE: event.mode }, changeset: [] } };
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

function fileText(files: readonly GeneratedFile[], path: string): string {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} among ${files.map((f) => f.path).join(', ')}`);
  return file.content;
}

/** Stage names that ran, mapped to plan job ids (canary-10 is part of canary, approval part of production). */
export function planJobsOf(stageNames: readonly string[], plan: Plan): string[] {
  const ids = new Set(plan.jobs.map((j) => j.id));
  return [...new Set(stageNames.filter((name) => ids.has(name)))];
}

/**
 * Findings per set: the linter's errors plus the stub's compile and DSL errors for every
 * Jenkinsfile. `lint` takes all texts at once (one JVM start); the evaluations are asked in
 * one tick, so one groovy process answers them all.
 */
export async function jenkinsFindings(sets: readonly GeneratedFile[][], lint: (texts: string[]) => Promise<string[][]>): Promise<string[][]> {
  const entries = sets.flatMap((files, set) => files.filter((f) => isJenkinsfile(f.path)).map((f) => ({ set, path: f.path, text: f.content })));
  const [linted, evaluated] = await Promise.all([lint(entries.map((e) => e.text)), Promise.all(entries.map((e) => evaluateJenkinsfile(e.text)))]);
  const findings: string[][] = sets.map(() => []);
  entries.forEach((entry, i) => {
    const result = evaluated[i]!;
    const problems = [...linted[i]!, ...(result.error ? [result.error] : []), ...(result.pipeline?.errors ?? [])];
    findings[entry.set]!.push(...problems.map((p) => `${entry.path}: ${p}`));
  });
  return findings;
}

export const jenkinsHarness: TargetHarness = {
  id: 'jenkins',

  validate: (sets) => jenkinsFindings(sets, lintErrors),

  async jobsFor(files, plan, event, pathsChanged) {
    const { file, scenario } = scenarioFor(plan, event, pathsChanged);
    const result = await evaluateJenkinsfile(fileText(files, file), [{ ...scenario, ranOnly: true }]);
    if (result.error) throw new Error(`${file}: ${result.error}`);
    return planJobsOf(result.runs![scenario.id]!, plan);
  },

  async scripts(files) {
    const jenkinsfiles = files.filter((f) => isJenkinsfile(f.path));
    const results = await Promise.all(jenkinsfiles.map((f) => evaluateJenkinsfile(f.content)));
    return results.flatMap((result, i) => {
      if (result.error) throw new Error(`${jenkinsfiles[i]!.path}: ${result.error}`);
      return result.scripts!;
    });
  },
};

export { COMMIT as STUB_COMMIT };
