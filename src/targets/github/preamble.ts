/**
 * The comment block on top of each workflow (below mlgen's header): the secrets, environments
 * and approvals it needs, and the repository settings and runner features it relies on.
 * docs/github.md says the same in full.
 */
import type { PipelineId, Plan } from '../../plan/index.js';
import { isHostedLabel } from '../../plan/runtime.js';
import { ACTIONS, type ActionName } from './actions.js';
import type { Workflow } from './model.js';
import { GHCR } from './registry.js';

/** GitHub fails a job that waits for a required reviewer longer than this. */
export const APPROVAL_LIMIT_DAYS = 30;

const SECRET = /\$\{\{ secrets\.(\w+) \}\}/g;

/** Secret name → the jobs whose steps read it, in job order. */
function secretsOf(workflow: Workflow): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const job of workflow.jobs) {
    for (const step of job.steps) {
      const values = [...Object.values(step.env ?? {}), ...('with' in step ? Object.values(step.with ?? {}).map(String) : [])];
      for (const value of values) {
        for (const [, name] of value.matchAll(SECRET)) {
          const jobs = found.get(name!) ?? [];
          if (!jobs.includes(job.id)) jobs.push(job.id);
          found.set(name!, jobs);
        }
      }
    }
  }
  return found;
}

function days(minutes: number): string {
  return minutes % 1440 === 0 ? `${minutes / 1440}d` : minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

export function preamble(plan: Plan, workflow: Workflow): string {
  const lines: string[] = [];
  const secrets = secretsOf(workflow);
  lines.push('Secrets (Settings > Secrets and variables > Actions; a job sees only its steps\' own):');
  if (secrets.size === 0) lines.push('  none');
  for (const [name, jobs] of secrets) lines.push(`  ${name}${name === 'GITHUB_TOKEN' ? ' (the workflow token, nothing to set)' : ''}: ${jobs.join(', ')}`);

  const environments = [...new Map(workflow.jobs.flatMap((j) => (j.environment ? [[j.environment.name, j.environment] as const] : []))).values()];
  if (environments.length > 0) {
    lines.push(`Environments: ${environments.map((e) => e.name).join(', ')}. Create them first: a workflow that names a missing`);
    lines.push('  environment creates it with no protection rules.');
  }
  const approvals = plan.jobs.filter((j) => j.pipelines.includes(pipelineOf(workflow)) && j.approval && j.environment);
  for (const job of approvals) {
    const approval = job.approval!;
    const who = approval.approvers.length > 0 ? approval.approvers.join(', ') : 'the people who approve (the manifest names none)';
    lines.push(`Approval: job ${job.id} waits only if environment "${job.environment!.name}" has Required reviewers:`);
    lines.push(`  add ${who}; at most six users or teams, one approval suffices, tick Prevent self-review.`);
    lines.push('  Required reviewers need a public repository, or GitHub Enterprise for a private one; without');
    lines.push('  them nothing blocks.');
    if (approval.timeoutMinutes !== APPROVAL_LIMIT_DAYS * 1440) {
      lines.push(`  Timeout: GitHub fails a job not approved within ${APPROVAL_LIMIT_DAYS}d; the manifest's ${days(approval.timeoutMinutes)} cannot be set`);
      lines.push('  (timeout-minutes starts after approval; a wait timer only delays): reject or cancel the run by then.');
    }
  }
  if (workflow.concurrency && plan.deployLock && workflow.concurrency.group.includes(`'${plan.deployLock}'`)) {
    lines.push(`Deploy lock: release-branch runs of this workflow share concurrency group "${plan.deployLock}" with every`);
    lines.push('  workflow that deploys: one runs at a time; GitHub keeps one waiting run and cancels an older waiting one.');
  }
  const labels = [...new Set(workflow.jobs.filter((j) => !isHostedJob(j.runsOn)).flatMap((j) => j.runsOn))];
  if (labels.length > 0) lines.push(`Self-hosted runners with labels: ${labels.join(', ')} (fork pull requests never reach them).`);
  if (workflow.jobs.some((j) => j.container?.options?.includes('--gpus'))) lines.push('GPU containers (--gpus all): the runner needs the NVIDIA Container Toolkit.');
  const pushes = workflow.jobs.filter((j) => j.steps.some((s) => 'run' in s && s.run.startsWith('docker push')));
  for (const job of pushes) {
    const login = job.steps.some((s) => 'uses' in s && s.uses === 'dockerLogin');
    const how = !login ? "the manifest's package.login" : plan.image?.startsWith(`${GHCR}/`) ? 'ghcr.io with the workflow token (packages: write on this job only)' : 'docker/login-action with REGISTRY_USERNAME and REGISTRY_PASSWORD';
    lines.push(`Image push (job ${job.id}): Docker on the runner; logs in with ${how}.`);
  }
  if (plan.schedules.some((s) => pipelineOf(workflow) === s.pipeline)) lines.push('Schedules run on the default branch, in UTC: make it defaults.branch.');
  const actions = [...new Set(workflow.jobs.flatMap((j) => j.steps.flatMap((s) => ('uses' in s ? [s.uses] : []))))];
  if (actions.length > 0) lines.push(`Actions (pinned by SHA): ${actions.map((a) => versionLabel(a)).join(', ')}.`);
  lines.push('See docs/github.md.');
  return `${lines.map((l) => `# ${l}`.trimEnd()).join('\n')}\n`;
}

function pipelineOf(workflow: Workflow): PipelineId {
  return workflow.pipeline;
}

function isHostedJob(runsOn: string[]): boolean {
  return runsOn.length === 1 && isHostedLabel(runsOn[0]!);
}

function versionLabel(name: ActionName): string {
  return `${ACTIONS[name].repository} ${ACTIONS[name].version}`;
}
