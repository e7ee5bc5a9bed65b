/**
 * The agent running one job's steps, in order, for real: `bash`/`script` steps with bash, the
 * tasks mlgen's files use, each step's condition against the job's status so far, the macro
 * pass over its text and inputs, the job's variables as environment variables, `env:`
 * mappings (the only way a secret reaches a script), and the logging commands a script prints.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, expandMacros, truthy } from '../expressions.js';
import { runTask } from './tasks.js';
import { checkout, type ArtifactStore, type Source, type Workspace } from './workspace.js';

type Doc = Record<string, any>;
export type Result = 'Succeeded' | 'SucceededWithIssues' | 'Failed' | 'Canceled' | 'Skipped';

export interface StepRecord {
  displayName: string;
  result: Result;
  output: string;
}

/** Everything one job (or one lifecycle hook) of the run has while its steps run. */
export interface JobContext {
  /** `stage.job`, and for a hook `stage.job.hook[.increment]`. */
  id: string;
  ws: Workspace;
  /** The job's variables: predefined, pipeline, job-level, and those steps set. */
  variables: Record<string, string>;
  /** Names of secret variables: never turned into environment variables by themselves. */
  secrets: Set<string>;
  /** The agent's own environment (PATH with the stand-ins first, pip settings, HOME). */
  baseEnv: Record<string, string>;
  prependPath: string[];
  /** `step.variable` → value, from `task.setvariable …;isOutput=true`. */
  outputs: Record<string, string>;
  status: Result;
  /** Epoch ms at which the job's timeoutInMinutes cancels it. */
  deadline: number;
  artifacts: ArtifactStore;
  source: Source;
  steps: StepRecord[];
  /** Answers ManualValidation@1: true approves, false rejects. */
  approve: (job: string, inputs: Doc) => boolean;
  /** A deployment job or hook: no implicit checkout. */
  deployment: boolean;
  /** An agentless job (`pool: server`): no workspace, only server tasks. */
  agentless: boolean;
}

/**
 * The job's variables as a step's environment
 * (https://learn.microsoft.com/azure/devops/pipelines/process/variables#environment-variables):
 * upper case, `.` → `_`; secret variables are left out
 * (https://learn.microsoft.com/azure/devops/pipelines/process/set-secret-variables: "Secret
 * variables aren't automatically decrypted into environment variables for scripts"), and the
 * step's `env:` mapping, macro-expanded, comes on top.
 */
function environmentFor(ctx: JobContext, stepEnv: Doc | undefined): Record<string, string> {
  const env: Record<string, string> = { ...ctx.baseEnv };
  for (const [name, value] of Object.entries(ctx.variables)) {
    if (ctx.secrets.has(name) || name === 'System.AccessToken') continue;
    env[name.replace(/\./g, '_').toUpperCase()] = value;
  }
  env.PATH = [...ctx.prependPath, env.PATH ?? ''].join(':');
  for (const [name, value] of Object.entries(stepEnv ?? {})) env[name] = expandMacros(String(value), ctx.variables);
  return env;
}

/**
 * Logging commands (https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands):
 * `task.setvariable` sets a variable for the job's LATER steps (not the running one); with
 * `isOutput=true` it is also an output `<step name>.<variable>` that later jobs read through
 * `dependencies`; `isSecret=true` keeps it out of environments. `task.prependpath` puts a
 * directory first on PATH for later steps.
 */
function applyLoggingCommands(output: string, stepName: string | undefined, ctx: JobContext): void {
  for (const line of output.split('\n')) {
    const match = /^\s*##vso\[([\w.]+)([^\]]*)\](.*)$/.exec(line);
    if (!match) continue;
    const [, command, rawProps = '', value = ''] = match;
    // Property names are case-insensitive (`isOutput`, `isoutput`): keyed in lower case here.
    const props = Object.fromEntries(rawProps.trim().split(';').filter(Boolean).map((kv) => kv.split('=', 2).map((s) => s.trim()) as [string, string]).map(([k, v]) => [k.toLowerCase(), v]));
    if (command.toLowerCase() === 'task.setvariable') {
      const name = props.variable ?? '';
      const isOutput = String(props.isoutput).toLowerCase() === 'true';
      const isSecret = String(props.issecret).toLowerCase() === 'true';
      ctx.variables[name] = value;
      if (isSecret) ctx.secrets.add(name);
      if (isOutput && stepName) {
        ctx.outputs[`${stepName}.${name}`] = value;
        ctx.variables[`${stepName}.${name}`] = value;
      }
    } else if (command.toLowerCase() === 'task.prependpath') ctx.prependPath.unshift(value);
  }
}

