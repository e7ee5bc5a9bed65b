/**
 * Jobs: one plan job as Azure jobs. Agent jobs print the plan's steps after checkout and
 * Python; deploy jobs are deployment jobs on their environment; the canary uses Azure's
 * canary strategy; a rollback job and a ManualValidation job stand beside them in the deploy
 * stage (see render.ts for why the whole chain is one stage).
 */
import { exprString } from '../../escape/azure.js';
import type { CanaryPlan, PlanJob, Step as PlanStep } from '../../plan/index.js';
import type { AgentJob, DeploymentJob, Hook, Job, ServerJob, Step } from './model.js';
import { stageId } from './ids.js';
import { imageRunFor } from './image-run.js';
import { containerFor, poolFor, type Steps } from './steps.js';

/** The increment of the current canary iteration (deployment-jobs, canary strategy variables). */
const PERCENT = { MLGEN_CANARY_PERCENT: '$(strategy.increment)' };

function base(job: PlanJob) {
  const container = containerFor(job.runtime);
  return {
    id: stageId(job.id),
    displayName: job.title,
    pool: poolFor(job.runtime),
    ...(container ? { container } : {}),
    timeoutInMinutes: job.runtime.timeoutMinutes,
    variables: { ...job.env },
  };
}

/** Checkout, Python, caches, then the plan's steps. */
function agentSteps(steps: Steps, job: PlanJob, planSteps: readonly PlanStep[] = job.steps, env: Record<string, string> = job.env): Step[] {
  return [...steps.prelude(job.runtime), ...steps.caches(job), ...steps.print(planSteps, {}, imageRunFor(job.runtime, env))];
}

/** The job's setup, then a canary phase's own steps with the increment as MLGEN_CANARY_PERCENT. */
function phaseSteps(steps: Steps, job: PlanJob, own: readonly PlanStep[]): Step[] {
  return [...agentSteps(steps, job), ...steps.print(own, PERCENT, imageRunFor(job.runtime, job.env))];
}

/**
 * Steps of a job that must also run after the run was cancelled (rollback, notify). A step's
 * default condition is `succeeded()`, false once the run is cancelled; `not(failed())` still
 * stops at a failing step of the job itself (https://learn.microsoft.com/azure/devops/pipelines/process/expressions#job-status-functions).
 */
export function evenIfCancelled(steps: Step[]): Step[] {
  return steps.map((step) => ('checkout' in step || 'bash' in step || 'task' in step ? { ...step, condition: 'not(failed())' } : step));
}

export function agentJob(steps: Steps, job: PlanJob): AgentJob {
  return { kind: 'job', ...base(job), steps: [...agentSteps(steps, job), ...(job.report ? steps.report(job.report) : [])] };
}

/**
 * A deployment job checks out nothing unless told, and its `deploy` hook downloads every
 * artifact unless told `download: none` (https://learn.microsoft.com/azure/devops/pipelines/process/deployment-jobs#descriptions-of-lifecycle-hooks):
 * mlgen checks out and downloads exactly what the plan says.
 */
export function runOnceJob(steps: Steps, job: PlanJob, environment: string, dependsOn: string[]): DeploymentJob {
  return {
    kind: 'deployment',
    ...base(job),
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
    environment,
    strategy: { runOnce: { deploy: { steps: [{ download: 'none' }, ...agentSteps(steps, job)] } } },
  };
}

/**
 * The canary as Azure's canary strategy: per increment, `routeTraffic` shifts the traffic and
 * `postRouteTraffic` soaks and analyses (https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/jobs-deployment-strategy-canary).
 * Each hook is a job of its own, so each agent hook starts with checkout and setup. Without an
 * analysis the soak is an agentless `Delay@1` in a server hook and holds no agent; with one it
 * is a `sleep` before the analysis, because a hook is agentless or not as a whole and the
 * strategy has no hook after `postRouteTraffic` in an increment. The job's timeout (the plan's)
 * holds every soak; the rollback is a job of its own (see rollbackJob).
 */
