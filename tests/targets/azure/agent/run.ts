/**
 * The executing Azure Pipelines simulator: one run of a generated azure-pipelines.yml for a
 * trigger (../simulate.ts decides whether a run is queued and with what parameters). Stages
 * and jobs start in dependency order, as many at once as there are agents; each job runs its
 * steps for real (./steps.ts) in a fresh workspace; deployment jobs run their strategy's hooks
 * (./deployment.ts); pipeline artifacts move files between jobs (./workspace.ts).
 *
 * Semantics, from https://learn.microsoft.com/azure/devops/pipelines/process/stages and
 * .../process/phases: a stage without `dependsOn` depends on the previous stage, a job without
 * it on nothing (jobs of a stage run in parallel); the default condition is `succeeded()`
 * (.../process/conditions); a stage's conditions read `dependencies.<stage>.result` and
 * `.outputs['<job>.<step>.<var>']`, a job's `dependencies.<job>.outputs['<step>.<var>']`
 * (.../process/expressions#dependencies); a job's `timeoutInMinutes` (default 60) cancels it
 * (.../process/phases#timeouts); a `pool: server` job is agentless (.../process/phases#server-jobs).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, expandMacros, truthy, type DependencyState } from '../expressions.js';
import { compileStages, predefined, rootVariables, writeBuildsApiShim, type Trigger } from '../simulate.js';
import { runDeployment } from './deployment.js';
import { describeSteps, runSteps, type JobContext, type Result } from './steps.js';
import { ArtifactStore, newWorkspace, runDirectory, type Source } from './workspace.js';

type Doc = Record<string, any>;

export interface RunOptions {
  source: Source;
  /** The agent's environment: PATH with the stand-ins first, pip's wheelhouse settings. */
  baseEnv: Record<string, string>;
  /** Pipeline variables set outside the file (the pipeline's Variables UI), visible to every job. */
  variables?: Record<string, string>;
  /** Secret variables: reach a script only through a step's `env:` mapping. */
  secrets?: Record<string, string>;
  /** Answers each ManualValidation@1 (default: reject, as nobody answered before the timeout). */
  approve?: (job: string, inputs: Doc) => boolean;
  /** The commit the Builds API names as the release branch's last successful CI build ('' for none). */
  lastSuccessfulBuild?: string;
  releaseBranch: string;
  /** Agents in the pool: jobs running at once (agentless jobs take none). */
  agents?: number;
  /** Milliseconds a timeoutInMinutes minute lasts (tests shrink it; default 60 000). */
  minuteMs?: number;
}

export interface JobRun {
  stage: string;
  job: string;
  result: Result;
  /** One context per hook for a deployment job, else one. */
  contexts: JobContext[];
  seconds: number;
}

export interface RunResult {
  result: 'Succeeded' | 'Failed' | 'Canceled';
  stages: Record<string, Result>;
  jobs: JobRun[];
  artifacts: ArtifactStore;
  seconds: number;
  log(): string;
}

function stageResult(results: Result[]): Result {
  if (results.includes('Failed')) return 'Failed';
  if (results.includes('Canceled')) return 'Canceled';
  if (results.includes('SucceededWithIssues')) return 'SucceededWithIssues';
  return results.includes('Succeeded') ? 'Succeeded' : 'Skipped';
}

const isDone = (r: Result | undefined) => r !== undefined;

