/**
 * `mlgen sync gitlab`: what GitLab keeps in the project rather than in .gitlab-ci.yml.
 * Lints the generated CI file, keeps one pipeline schedule per plan schedule, one pipeline
 * trigger token per external event, and the deploy lock's process mode. mlgen owns only
 * schedules and triggers whose description starts with "mlgen:"; it never reads the details
 * of, changes or deletes anything else.
 *
 * The desired state (desired.ts) comes from the plan alone; client.ts reads what the project
 * holds; diff.ts compares the two into changes as data; this file applies them in order.
 */
import type { GeneratedFile } from '../../files/index.js';
import { shellWord } from '../../escape/shell.js';
import type { Plan } from '../../plan/index.js';
import { triggerVariables } from '../../targets/gitlab/index.js';
import { applyChanges, plural, type Change, type ChangeRecord } from '../changes.js';
import { SyncError } from '../errors.js';
import type { HttpGuard } from '../http.js';
import { GitLabClient } from './client.js';
import { CI_FILE, desiredGitLab, descriptionFor, ownedBy } from './desired.js';
import { diffGitLab, type GitLabAction, type GitLabState, type PlannedChange, type TriggerState } from './diff.js';
import {
  checkPipelineVariables,
  DEPLOY_PROCESS_MODE,
  describePipelineVariables,
  usesPipelineVariables,
  type PipelineVariablesCheck,
  type ResourceGroupState,
} from './settings.js';

/** Where the printed trigger command reads the token from when the token is not shown. */
export const TRIGGER_TOKEN_VARIABLE = 'MLGEN_TRIGGER_TOKEN';

export interface GitLabSyncOptions {
  /** The GitLab instance, e.g. https://gitlab.com. */
  url: string;
  /** Numeric id or full path (group/project). */
  project: string;
  token: string;
  dryRun: boolean;
  showToken: boolean;
  timeoutSeconds: number;
  plan: Plan;
  files: readonly GeneratedFile[];
  log: (line: string) => void;
  /** Limits of http.ts to use instead of its defaults (tests make them small). */
  http?: Partial<Omit<HttpGuard, 'service' | 'origin'>> | undefined;
}

export interface GitLabSyncResult {
  project: { id: number; path: string };
  lint: { valid: boolean; errors: string[]; warnings: string[] };
  changes: ChangeRecord[];
  upToDate: string[];
  /** Descriptions of schedules and triggers mlgen does not own and left alone. */
  leftAlone: { schedules: string[]; triggers: string[] };
  triggers: { event: string; triggerId?: number; command: string }[];
  /** The deploy chain's resource group and its process mode, when the plan deploys. */
  resourceGroup?: ResourceGroupState;
  /** Whether schedules, triggers and manual runs may pass their MLGEN_* variables, when they are used. */
  pipelineVariables?: PipelineVariablesCheck;
  dryRun: boolean;
}

export async function syncGitLab(options: GitLabSyncOptions): Promise<GitLabSyncResult> {
  const { plan, log, dryRun } = options;
  const desired = desiredGitLab(plan, options.files);
  const host = options.url.replace(/\/+$/, '');
  const client = new GitLabClient({ host, token: options.token, timeoutSeconds: options.timeoutSeconds, http: options.http });

  const project = await client.project(options.project);
  const projectId = project.id;
  const projectPath = String(project.path_with_namespace ?? options.project);
  log(`GitLab project ${projectPath} (id ${projectId}) at ${host}${dryRun ? ' (dry run: nothing will be changed)' : ''}`);

  // The lint sees exactly what `mlgen generate` writes, header included.
  const lint = await client.lint(projectId, CI_FILE, desired.ciFile.content);
  log(`${lint.valid ? 'ok' : 'FAILED'}: GitLab CI Lint ${lint.valid ? 'accepts' : 'rejects'} ${CI_FILE}`);
  for (const error of lint.errors) log(`  error: ${error}`);
  for (const warning of lint.warnings) log(`  warning: ${warning}`);
  if (!lint.valid) {
    const first = lint.errors[0] ?? 'no reason given';
    const more = lint.errors.length > 1 ? ` (and ${plural(lint.errors.length - 1, 'more error')})` : '';
    throw new SyncError(`GitLab CI Lint rejects the generated ${CI_FILE}: ${first}${more}`);
  }

  // Schedules and triggers select their pipeline with MLGEN_* variables: can they pass them?
  const pipelineVariables = usesPipelineVariables(plan) ? checkPipelineVariables(project, { host, projectId }) : undefined;
  if (pipelineVariables) for (const line of describePipelineVariables(pipelineVariables)) log(line);

  const allSchedules = await client.listSchedules(projectId);
  const allTriggers = await client.listTriggers(projectId);
  const state = await ownState(client, projectId, desired, allSchedules, allTriggers);
  const diff = diffGitLab(desired, state);
  for (const note of diff.notes) log(note);

  const triggerFor = new Map<string, TriggerState>(diff.existingTriggers);
  const act = (todo: GitLabAction, subject: string): Promise<void> => {
    switch (todo.kind) {
      case 'create-schedule':
        return client.createSchedule(projectId, todo.want, subject);
      case 'update-schedule':
        return client.updateSchedule(projectId, todo.id, todo.edit, todo.variables, subject);
      case 'delete-schedule':
        return client.deleteSchedule(projectId, todo.id, subject);
      case 'create-trigger':
        return client.createTrigger(projectId, todo.trigger.description, subject).then((made) => void triggerFor.set(todo.trigger.event, made));
      case 'delete-trigger':
        return client.deleteTrigger(projectId, todo.id, subject);
      case 'set-resource-group':
        return client.setResourceGroupMode(projectId, todo.key);
    }
  };
  const changes = await applyChanges(diff.changes.map((c: PlannedChange): Change => ({ ...c, apply: () => act(c.todo, c.subject) })), dryRun, log);

  const leftAlone = {
    schedules: allSchedules.filter((s) => !ownedBy(s.description)).map((s) => s.description),
    triggers: allTriggers.filter((t) => !ownedBy(t.description)).map((t) => t.description),
  };
  const foreign = [...leftAlone.schedules.map((d) => `schedule "${d}"`), ...leftAlone.triggers.map((d) => `trigger "${d}"`)];
  if (foreign.length > 0) log(`Left alone (not made by mlgen): ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''}`);

  const triggers = triggerCommands(plan, { host, projectId, showToken: options.showToken, triggerFor, log });
  const resourceGroup = diff.resourceGroup;
  return {
    project: { id: projectId, path: projectPath },
    lint,
    changes,
    upToDate: diff.upToDate,
    leftAlone,
    triggers,
    ...(resourceGroup ? { resourceGroup: dryRun || resourceGroup.state !== 'changed' ? resourceGroup : { ...resourceGroup, processMode: DEPLOY_PROCESS_MODE } } : {}),
    ...(pipelineVariables ? { pipelineVariables } : {}),
    dryRun,
  };
}

