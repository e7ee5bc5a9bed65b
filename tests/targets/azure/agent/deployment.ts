/**
 * Deployment jobs' strategies (https://learn.microsoft.com/azure/devops/pipelines/process/deployment-jobs):
 * each lifecycle hook resolves into an agent job of its own (a fresh workspace), a deployment
 * job checks out nothing unless a hook says `checkout: self`, and the deploy hook downloads the
 * run's artifacts by itself unless it has a download step ("Download artifact task is auto
 * injected only in the deploy hook for deployment jobs. To stop downloading artifacts, use
 * `- download: none` or choose specific artifacts to download").
 */
import type { JobContext } from './steps.js';
import { runSteps } from './steps.js';

type Doc = Record<string, any>;

/** The hooks of one run, in order: runOnce and canary are the strategies mlgen prints. */
export interface HookRun {
  hook: string;
  increment?: string;
  steps: Doc[];
}

function hookSteps(strategy: Doc, hook: string): Doc[] | undefined {
  const value = strategy[hook] as Doc | undefined;
  return Array.isArray(value?.steps) ? (value.steps as Doc[]) : undefined;
}

/**
 * runOnce: preDeploy, deploy, routeTraffic, postRouteTraffic, each once
 * (https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/jobs-deployment-strategy-runonce).
 * canary: preDeploy once, then for each increment deploy, routeTraffic and postRouteTraffic
 * with `strategy.increment` set to it
 * (https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/jobs-deployment-strategy-canary).
 * Then `on: failure` or `on: success`.
 */
export function hookSequence(job: Doc): { name: string; hooks: HookRun[]; onSuccess?: Doc[]; onFailure?: Doc[] } {
  const [name, strategy] = Object.entries((job.strategy ?? {}) as Doc)[0] ?? [];
  if (!name || !strategy) throw new Error(`deployment ${job.deployment} has no strategy`);
  const phase = ['deploy', 'routeTraffic', 'postRouteTraffic'];
  const hooks: HookRun[] = [];
  const pre = hookSteps(strategy, 'preDeploy');
  if (pre) hooks.push({ hook: 'preDeploy', steps: pre });
  if (name === 'runOnce') for (const hook of phase) {
    const steps = hookSteps(strategy, hook);
    if (steps) hooks.push({ hook, steps });
  }
  else if (name === 'canary') for (const increment of (strategy.increments ?? []) as unknown[]) {
    for (const hook of phase) {
      const steps = hookSteps(strategy, hook);
      if (steps) hooks.push({ hook, increment: String(increment), steps });
    }
  }
  else throw new Error(`strategy ${name}: only runOnce and canary are simulated`);
  const on = (strategy.on ?? {}) as Doc;
  return { name, hooks, onSuccess: on.success?.steps, onFailure: on.failure?.steps };
}

/** Whether the deploy hook gets the automatic download: not when any of its steps downloads. */
function autoDownloads(hook: HookRun): boolean {
  return hook.hook === 'deploy' && !hook.steps.some((s) => s.download !== undefined || s.task === 'DownloadPipelineArtifact@2');
}

/**
 * Runs a deployment job's hooks in order, each in a context of its own made by `newHook`; the
 * first hook that fails or times out stops the sequence and the job fails. Returns every hook's
 * context, in the order they ran.
 */
export async function runDeployment(job: Doc, newHook: (label: string, extra: Record<string, string>) => JobContext): Promise<{ result: JobContext['status']; contexts: JobContext[] }> {
  const { name, hooks, onSuccess, onFailure } = hookSequence(job);
  const contexts: JobContext[] = [];
  let result: JobContext['status'] = 'Succeeded';
  const extra = (increment?: string): Record<string, string> => ({ 'strategy.name': name, ...(increment === undefined ? {} : { 'strategy.increment': increment }) });
  for (const hook of hooks) {
    const ctx = newHook(hook.increment === undefined ? hook.hook : `${hook.hook}.${hook.increment}`, extra(hook.increment));
    contexts.push(ctx);
    const steps = autoDownloads(hook) ? [{ download: 'current', displayName: 'Download artifacts (automatic in the deploy hook)' }, ...hook.steps] : hook.steps;
    await runSteps(steps, ctx);
    if (ctx.status === 'Failed' || ctx.status === 'Canceled') {
      result = ctx.status;
      break;
    }
    if (ctx.status === 'SucceededWithIssues') result = 'SucceededWithIssues';
  }
  const last = (result === 'Failed' || result === 'Canceled' ? onFailure : onSuccess) ?? undefined;
  if (last) {
    const ctx = newHook(result === 'Failed' || result === 'Canceled' ? 'on.failure' : 'on.success', extra());
    contexts.push(ctx);
    await runSteps(last, ctx);
    if (result === 'Succeeded' && (ctx.status === 'Failed' || ctx.status === 'Canceled')) result = ctx.status;
  }
  return { result, contexts };
}