/** A script step: the macro-expanded text in a file, run as the Bash task does, `bash --noprofile --norc <file>` (https://learn.microsoft.com/azure/devops/pipelines/tasks/reference/bash-v3). */
async function runScript(text: string, step: Doc, ctx: JobContext): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  const file = join(ctx.ws.temp, `${randomUUID()}.sh`);
  writeFileSync(file, expandMacros(text, ctx.variables));
  const env = environmentFor(ctx, step.env as Doc | undefined);
  const cwd = step.workingDirectory ? expandMacros(String(step.workingDirectory), ctx.variables) : ctx.ws.sources;
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', file], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, Math.max(0, ctx.deadline - Date.now()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

const JOB = '__job';

/**
 * A step runs when its condition holds, default `succeeded()`: every earlier step of the job
 * succeeded (https://learn.microsoft.com/azure/devops/pipelines/process/conditions). A failed
 * step fails the job unless `continueOnError` (then SucceededWithIssues); later steps with the
 * default condition are skipped. Past the job's timeout the job is cancelled
 * (https://learn.microsoft.com/azure/devops/pipelines/process/phases#timeouts).
 */
export async function runSteps(steps: readonly Doc[], ctx: JobContext): Promise<void> {
  if (!ctx.deployment && !ctx.agentless && !steps.some((s) => s.checkout !== undefined)) {
    // An agent job checks out `self` first unless a checkout step says otherwise
    // (https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/steps-checkout).
    ctx.steps.push({ displayName: 'Checkout (implicit)', result: 'Succeeded', output: checkout(ctx.ws, ctx.source, undefined) });
  }
  for (const step of steps) {
    const displayName = String(step.displayName ?? step.task ?? (step.checkout !== undefined ? `checkout ${step.checkout}` : 'step'));
    const condition = String(step.condition ?? 'succeeded()');
    const canceled = ctx.status === 'Canceled';
    const holds = step.enabled === false ? false : truthy(evaluate(condition, { variables: ctx.variables, dependencies: { [JOB]: { result: ctx.status, outputs: {} } }, canceled }));
    if (!holds) {
      ctx.steps.push({ displayName, result: 'Skipped', output: '' });
      continue;
    }
    if (Date.now() >= ctx.deadline) {
      ctx.status = 'Canceled';
      ctx.steps.push({ displayName, result: 'Canceled', output: 'The job running on agent exceeded the maximum execution time' });
      continue;
    }
    let result: Result = 'Succeeded';
    let output = '';
    const text = typeof step.bash === 'string' ? step.bash : typeof step.script === 'string' ? step.script : undefined;
    if (text !== undefined) {
      const ran = await runScript(text, step, ctx);
      output = ran.output;
      if (ran.timedOut) {
        result = 'Canceled';
        output += '\nThe job running on agent exceeded the maximum execution time';
      } else if (ran.code !== 0) {
        result = 'Failed';
        output += `\nBash exited with code '${ran.code}'.`;
      }
      applyLoggingCommands(ran.output, step.name as string | undefined, ctx);
    } else {
      try {
        output = await runTask(step, ctx);
      } catch (error) {
        result = 'Failed';
        output = `##[error]${(error as Error).message}`;
      }
    }
    if (result === 'Failed' && String(step.continueOnError) === 'true') result = 'SucceededWithIssues';
    ctx.steps.push({ displayName, result, output });
    if (result === 'Failed' || result === 'Canceled') ctx.status = result;
    else if (result === 'SucceededWithIssues' && ctx.status === 'Succeeded') ctx.status = 'SucceededWithIssues';
  }
}

/** The job's log, for assertion messages. */
export function describeSteps(ctx: { id: string; steps: StepRecord[] }): string {
  return ctx.steps.map((s) => `--- ${ctx.id} / ${s.displayName}: ${s.result}\n${s.output.trim()}`).join('\n');
}
