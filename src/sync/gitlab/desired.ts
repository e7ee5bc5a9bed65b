/**
 * What `mlgen sync gitlab` wants the project to hold, from the plan and the generated files
 * alone (no request): one pipeline schedule per plan schedule, one trigger token per external
 * event, and the deploy chain's resource group. mlgen owns only what it describes "mlgen: <id>".
 */
import type { GeneratedFile } from '../../files/index.js';
import type { Plan } from '../../plan/index.js';
import { GITLAB_CI_PATH, scheduleVariables } from '../../targets/gitlab/index.js';
import { SyncError } from '../errors.js';

export const CI_FILE = GITLAB_CI_PATH;
const OWNER_PREFIX = 'mlgen:';
/** Schedules run in UTC: the manifest's cron is UTC on every target. */
export const TIMEZONE = 'UTC';

export interface DesiredSchedule {
  description: string;
  cron: string;
  ref: string;
  variables: Record<string, string>;
}

export interface DesiredTrigger {
  event: string;
  mode: string;
  description: string;
}

export interface GitLabDesired {
  /** The file GitLab CI Lint judges, exactly as `mlgen generate` writes it. */
  ciFile: GeneratedFile;
  schedules: DesiredSchedule[];
  triggers: DesiredTrigger[];
  /** The resource group the deploy chain holds, when the plan deploys. */
  deployLock?: string;
}

export const ownedBy = (description: string | null | undefined): boolean => (description ?? '').startsWith(OWNER_PREFIX);
export const descriptionFor = (id: string): string => `${OWNER_PREFIX} ${id}`;

export function desiredGitLab(plan: Plan, files: readonly GeneratedFile[]): GitLabDesired {
  const ciFile = files.find((f) => f.path === CI_FILE);
  if (!ciFile) {
    throw new SyncError(
      `mlgen generated no ${CI_FILE} for this manifest (the GitLab target rendered nothing), so there is nothing to lint and no pipeline for schedules to start`,
    );
  }
  return {
    ciFile,
    schedules: plan.schedules.map((schedule) => ({
      description: descriptionFor(schedule.id),
      cron: schedule.cron,
      ref: plan.releaseBranch,
      variables: scheduleVariables(schedule),
    })),
    triggers: plan.events.map((event) => ({ event: event.id, mode: event.mode, description: descriptionFor(event.id) })),
    ...(plan.deployLock ? { deployLock: plan.deployLock } : {}),
  };
}
