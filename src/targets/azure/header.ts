/**
 * The comment block at the top of azure-pipelines.yml: what the pipeline needs configured in
 * Azure DevOps (secrets, environments and their checks, approvals, service connections,
 * agents, settings) so that nobody has to read the YAML to find it. docs/azure.md says it in full.
 */
import type { Plan } from '../../plan/index.js';
import { imageRunOf } from './image-run.js';
import type { Steps } from './steps.js';

export function headerComment(plan: Plan, steps: Steps): string {
  const lines: string[] = ['Azure Pipelines setup this file relies on (docs/azure.md):'];
  if (plan.secrets.length > 0) {
    lines.push(`- Secret variables (Edit > Variables, or a linked variable group): ${plan.secrets.join(', ')}; each reaches only the steps that need it.`);
  }
  lines.push('- Settings > Pull request validation: keep "Make secrets available to builds of forks" off (the default).');
  const selfHosted = [...new Set([plan.runtime, ...plan.jobs.map((j) => j.runtime)].filter((r) => !r.hosted).flatMap((r) => r.runner.filter((l) => l !== 'self-hosted')))];
  if (plan.jobs.some((j) => !j.runtime.hosted) || !plan.runtime.hosted) {
    lines.push(`- Self-hosted agents in the Default pool${selfHosted.length > 0 ? ` with capabilities ${selfHosted.join(', ')}` : ''}; their jobs skip pull requests from forks.`);
  }
  const viaDockerRun = [...new Set(plan.jobs.flatMap((j) => imageRunOf(j.runtime) ?? []))];
  if (viaDockerRun.length > 0) {
    lines.push(`- Docker on the agents of the jobs in ${viaDockerRun.join(', ')} (Microsoft-hosted Ubuntu agents have it): Azure container jobs need glibc and bash, so those jobs run on the agent and each step runs in the image through docker run.`);
  }
  if (plan.jobs.some((j) => j.runtime.gpu)) lines.push('- GPU agents with the NVIDIA container toolkit: GPU containers start with --gpus all.');
  const environments = plan.jobs.flatMap((j) => (j.environment ? [j.environment.name] : []));
  if (environments.length > 0) {
    lines.push(`- Environments ${environments.join(', ')}: add an Exclusive Lock check to each (Approvals and checks); lockBehavior: sequential queues runs in order.`);
  }
  for (const job of plan.jobs) {
    if (!job.approval) continue;
    const who = job.approval.approvers.length > 0 ? job.approval.approvers.join(', ') : 'anyone who may run the pipeline (set approval.approvers)';
    lines.push(`- Approval before ${job.id}: ManualValidation@1, approvers ${who}, not the run's own requester; rejected after ${job.approval.timeoutMinutes} minutes.`);
  }
  for (const { registry, connection } of steps.registries()) lines.push(`- A Docker Registry service connection named ${connection} (for ${registry}).`);
  if (plan.trainChanges) lines.push('- The build service may read builds (the default): change detection finds the last successful build.');
  return `${lines.map((l) => `# ${l}`).join('\n')}\n`;
}
