/**
 * The comment block at the top of .gitlab-ci.yml: the secrets, environments, approvals and the
 * GitLab settings, versions, tiers and runner setup the file relies on (docs/gitlab.md says
 * the same in full). Lines, without the `# `; index.ts comments them.
 */
import type { Plan, PlanJob, Step } from '../../plan/index.js';
import { isTriggerJob, type Job, type TriggerJob } from './model.js';
import { DIND_SERVICE, DRIFT_TRIGGER_JOB, runnerTags } from './jobs.js';
import { DRIFT_PIPELINE_PATH, NO_DRIFT_JOB, registrySecrets } from './steps.js';

const secretsOf = (steps: readonly Step[]) => steps.flatMap((s) => (s.type === 'shell' ? s.secrets : []));

function stepsOf(job: PlanJob): Step[] {
  return [...job.steps, ...(job.canary?.phases.flatMap((p) => p.steps) ?? []), ...(job.canary?.rollback?.steps ?? [])];
}

export function requirementLines(plan: Plan, jobs: ReadonlyMap<string, Job | TriggerJob>): string[] {
  const lines = ['GitLab CI: what this file needs (docs/gitlab.md explains each).'];
  const all = [...jobs.values()].filter((job): job is Job => !isTriggerJob(job));
  const uses = (test: (job: Job) => boolean) => all.some(test);
  const versions = ['GitLab 16.10 or later (rules:interruptible)'];
  if (uses((j) => j.manual_confirmation !== undefined)) versions.push('17.1 for manual_confirmation');
  lines.push(`- ${versions.join('; ')}.`);
  lines.push(
    '- Pipeline variables: schedules, triggers and manual runs set MLGEN_PIPELINE and MLGEN_TRAIN_MODE. Settings > CI/CD > Variables >',
    '  "Minimum role to use pipeline variables" must be Developer or higher (GitLab.com defaults new projects to no_one_allowed).',
  );

  // Which jobs read each secret; a secret only release jobs read can be protected, any other must not be.
  const readers = new Map<string, { jobs: string[]; releaseOnly: boolean }>();
  const read = (name: string, job: string, releaseOnly: boolean) => {
    const entry = readers.get(name) ?? { jobs: [], releaseOnly: true };
    if (!entry.jobs.includes(job)) entry.jobs.push(job);
    entry.releaseOnly &&= releaseOnly;
    readers.set(name, entry);
  };
  for (const job of plan.jobs) {
    for (const name of secretsOf(stepsOf(job))) read(name, job.id, job.releaseOnly);
    for (const name of registrySecrets(stepsOf(job))) read(name, job.id, job.releaseOnly);
  }
  if (plan.notify) for (const name of plan.notify.secrets) read(name, plan.notify.id, false);
  if (readers.size > 0) {
    lines.push('- CI/CD variables (Settings > CI/CD > Variables; masked; never in this file), and the jobs that read them:');
    // Code-unit order, not localeCompare: the same on every machine whatever its locale, and
    // without ICU's collator, whose first use cost ~9 ms of a cold generate.
    for (const [name, { jobs: readBy, releaseOnly }] of [...readers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const login = !plan.secrets.includes(name) ? ' (only when the image is not on this project\'s registry)' : '';
      lines.push(`  ${name}: ${readBy.join(', ')}${login}; ${releaseOnly ? 'protected (release branch only)' : 'NOT protected (merge request pipelines need it)'}`);
    }
  }

  if (plan.monitor) {
    lines.push(
      `- Monitor: its schedule sets MLGEN_PIPELINE=monitor. ${plan.monitor.job} writes ${DRIFT_PIPELINE_PATH}, which ${DRIFT_TRIGGER_JOB} runs as a child`,
      `  pipeline: on drift this file again, with MLGEN_PIPELINE=${plan.monitor.onDrift.pipeline} and MLGEN_TRAIN_MODE=${plan.monitor.onDrift.mode}; else the one job ${NO_DRIFT_JOB}.`,
    );
  }
  const environments = plan.jobs.flatMap((j) => (j.environment ? [j.environment.name] : []));
  if (environments.length > 0) lines.push(`- Environments: ${environments.join(', ')}. Keep "Prevent outdated deployment jobs" on (Settings > CI/CD > General pipelines).`);
  for (const job of plan.jobs) {
    if (!job.approval) continue;
    const who = job.approval.approvers.length > 0 ? job.approval.approvers.join(', ') : 'the users you choose';
    lines.push(
      `- Approval: ${job.id} is a blocking manual job. Make ${who} its only deployers and approvers with a protected environment`,
      `  "${job.environment?.name ?? job.id}" and its approval rules (Premium). GitLab has no timeout on a manual job: the plan's`,
      `  ${job.approval.timeoutMinutes} minutes are not enforced; cancel a pipeline left waiting.`,
    );
  }
  if (plan.deployLock) {
    // `mlgen sync gitlab` sets it (src/sync/gitlab/settings.ts) once the first pipeline made the group.
    lines.push(
      `- Deploy lock: every deploy job holds resource_group ${plan.deployLock}. Its process mode must be oldest_first: run`,
      `  \`mlgen sync gitlab\`, or PUT /projects/:id/resource_groups/${plan.deployLock} with process_mode=oldest_first.`,
    );
  }
  const docker = plan.jobs.filter((j) => j.runtime.docker).map((j) => j.id);
  if (docker.length > 0) lines.push(`- Docker-in-docker (${DIND_SERVICE}) in ${docker.join(', ')}: the runner must allow privileged containers.`);
  for (const job of plan.jobs.filter((j) => j.runtime.gpu)) {
    const tags = runnerTags(job.runtime.runner);
    lines.push(
      tags.length > 0
        ? `- ${job.id} needs a GPU: its runner (tags ${tags.join(', ')}) needs gpus = "all" under [runners.docker] in config.toml.`
        : `- ${job.id} needs a GPU but names no runner tags: GitLab's default runners have none; set the section's runner.`,
    );
  }
  const selfHosted = plan.jobs.filter((j) => j.untrusted === 'skip').map((j) => j.id);
  if (selfHosted.length > 0) lines.push(`- On your own runners: ${selfHosted.join(', ')}. A fork's merge request run in this project skips them and the jobs after them.`);
  return lines;
}