/** What the project holds of mlgen's own: the details of each schedule the plan still wants, and the deploy lock. */
async function ownState(
  client: GitLabClient,
  projectId: number,
  desired: ReturnType<typeof desiredGitLab>,
  allSchedules: { id: number; description: string }[],
  allTriggers: TriggerState[],
): Promise<GitLabState> {
  const schedules: GitLabState['schedules'] = allSchedules.filter((s) => ownedBy(s.description)).sort((a, b) => a.id - b.id);
  for (const want of desired.schedules) {
    const have = schedules.find((s) => s.description === want.description);
    if (have) have.details = await client.schedule(projectId, have.id, `schedule "${want.description}"`);
  }
  const triggers = allTriggers.filter((t) => ownedBy(t.description)).sort((a, b) => a.id - b.id);
  const resourceGroup = desired.deployLock ? await client.resourceGroup(projectId, desired.deployLock) : undefined;
  return { schedules, triggers, resourceGroup };
}

/** For each external event, the command that starts its retrain, printed with where its token is. */
function triggerCommands(
  plan: Plan,
  at: { host: string; projectId: number; showToken: boolean; triggerFor: ReadonlyMap<string, TriggerState>; log: (line: string) => void },
): GitLabSyncResult['triggers'] {
  return plan.events.map((event) => {
    const trigger = at.triggerFor.get(event.id);
    const command = triggerCommand({
      apiUrl: `${at.host}/api/v4/projects/${at.projectId}/trigger/pipeline`,
      ref: plan.releaseBranch,
      variables: triggerVariables(event),
      token: at.showToken ? trigger?.token : undefined,
    });
    const where = 'Settings > CI/CD > Pipeline trigger tokens';
    const note = !trigger
      ? `(the trigger "${descriptionFor(event.id)}" does not exist yet: this was a dry run)`
      : !command.includes(`$${TRIGGER_TOKEN_VARIABLE}`)
        ? undefined
        : at.showToken
          ? `(GitLab shows only the first characters of a token another user made: copy trigger #${trigger.id} from ${where})`
          : `${TRIGGER_TOKEN_VARIABLE} is the token of trigger #${trigger.id} (${where}); --show-token prints it`;
    at.log('');
    at.log(`To start a retrain (mode ${event.mode}) on event ${event.id}:`);
    at.log(`  ${command}`);
    if (note) at.log(`  ${note}`);
    return { event: event.id, ...(trigger ? { triggerId: trigger.id } : {}), command };
  });
}

/** The request that fires a pipeline trigger, as GitLab's trigger docs write it. */
export function triggerCommand(input: { apiUrl: string; ref: string; variables: Record<string, string>; token?: string | undefined }): string {
  // GitLab returns only 4 characters of a token someone else made: not worth printing.
  const token = input.token && input.token.length > 4 ? shellWord(`token=${input.token}`) : `"token=$${TRIGGER_TOKEN_VARIABLE}"`;
  const parts = ['curl --request POST', `--form ${token}`, `--form ${shellWord(`ref=${input.ref}`)}`];
  for (const [key, value] of Object.entries(input.variables)) parts.push(`--form ${shellWord(`variables[${key}]=${value}`)}`);
  parts.push(shellWord(input.apiUrl));
  return parts.join(' ');
}
