/**
 * Stage conditions: Azure's runtime expressions for "which plan jobs run for this event".
 *
 * One pipeline definition holds the ci, predict and retrain pipelines; the root variable
 * MLGEN_PIPELINE says which one a run is. A stage's `dependsOn` lists what its job follows in
 * any pipeline, and its condition asks for success only of what it follows in the current
 * pipeline: retrain has no checks, so training there waits for the checks' stages (skipped)
 * without requiring them. A stage that a condition skipped never counts as success, so
 * everything after it is skipped too, in every pipeline. In the monitor pipeline the retrain
 * chain follows the monitor's stage, and its first stages also need the monitor's output
 * variable `drift` to be `true`.
 */
import { jobById, needsIn, needsInRun, runFor, type EventRun, type PipelineId, type Plan, type PlanJob } from '../../plan/index.js';
import { exprString } from '../../escape/azure.js';
import { stageId } from './ids.js';

/** An expression tree, printed on one line when short and indented when not. */
export type Expr = string | { fn: string; args: Expr[] };

const call = (fn: string, ...args: Expr[]): Expr => ({ fn, args });
const variable = (name: string) => `variables[${exprString(name)}]`;

/** Stage `train_changes`, job `train_changes`, step `diff`, output `changed`. */
export const CHANGES_ID = 'train_changes';
export const CHANGES_STEP = 'diff';
export const CHANGES_OUTPUT = 'changed';

/**
 * The monitor's verdict: its job's step `verdict` sets the output variable `drift` (`true` or
 * `false`), which a later stage reads as `dependencies.<stage>.outputs['<job>.<step>.drift']`
 * (https://learn.microsoft.com/azure/devops/pipelines/process/expressions#dependencies).
 */
export const VERDICT_STEP = 'verdict';
export const DRIFT_OUTPUT = 'drift';

/** The monitor pipeline's run (the monitor, then the retrain chain marked ifDrift), when the plan has a monitor. */
export function monitorRun(plan: Plan): EventRun | undefined {
  return plan.monitor ? runFor(plan, { kind: 'manual', pipeline: 'monitor', mode: 'full' }) : undefined;
}

/** Whether the job belongs to the retrain chain the monitor's verdict gates. */
export function drivenByDrift(plan: Plan, job: PlanJob): boolean {
  return monitorRun(plan)?.jobs.some((j) => j.id === job.id && j.ifDrift) ?? false;
}

/** The stages a job of the drift chain waits for in the monitor's run: the monitor's, for the chain's first jobs. */
export function driftNeeds(plan: Plan, job: PlanJob): string[] {
  const run = monitorRun(plan);
  return run && drivenByDrift(plan, job) ? needsInRun(plan, run, job) : [];
}

/** The drift gate for the chain's first jobs: the monitor succeeded and its verdict is `true`. */
function driftGate(plan: Plan, stageOf: (jobId: string) => string): Expr {
  const monitor = plan.monitor!;
  const output = `dependencies.${stageOf(monitor.job)}.outputs[${exprString(`${stageId(monitor.job)}.${VERDICT_STEP}.${DRIFT_OUTPUT}`)}]`;
  return call('and', pipelineIs(['monitor']), succeeded([monitor.job], stageOf), call('eq', output, exprString('true')));
}

/** The Build.Reason values of a push or a pull request: the events where train.paths matter. */
const CHANGE_REASONS = ['IndividualCI', 'BatchedCI', 'PullRequest'];

export function pipelineIs(pipelines: readonly PipelineId[]): Expr {
  return pipelines.length === 1
    ? call('eq', variable('MLGEN_PIPELINE'), exprString(pipelines[0] ?? ''))
    : call('in', variable('MLGEN_PIPELINE'), ...pipelines.map(exprString));
}

/** A push or pull request: the only runs whose train.paths changes are computed. */
export function isChangeEvent(): Expr {
  return call('in', variable('Build.Reason'), ...CHANGE_REASONS.map(exprString));
}