export function canaryJob(steps: Steps, job: PlanJob, canary: CanaryPlan, environment: string, dependsOn: string[]): DeploymentJob {
  const [first] = canary.phases;
  const own = (first?.steps ?? []).map((s) => (s.type === 'shell' && s.role === 'shift-traffic' ? { ...s, label: s.label.replace(/ to \d+%$/, '') } : s));
  const shift = own.filter((s) => s.type === 'shell' && s.role === 'shift-traffic');
  const after = own.filter((s) => !shift.includes(s));
  const analysed = after.some((s) => s.type === 'shell');
  let postRouteTraffic: Hook | undefined;
  if (analysed) postRouteTraffic = { steps: phaseSteps(steps, job, after) };
  else if (after.length > 0) postRouteTraffic = { pool: 'server', steps: after.flatMap((s) => (s.type === 'soak' ? [delay(s.label, s.seconds)] : [])) };
  return {
    kind: 'deployment',
    ...base(job),
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
    environment,
    strategy: {
      canary: {
        increments: canary.phases.map((p) => p.percent),
        routeTraffic: { steps: phaseSteps(steps, job, shift) },
        ...(postRouteTraffic ? { postRouteTraffic } : {}),
      },
    },
  };
}

function delay(label: string, seconds: number): Step {
  // Delay@1 takes whole minutes here; rounding up never shortens the soak.
  return { task: 'Delay@1', displayName: label, inputs: { delayForMinutes: String(Math.ceil(seconds / 60)) } };
}

/**
 * The rollback, as a job that runs when the canary job failed or was cancelled. `on: failure`
 * of the strategy runs "on failure" of a hook only (deployment-jobs, lifecycle hooks), and a
 * timeout cancels the job ("how long to run the job before automatically cancelling",
 * https://learn.microsoft.com/azure/devops/pipelines/process/phases#timeouts): a job
 * whose condition names the canary's result also runs when the run is cancelled, because the
 * condition holds no status function (conditions#condition-outcomes-when-a-build-is-canceled).
 * A canary that never started (Skipped) rolls nothing back.
 */
export function rollbackJob(steps: Steps, job: PlanJob, canary: CanaryPlan): AgentJob | undefined {
  const rollback = canary.rollback;
  if (!rollback) return undefined;
  const canaryId = stageId(job.id);
  return {
    kind: 'job',
    ...base(job),
    id: stageId(rollback.id),
    displayName: 'Roll back the canary',
    dependsOn: [canaryId],
    condition: `in(dependencies.${canaryId}.result, ${exprString('Failed')}, ${exprString('Canceled')})`,
    variables: { ...rollback.env },
    steps: evenIfCancelled(agentSteps(steps, job, rollback.steps, rollback.env)),
  };
}

/**
 * ManualValidation@1 in an agentless job (https://learn.microsoft.com/azure/devops/pipelines/tasks/reference/manual-validation-v1):
 * only the plan's approvers may approve, never the person whose run it is, and the run is
 * rejected when nobody answers within the approval's timeout (the job's timeout ends the task).
 */
export function approvalJob(steps: Steps, job: PlanJob, dependsOn: string[]): ServerJob | undefined {
  const approval = job.approval;
  if (!approval) return undefined;
  const approvers = approval.approvers.join(',');
  const inputs: Record<string, string | boolean> = { notifyUsers: approvers };
  if (approvers) inputs.approvers = approvers;
  inputs.allowApproversToApproveTheirOwnRuns = false;
  inputs.instructions = steps.protect(approval.message);
  inputs.onTimeout = 'reject';
  return {
    kind: 'server',
    id: `${stageId(job.id)}_approval`,
    displayName: `Approve: ${job.title}`,
    ...(dependsOn.length > 0 ? { dependsOn } : {}),
    pool: 'server',
    timeoutInMinutes: approval.timeoutMinutes,
    steps: [{ task: 'ManualValidation@1', displayName: 'Wait for approval', inputs }],
  };
}

/** Every Azure job of a deploy job, in order, waiting for `dependsOn` (jobs of the same stage). */
export function deployJobs(steps: Steps, job: PlanJob, dependsOn: string[]): Job[] {
  const environment = job.environment?.name ?? job.id;
  if (job.canary) {
    const rollback = rollbackJob(steps, job, job.canary);
    return [canaryJob(steps, job, job.canary, environment, dependsOn), ...(rollback ? [rollback] : [])];
  }
  const approval = approvalJob(steps, job, dependsOn);
  return approval ? [approval, runOnceJob(steps, job, environment, [approval.id])] : [runOnceJob(steps, job, environment, dependsOn)];
}
