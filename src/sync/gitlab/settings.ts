/**
 * Two project settings the generated .gitlab-ci.yml depends on but cannot set itself:
 *
 * - The deploy chain's resource group must process jobs `oldest_first` (GitLab creates every
 *   resource group `unordered`, so a newer pipeline's deploy may run before an older one's;
 *   docs.gitlab.com/api/resource_groups: PUT /projects/:id/resource_groups/:key process_mode).
 *   GitLab creates the group with the first pipeline that has a job holding it: until then
 *   there is nothing to edit, and sync says so.
 * - Schedules, trigger tokens and manual runs select mlgen's pipelines with MLGEN_* pipeline
 *   variables. With `restrict_user_defined_variables` on, only users of at least
 *   `ci_pipeline_variables_minimum_override_role` may pass them; GitLab.com sets new projects
 *   (and projects not using pipeline variables) to `no_one_allowed`, which refuses every
 *   scheduled and triggered run mlgen sets up. Sync reads the setting (GET /projects/:id) and
 *   reports it with the fix; it does not change a project's security setting itself.
 */
import type { Plan } from '../../plan/index.js';

export const DEPLOY_PROCESS_MODE = 'oldest_first';

/** GitLab's access levels (docs.gitlab.com/api/members#roles). */
const ROLE_LEVEL: Record<string, number> = { developer: 30, maintainer: 40, owner: 50 };

export interface ResourceGroupState {
  key: string;
  /** `unordered`, `oldest_first`, … ; undefined: GitLab has not created the group yet. */
  processMode?: string;
  /** What sync did or would do about it. */
  state: 'up to date' | 'changed' | 'not created yet';
  /** When the group does not exist yet: what to do. */
  note?: string;
}

export interface PipelineVariablesCheck {
  /** `allowed`: the sync user (owner of the schedules and triggers) may pass MLGEN_* variables. */
  status: 'allowed' | 'blocked' | 'unknown';
  restrictUserDefinedVariables?: boolean;
  minimumOverrideRole?: string;
  /** The token user's access level in the project, when GitLab said. */
  accessLevel?: number;
  /** What is wrong, in one sentence (blocked or unknown). */
  problem?: string;
  /** How to fix it: the setting, where in the UI, and the API call. */
  fix?: string;
}

/** The fields of GET /projects/:id this reads (present for Maintainers and above). */
export interface ProjectSettings {
  restrict_user_defined_variables?: unknown;
  ci_pipeline_variables_minimum_override_role?: unknown;
  permissions?: { project_access?: { access_level?: number } | null; group_access?: { access_level?: number } | null } | null;
}

/** Whether the plan starts any pipeline with pipeline variables (schedules, triggers, manual runs of predict or retrain). */
export function usesPipelineVariables(plan: Plan): boolean {
  return plan.schedules.length > 0 || plan.events.length > 0 || plan.pipelines.some((p) => p !== 'ci');
}

export function checkPipelineVariables(project: ProjectSettings, api: { host: string; projectId: number }): PipelineVariablesCheck {
  const restrict = project.restrict_user_defined_variables;
  const role = project.ci_pipeline_variables_minimum_override_role;
  const levels = [project.permissions?.project_access?.access_level, project.permissions?.group_access?.access_level].filter((l): l is number => typeof l === 'number');
  const accessLevel = levels.length > 0 ? Math.max(...levels) : undefined;
  const setTo = 'developer';
  const fix =
    `set "Minimum role to use pipeline variables" to Developer (Settings > CI/CD > Variables), or: ` +
    `curl --request PUT --header "PRIVATE-TOKEN: $GITLAB_TOKEN" --data ci_pipeline_variables_minimum_override_role=${setTo} ` +
    `'${api.host}/api/v4/projects/${api.projectId}'`;
  const base = {
    ...(typeof restrict === 'boolean' ? { restrictUserDefinedVariables: restrict } : {}),
    ...(typeof role === 'string' ? { minimumOverrideRole: role } : {}),
    ...(accessLevel !== undefined ? { accessLevel } : {}),
  };
  if (typeof restrict !== 'boolean') {
    return {
      status: 'unknown',
      ...base,
      problem: 'GitLab did not show the project\'s pipeline-variable setting (restrict_user_defined_variables; shown to Maintainers): schedules and triggers pass MLGEN_* variables, which the setting may refuse',
      fix: `check it with a Maintainer's token; if it is "no one allowed", ${fix}`,
    };
  }
  if (!restrict) return { status: 'allowed', ...base };
  if (role === 'no_one_allowed') {
    return {
      status: 'blocked',
      ...base,
      problem: 'the project allows no one to pass pipeline variables (ci_pipeline_variables_minimum_override_role: no_one_allowed, GitLab.com\'s default for new projects): every schedule, trigger and manual run mlgen sets up is refused, because each selects its pipeline with MLGEN_* variables',
      fix,
    };
  }
  const needed = typeof role === 'string' ? ROLE_LEVEL[role] : ROLE_LEVEL.maintainer;
  if (needed === undefined) {
    return { status: 'unknown', ...base, problem: `unknown pipeline-variable role "${String(role)}"`, fix };
  }
  if (accessLevel !== undefined && accessLevel < needed) {
    return {
      status: 'blocked',
      ...base,
      problem: `only ${String(role ?? 'maintainer')}s and above may pass pipeline variables, and the schedules and triggers run as this token's user (access level ${accessLevel}): their MLGEN_* variables are refused`,
      fix,
    };
  }
  return { status: 'allowed', ...base };
}

/** The one line sync prints about the pipeline-variable setting. */
export function describePipelineVariables(check: PipelineVariablesCheck): string[] {
  if (check.status === 'allowed') {
    const how = check.restrictUserDefinedVariables ? `users of role ${check.minimumOverrideRole ?? 'maintainer'} and above, this token's user included` : 'any Developer';
    return [`ok: pipeline variables (MLGEN_*) may be passed by ${how}`];
  }
  return [`${check.status === 'blocked' ? 'PROBLEM' : 'warning'}: ${check.problem}`, `  fix: ${check.fix}`];
}