function succeeded(ids: string[], stageOf: (jobId: string) => string): Expr {
  return call('succeeded', ...[...new Set(ids.map(stageOf))].map(exprString));
}

/**
 * The condition of the stage that runs `job`. A custom condition replaces the default
 * `succeeded()`, so it starts with `not(canceled())` and names the stages it must follow
 * (https://learn.microsoft.com/azure/devops/pipelines/process/conditions#condition-outcomes-when-a-build-is-canceled).
 */
export function stageCondition(plan: Plan, job: PlanJob, pathsFilter: boolean, stageOf: (jobId: string) => string = stageId): string {
  const terms: Expr[] = [call('not', call('canceled'))];
  // Group the job's pipelines by what it follows there, so equal cases print once.
  const groups = new Map<string, PipelineId[]>();
  const add = (key: string, pipeline: PipelineId) => groups.set(key, [...(groups.get(key) ?? []), pipeline]);
  for (const pipeline of job.pipelines) add(needsIn(plan, job, pipeline).join(' '), pipeline);
  // The monitor's run: the retrain chain after the monitor, in the chain's order; its first
  // jobs run only when the monitor reported drift.
  const drift = driftNeeds(plan, job);
  const gated = plan.monitor !== undefined && drift.includes(plan.monitor.job);
  if (drift.length > 0 && !gated) add(drift.join(' '), 'monitor');
  const cases = [...groups].map(([needs, pipelines]) => {
    const ids = needs === '' ? [] : needs.split(' ');
    return ids.length === 0 ? pipelineIs(pipelines) : call('and', pipelineIs(pipelines), succeeded(ids, stageOf));
  });
  if (gated) cases.push(driftGate(plan, stageOf));
  const [only] = cases;
  if (cases.length > 1) terms.push(call('or', ...cases));
  else if (only !== undefined && typeof only !== 'string' && only.fn === 'and') terms.push(...only.args);
  else if (only !== undefined) terms.push(only);
  if (job.releaseOnly) {
    terms.push(call('eq', variable('Build.SourceBranch'), exprString(`refs/heads/${plan.releaseBranch}`)));
    terms.push(call('ne', variable('Build.Reason'), exprString('PullRequest')));
  }
  if (job.untrusted === 'skip' && !job.releaseOnly) {
    // A self-hosted agent never builds a fork's code (https://learn.microsoft.com/azure/devops/pipelines/repos/github#important-security-considerations);
    // the variable is 'True' only in a pull request build from a fork (predefined variables, System.PullRequest.IsFork).
    terms.push(call('ne', variable('System.PullRequest.IsFork'), exprString('True')));
  }
  if (pathsFilter) {
    const changed = `dependencies.${CHANGES_ID}.outputs[${exprString(`${CHANGES_ID}.${CHANGES_STEP}.${CHANGES_OUTPUT}`)}]`;
    terms.push(call('or', call('notIn', variable('Build.Reason'), ...CHANGE_REASONS.map(exprString)), call('eq', changed, exprString('true'))));
  }
  return print(call('and', ...terms));
}

/**
 * Whether a job's stage checks the train.paths output itself: a job that follows training
 * on push and pull request, unless something it follows in ci already does (then that
 * stage's skip carries over).
 */
export function checksTrainPaths(plan: Plan, job: PlanJob): boolean {
  if (!plan.trainChanges || !job.followsTraining || !job.pipelines.includes('ci')) return false;
  return !needsIn(plan, job, 'ci').some((id) => jobById(plan, id).followsTraining);
}

const LINE = 100;

export function print(expr: Expr, indent = ''): string {
  const flat = printFlat(expr);
  if (typeof expr === 'string' || indent.length + flat.length <= LINE) return flat;
  const inner = `${indent}  `;
  return `${expr.fn}(\n${expr.args.map((arg) => inner + print(arg, inner)).join(',\n')}\n${indent})`;
}

function printFlat(expr: Expr): string {
  return typeof expr === 'string' ? expr : `${expr.fn}(${expr.args.map(printFlat).join(', ')})`;
}