export async function runPipeline(source: Doc, trigger: Trigger, options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  // Template expressions (`${{ if }}` insertions in job variables) are expanded before the run starts.
  const doc = compileStages(source, trigger);
  const dir = runDirectory();
  const artifacts = new ArtifactStore(join(dir, 'artifacts'));
  mkdirSync(join(dir, 'artifacts'));
  mkdirSync(join(dir, 'workspaces'));
  const shims = join(dir, 'shims');
  mkdirSync(shims);
  writeBuildsApiShim(shims);
  const minuteMs = options.minuteMs ?? 60_000;
  const root = { ...predefined(trigger), 'Build.SourceVersion': options.source.commit, ...rootVariables(doc, trigger), ...(options.variables ?? {}), ...(options.secrets ?? {}) };
  const secrets = new Set(Object.keys(options.secrets ?? {}));
  const baseEnv = { ...options.baseEnv, PATH: `${shims}:${options.baseEnv.PATH ?? ''}`, MLGEN_SIM_BASE: options.lastSuccessfulBuild ?? '', MLGEN_SIM_RELEASE: options.releaseBranch };

  const stageDocs = (doc.stages ?? []) as Doc[];
  const stageDeps = new Map<string, string[]>();
  stageDocs.forEach((s, i) => stageDeps.set(String(s.stage), s.dependsOn === undefined ? (i > 0 ? [String(stageDocs[i - 1]!.stage)] : []) : [s.dependsOn].flat().map(String)));
  const stageStates: Record<string, DependencyState> = {};
  const jobStates = new Map<string, Record<string, DependencyState>>();
  const startedStages = new Set<string>();
  const startedJobs = new Set<string>();
  const runs: JobRun[] = [];
  const running = new Set<Promise<void>>();
  let agentsBusy = 0;
  const agents = options.agents ?? 2;
  let jobSeq = 0;

  const newContext = (stage: string, job: Doc, label: string, extra: Record<string, string>, deployment: boolean, agentless: boolean, deadline: number): JobContext => {
    const ws = newWorkspace(join(dir, 'workspaces'), label);
    const jobVars = Object.fromEntries(Object.entries((job.variables ?? {}) as Doc).map(([k, v]) => [k, String(v)]));
    const variables: Record<string, string> = {
      ...root,
      'Build.SourcesDirectory': ws.sources,
      'System.DefaultWorkingDirectory': ws.sources,
      'Build.ArtifactStagingDirectory': ws.staging,
      'Build.StagingDirectory': ws.staging,
      'Pipeline.Workspace': ws.root,
      'Agent.BuildDirectory': ws.root,
      'Agent.TempDirectory': ws.temp,
      'System.StageName': stage,
      'Agent.JobName': String(job.displayName ?? job.job ?? job.deployment),
      'System.JobId': `job-${++jobSeq}`,
      ...(job.environment ? { 'Environment.Name': String(job.environment.name ?? job.environment) } : {}),
      ...jobVars,
      ...extra,
    };
    // Variables that name others ($(Build.SourceVersion) in MLGEN_IMAGE) are expanded when the job starts.
    for (const [k, v] of Object.entries(variables)) variables[k] = expandMacros(v, variables);
    return { id: label, ws, variables, secrets: new Set(secrets), baseEnv: { ...baseEnv, HOME: ws.root }, prependPath: [], outputs: {}, status: 'Succeeded', deadline, artifacts, source: options.source, steps: [], approve: options.approve ?? (() => false), deployment, agentless };
  };

  const runJob = async (stage: string, job: Doc): Promise<JobRun> => {
    const id = String(job.job ?? job.deployment);
    const jobStart = Date.now();
    const minutes = Number(job.timeoutInMinutes ?? 60) || 360;
    const deadline = jobStart + minutes * minuteMs;
    const agentless = job.pool === 'server';
    if (job.deployment !== undefined) {
      const { result, contexts } = await runDeployment(job, (hook, extra) => newContext(stage, job, `${stage}.${id}.${hook}`, extra, true, false, deadline));
      return { stage, job: id, result, contexts, seconds: (Date.now() - jobStart) / 1000 };
    }
    const ctx = newContext(stage, job, `${stage}.${id}`, {}, false, agentless, deadline);
    await runSteps((job.steps ?? []) as Doc[], ctx);
    return { stage, job: id, result: ctx.status, contexts: [ctx], seconds: (Date.now() - jobStart) / 1000 };
  };

  const schedule = (): boolean => {
    let progressed = false;
    for (const stage of stageDocs) {
      const sid = String(stage.stage);
      const deps = stageDeps.get(sid) ?? [];
      if (stageStates[sid]) continue;
      if (!startedStages.has(sid)) {
        if (!deps.every((d) => stageStates[d])) continue;
        const dependencies = Object.fromEntries(deps.map((d) => [d, stageStates[d]!]));
        startedStages.add(sid);
        progressed = true;
        if (!truthy(evaluate(String(stage.condition ?? 'succeeded()'), { variables: root, dependencies }))) {
          stageStates[sid] = { result: 'Skipped', outputs: {} };
          // A skipped stage's jobs are skipped too (stageDependencies reads their results).
          jobStates.set(sid, Object.fromEntries(((stage.jobs ?? []) as Doc[]).map((j) => [String(j.job ?? j.deployment), { result: 'Skipped' as const, outputs: {} }])));
          continue;
        }
        jobStates.set(sid, {});
      }
      const states = jobStates.get(sid)!;
      const jobs = (stage.jobs ?? []) as Doc[];
      for (const job of jobs) {
        const jid = String(job.job ?? job.deployment);
        if (states[jid] || startedJobs.has(`${sid}.${jid}`)) continue;
        const jdeps = [job.dependsOn ?? []].flat().map(String);
        if (!jdeps.every((d) => isDone(states[d]?.result))) continue;
        const dependencies = Object.fromEntries(jdeps.map((d) => [d, states[d]!]));
        // The jobs of the stages this stage depends on: `stageDependencies.<stage>.<job>.outputs['<step>.<var>']`.
        const stageDependencies = Object.fromEntries(deps.map((d) => [d, jobStates.get(d) ?? {}]));
        if (!truthy(evaluate(String(job.condition ?? 'succeeded()'), { variables: root, dependencies, stageDependencies }))) {
          states[jid] = { result: 'Skipped', outputs: {} };
          progressed = true;
          continue;
        }
        const agentless = job.pool === 'server';
        // Every agent busy: the job waits in the queue.
        if (!agentless && agentsBusy >= agents) continue;
        if (!agentless) agentsBusy++;
        progressed = true;
        startedJobs.add(`${sid}.${jid}`);
        const p: Promise<void> = runJob(sid, job).then((run) => {
          if (!agentless) agentsBusy--;
          runs.push(run);
          const outputs = Object.assign({}, ...run.contexts.map((c) => c.outputs)) as Record<string, string>;
          states[jid] = { result: run.result === 'Skipped' ? 'Skipped' : run.result, outputs };
          running.delete(p);
        });
        running.add(p);
      }
      if (jobs.every((j) => states[String(j.job ?? j.deployment)])) {
        const outputs: Record<string, string> = {};
        for (const [jid, st] of Object.entries(states)) for (const [k, v] of Object.entries(st.outputs)) outputs[`${jid}.${k}`] = v;
        stageStates[sid] = { result: stageResult(Object.values(states).map((s) => s.result)), outputs };
        progressed = true;
      }
    }
    return progressed;
  };

  for (;;) {
    while (schedule()) {
      /* start everything that can start */
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  const stages = Object.fromEntries(Object.entries(stageStates).map(([k, v]) => [k, v.result]));
  const all = Object.values(stages);
  const result = all.includes('Failed') ? 'Failed' : all.includes('Canceled') ? 'Canceled' : 'Succeeded';
  return {
    result,
    stages,
    jobs: runs,
    artifacts,
    seconds: (Date.now() - started) / 1000,
    log: () => runs.map((r) => `=== ${r.stage}.${r.job}: ${r.result} (${r.seconds.toFixed(1)} s)\n${r.contexts.map(describeSteps).join('\n')}`).join('\n'),
  };
}
