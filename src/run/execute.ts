/**
 * Runs one job's steps in its workspace, the way a runner would: each shell step in its own
 * bash with `-e -o pipefail` (GitHub's default shell), the workspace virtualenv first on PATH
 * after the venv step, the job's variables and only the secrets each step may see.
 * Steps that reach outside the machine (registry, deploys, rollback, notify) are printed
 * instead of run unless the caller allows them.
 */
import { shellWord } from '../escape/shell.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { delimiter, join } from 'node:path';
import type { Step, StepRole } from '../plan/index.js';
import type { RunRoot } from './workspace.js';

/** Roles whose commands act on the world: printed, not run, without --deploy. */
const OUTSIDE: ReadonlySet<StepRole> = new Set(['registry-login', 'image-build', 'image-push', 'register', 'deploy', 'smoke', 'shift-traffic', 'analysis', 'rollback', 'notify']);

/** Whether `mlgen run` executes a step (the rest it prints). */
export function runsLocally(step: Step, deploy: boolean): boolean {
  if (step.type === 'registry-login') return false;
  if (step.type === 'soak') return deploy;
  return step.type !== 'shell' || deploy || !OUTSIDE.has(step.role);
}

export type StepState = 'passed' | 'failed' | 'printed';

export interface StepReport {
  label: string;
  state: StepState;
  /** For commands: what ran (or would run). */
  command?: string;
  seconds: number;
  /** The output of a failed step (its last 8 KiB). */
  output?: string;
  /** Why the step failed, when mlgen knows better than the command's exit code. */
  reason?: string;
  /** The monitor's verdict, from a passed drift-verdict step. */
  drift?: boolean;
}

export interface StepContext {
  root: RunRoot;
  workspace: string;
  /** The job's environment: the caller's, less secrets, plus MLGEN_* and the job's env. */
  env: NodeJS.ProcessEnv;
  /** Secret values the caller provided, by name. */
  secrets: ReadonlyMap<string, string>;
  deploy: boolean;
  /** Tracks the running child so Ctrl-C can stop it. */
  running: Set<ChildProcess>;
  onOutput?: (chunk: string) => void;
}

const KEEP_OUTPUT = 8 * 1024;

export async function runStep(step: Step, context: StepContext): Promise<StepReport> {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  switch (step.type) {
    case 'venv': {
      const result = await sh(step.run, context, context.env);
      if (result.code === 0) {
        const bin = join(context.workspace, step.dir, 'bin');
        context.env.VIRTUAL_ENV = join(context.workspace, step.dir);
        context.env.PATH = `${bin}${delimiter}${context.env.PATH ?? ''}`;
      }
      return { label: step.label, state: result.code === 0 ? 'passed' : 'failed', command: step.run, seconds: seconds(), ...(result.code === 0 ? {} : { output: result.output }) };
    }
    case 'shell': {
      if (OUTSIDE.has(step.role) && !context.deploy) return { label: step.label, state: 'printed', command: step.run, seconds: 0 };
      const env = { ...context.env };
      for (const name of step.secrets) {
        const value = context.secrets.get(name);
        if (value !== undefined) env[name] = value;
      }
      const result = await sh(step.run, context, env);
      return { label: step.label, state: result.code === 0 ? 'passed' : 'failed', command: step.run, seconds: seconds(), ...(result.code === 0 ? {} : { output: result.output }) };
    }
    case 'drift-verdict': {
      const result = await sh(step.run, context, context.env);
      const verdict = result.stdout.trim();
      if (result.code !== 0 || (verdict !== 'true' && verdict !== 'false')) {
        return { label: step.label, state: 'failed', command: step.run, seconds: seconds(), output: result.output };
      }
      return { label: step.label, state: 'passed', command: step.run, seconds: seconds(), drift: verdict === 'true' };
    }
    case 'upload': {
      const missing = context.root.upload(step.name, context.workspace, step.paths);
      if (missing.length > 0) {
        return { label: step.label, state: 'failed', seconds: seconds(), reason: `no such file or folder to upload: ${missing.join(', ')} (train.artifacts names it, but the job did not write it)` };
      }
      return { label: step.label, state: 'passed', seconds: seconds() };
    }
    case 'download': {
      const found = context.root.download(step.from, context.workspace);
      if (!found) return { label: step.label, state: 'failed', seconds: seconds(), reason: `the ${step.from} job uploaded no artifact` };
      return { label: step.label, state: 'passed', seconds: seconds() };
    }
    case 'soak': {
      if (!context.deploy) return { label: step.label, state: 'printed', seconds: 0 };
      await new Promise((done) => setTimeout(done, step.seconds * 1000));
      return { label: step.label, state: 'passed', seconds: seconds() };
    }
    case 'registry-login':
      return {
        label: step.label,
        state: 'printed',
        command: `printf '%s' "$${step.credentials.password}" | docker login --username "$${step.credentials.username}" --password-stdin ${shellWord(step.registry)}`,
        seconds: 0,
        reason: 'log in to the registry yourself before a local push',
      };
    default: {
      const unknown: never = step;
      throw new Error(`unknown step ${JSON.stringify(unknown)}`);
    }
  }
}

function sh(script: string, context: StepContext, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string; stdout: string }> {
  return new Promise((resolve) => {
    // detached: a process group of its own, so Ctrl-C can stop the command and its children.
    const child = spawn('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', script], { cwd: context.workspace, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    context.running.add(child);
    let output = '';
    let stdout = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      context.onOutput?.(text);
      output = (output + text).slice(-KEEP_OUTPUT);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
      take(chunk);
    });
    child.stderr.on('data', take);
    child.on('error', (error) => {
      context.running.delete(child);
      resolve({ code: 127, output: `${output}${error.message}\n`, stdout });
    });
    child.on('close', (code, signal) => {
      context.running.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), output, stdout });
    });
  });
}
