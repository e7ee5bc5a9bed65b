/**
 * `mlgen sync gitlab`: what GitLab keeps in the project rather than in .gitlab-ci.yml.
 * Lints the generated CI file, keeps one pipeline schedule per plan schedule and one pipeline
 * trigger token per external event. mlgen owns only schedules and triggers whose description
 * starts with "mlgen:"; it never reads the details of, changes or deletes anything else.
 */
import {
  GitbeakerRequestError,
  GitbeakerRetryError,
  GitbeakerTimeoutError,
  Lint,
  PipelineScheduleVariables,
  PipelineSchedules,
  PipelineTriggerTokens,
  Projects,
  ResourceGroups,
} from '@gitbeaker/rest';
import type { GeneratedFile } from '../files/index.js';
import type { Plan } from '../plan/index.js';
import { applyChanges, plural, type Change, type ChangeRecord } from './changes.js';
import { networkCode, requestCaller, shortDetail, SyncError, type HttpFailure, type ServiceHints } from './errors.js';
import {
  checkPipelineVariables,
  DEPLOY_PROCESS_MODE,
  describePipelineVariables,
  resourceGroupChange,
  usesPipelineVariables,
  type PipelineVariablesCheck,
  type ProjectSettings,
  type ResourceGroupState,
} from './gitlab-settings.js';
import { gitbeakerRequester, type HttpGuard } from './http.js';
import { shellQuote } from './shell.js';
import { GITLAB_CI_PATH, scheduleVariables, triggerVariables } from '../targets/gitlab/index.js';

const OWNER_PREFIX = 'mlgen:';
const CI_FILE = GITLAB_CI_PATH;
const TIMEZONE = 'UTC';
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
  http?: Partial<Omit<HttpGuard, 'service' | 'origin'>>;
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

interface DesiredSchedule {
  description: string;
  cron: string;
  ref: string;
  variables: Record<string, string>;
}

interface ScheduleSummary {
  id: number;
  description: string;
}

interface TriggerSummary {
  id: number;
  description: string;
  token: string;
}

const ownedBy = (description: string | null | undefined): boolean => (description ?? '').startsWith(OWNER_PREFIX);
const descriptionFor = (id: string): string => `${OWNER_PREFIX} ${id}`;

/** GitLab may store a schedule's ref as `refs/heads/<branch>`; both name the same branch. */
const shortRef = (ref: string): string => ref.replace(/^refs\/heads\//, '');

function toFailure(error: unknown): HttpFailure | undefined {
  if (error instanceof GitbeakerTimeoutError) return { kind: 'timeout' };
  if (error instanceof GitbeakerRequestError) {
    const status = error.cause?.response?.status;
    if (typeof status === 'number') return { kind: 'status', status, detail: shortDetail(error.cause?.description) };
  }
  if (error instanceof GitbeakerRetryError) {
    const status = /last status code: (\d+)/.exec(error.message)?.[1];
    if (status) return { kind: 'status', status: Number(status) };
  }
  const name = (error as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'timeout' };
  const code = networkCode(error);
  return code ? { kind: 'network', code } : undefined;
}

function isNotFound(error: unknown): boolean {
  const failure = toFailure(error);
  return failure?.kind === 'status' && failure.status === 404;
}

export async function syncGitLab(options: GitLabSyncOptions): Promise<GitLabSyncResult> {
  const { plan, log, dryRun } = options;
  const ciFile = options.files.find((f) => f.path === CI_FILE);
  if (!ciFile) {
    throw new SyncError(
      `mlgen generated no ${CI_FILE} for this manifest (the GitLab target rendered nothing), so there is nothing to lint and no pipeline for schedules to start`,
    );
  }
  const host = options.url.replace(/\/+$/, '');
  const hints: ServiceHints = {
    service: 'GitLab',
    url: host,
    timeoutSeconds: options.timeoutSeconds,
    unauthorized: 'check GITLAB_TOKEN: it must be a valid access token with the api scope',
    forbidden: 'the token needs the api scope and at least the Maintainer role on the project (a schedule owned by someone else must be taken over first)',
    notFound: 'it was removed meanwhile, or the token lost access to it: run the sync again',
  };
  const call = requestCaller(hints, toFailure);
  // Every request goes through http.ts: the token stays with this origin, answers are capped.
  const requesterFn = gitbeakerRequester({ service: 'GitLab', origin: new URL(host).origin, ...options.http });
  const config = { host, token: options.token, queryTimeout: Math.round(options.timeoutSeconds * 1000), requesterFn };
  const projects = new Projects(config);
  const lint = new Lint(config);
  const schedules = new PipelineSchedules(config);
  const variables = new PipelineScheduleVariables(config);
  const triggerTokens = new PipelineTriggerTokens(config);
  const resourceGroups = new ResourceGroups(config);

  const project = await call(
    `reading project ${options.project}`,
    () => projects.show(options.project),
    `check --project (the numeric id or the full path, e.g. group/project) and that the token's user can see it`,
  );
  const projectId = project.id;
  const projectPath = String(project.path_with_namespace ?? options.project);
  log(`GitLab project ${projectPath} (id ${projectId}) at ${host}${dryRun ? ' (dry run: nothing will be changed)' : ''}`);

  // The lint sees exactly what `mlgen generate` writes, header included.
  const linted = await call(`linting ${CI_FILE}`, () => lint.lint(projectId, ciFile.content));
  const lintResult = { valid: Boolean(linted.valid), errors: [...(linted.errors ?? [])], warnings: [...(linted.warnings ?? [])] };
  log(`${lintResult.valid ? 'ok' : 'FAILED'}: GitLab CI Lint ${lintResult.valid ? 'accepts' : 'rejects'} ${CI_FILE}`);
  for (const error of lintResult.errors) log(`  error: ${error}`);
  for (const warning of lintResult.warnings) log(`  warning: ${warning}`);
  if (!lintResult.valid) {
    const first = lintResult.errors[0] ?? 'no reason given';
    const more = lintResult.errors.length > 1 ? ` (and ${plural(lintResult.errors.length - 1, 'more error')})` : '';
    throw new SyncError(`GitLab CI Lint rejects the generated ${CI_FILE}: ${first}${more}`);
  }

  // Schedules and triggers select their pipeline with MLGEN_* variables: can they pass them?
  const pipelineVariables = usesPipelineVariables(plan)
    ? checkPipelineVariables(project as unknown as ProjectSettings, { host, projectId })
    : undefined;
  if (pipelineVariables) for (const line of describePipelineVariables(pipelineVariables)) log(line);

  const existingSchedules = (await call('listing pipeline schedules', () =>
    schedules.all(projectId, { perPage: 100 }),
  )) as unknown as ScheduleSummary[];
  const existingTriggers = (await call('listing pipeline trigger tokens', () =>
    triggerTokens.all(projectId, { perPage: 100 }),
  )) as unknown as TriggerSummary[];

  const upToDate: string[] = [];
  const creates: Change[] = [];
  const deletes: Change[] = [];

  // Schedules: one per plan schedule, matched by description; extra "mlgen:" ones are deleted.
  const ownSchedules = existingSchedules.filter((s) => ownedBy(s.description)).sort((a, b) => a.id - b.id);
  const keptSchedules = new Set<number>();
  for (const schedule of plan.schedules) {
    const want: DesiredSchedule = {
      description: descriptionFor(schedule.id),
      cron: schedule.cron,
      ref: plan.releaseBranch,
      variables: scheduleVariables(schedule),
    };
    const subject = `schedule "${want.description}"`;
    const have = ownSchedules.find((s) => s.description === want.description);
    if (!have) {
      creates.push({
        action: 'create',
        subject,
        details: [`cron "${want.cron}" ${TIMEZONE}`, `ref ${want.ref}`, ...Object.entries(want.variables).map(([k, v]) => `${k}=${v}`)],
        apply: async () => {
          const made = await call(`creating ${subject}`, () =>
            schedules.create(projectId, want.description, want.ref, want.cron, { cronTimezone: TIMEZONE, active: true }),
          );
          for (const [key, value] of Object.entries(want.variables)) {
            await call(`adding variable ${key} to ${subject}`, () => variables.create(projectId, made.id, key, value, { variableType: 'env_var' }));
          }
        },
      });
      continue;
    }
    keptSchedules.add(have.id);
    const current = await call(`reading ${subject}`, () => schedules.show(projectId, have.id));
    const details: string[] = [];
    const edit: { cron?: string; cronTimezone?: string; ref?: string; active?: boolean } = {};
    if (current.cron !== want.cron) {
      edit.cron = want.cron;
      details.push(`cron "${current.cron}" -> "${want.cron}"`);
    }
    if (current.cron_timezone !== TIMEZONE) {
      edit.cronTimezone = TIMEZONE;
      details.push(`timezone ${current.cron_timezone} -> ${TIMEZONE}`);
    }
    if (shortRef(current.ref) !== want.ref) {
      edit.ref = want.ref;
      details.push(`ref ${current.ref} -> ${want.ref}`);
    }
    if (current.active !== true) {
      edit.active = true;
      details.push('inactive -> active');
    }
    // mlgen sets its two variables; variables someone added by hand stay.
    const currentVariables = new Map((current.variables ?? []).map((v) => [v.key, v]));
    const variableEdits: { key: string; value: string; exists: boolean }[] = [];
    for (const [key, value] of Object.entries(want.variables)) {
      const existing = currentVariables.get(key);
      if (existing && existing.value === value && (existing.variable_type ?? 'env_var') === 'env_var') continue;
      variableEdits.push({ key, value, exists: Boolean(existing) });
      details.push(existing ? `${key} "${existing.value}" -> "${value}"` : `add ${key}=${value}`);
    }
    if (details.length === 0) {
      upToDate.push(subject);
      log(`= ${subject} is up to date`);
      continue;
    }
    creates.push({
      action: 'update',
      subject,
      details,
      apply: async () => {
        if (Object.keys(edit).length > 0) await call(`updating ${subject}`, () => schedules.edit(projectId, have.id, edit));
        for (const v of variableEdits) {
          await call(`setting variable ${v.key} of ${subject}`, () =>
            v.exists
              ? variables.edit(projectId, have.id, v.key, v.value, { variableType: 'env_var' })
              : variables.create(projectId, have.id, v.key, v.value, { variableType: 'env_var' }),
          );
        }
      },
    });
  }
  deletes.push(...staleDeletes('schedule', ownSchedules, keptSchedules, (id, subject) => call(`deleting ${subject}`, () => schedules.remove(projectId, id))));

  // Trigger tokens: one per external event; their description is all there is to keep.
  const ownTriggers = existingTriggers.filter((t) => ownedBy(t.description)).sort((a, b) => a.id - b.id);
  const triggerFor = new Map<string, TriggerSummary>();
  for (const event of plan.events) {
    const description = descriptionFor(event.id);
    const subject = `trigger "${description}"`;
    const have = ownTriggers.find((t) => t.description === description);
    if (have) {
      triggerFor.set(event.id, have);
      upToDate.push(subject);
      log(`= ${subject} exists (#${have.id})`);
      continue;
    }
    creates.push({
      action: 'create',
      subject,
      details: [`starts retrain in mode ${event.mode}`],
      apply: async () => {
        const made = await call(`creating ${subject}`, () => triggerTokens.create(projectId, description));
        triggerFor.set(event.id, { id: made.id, description, token: made.token });
      },
    });
  }
  const keptTriggers = new Set([...triggerFor.values()].map((t) => t.id));
  deletes.push(...staleDeletes('trigger', ownTriggers, keptTriggers, (id, subject) => call(`deleting ${subject}`, () => triggerTokens.remove(projectId, id))));

  // The deploy chain's one lock: GitLab makes resource groups unordered; the chain needs oldest_first.
  let resourceGroup: ResourceGroupState | undefined;
  if (plan.deployLock) {
    const key = plan.deployLock;
    const current = await call(`reading resource group ${key}`, () =>
      resourceGroups.show(projectId, key).catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error))),
    );
    const decided = resourceGroupChange(key, current ?? undefined, async () => {
      await call(`setting resource group ${key} to ${DEPLOY_PROCESS_MODE}`, () => resourceGroups.edit(projectId, key, { processMode: DEPLOY_PROCESS_MODE }));
    });
    resourceGroup = decided.state;
    if (decided.change) creates.push(decided.change);
    else if (decided.state.state === 'up to date') {
      upToDate.push(`resource group "${key}"`);
      log(`= resource group "${key}" is up to date (${DEPLOY_PROCESS_MODE})`);
    } else log(`? ${decided.state.note}`);
  }

  const leftAlone = {
    schedules: existingSchedules.filter((s) => !ownedBy(s.description)).map((s) => s.description),
    triggers: existingTriggers.filter((t) => !ownedBy(t.description)).map((t) => t.description),
  };
  // Deletions go last: if anything fails, what runs today keeps running.
  const changes = await applyChanges([...creates, ...deletes], dryRun, log);
  const foreign = [...leftAlone.schedules.map((d) => `schedule "${d}"`), ...leftAlone.triggers.map((d) => `trigger "${d}"`)];
  if (foreign.length > 0) log(`Left alone (not made by mlgen): ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''}`);

  const triggers = plan.events.map((event) => {
    const trigger = triggerFor.get(event.id);
    const command = triggerCommand({
      apiUrl: `${host}/api/v4/projects/${projectId}/trigger/pipeline`,
      ref: plan.releaseBranch,
      variables: triggerVariables(event),
      token: options.showToken ? trigger?.token : undefined,
    });
    const where = 'Settings > CI/CD > Pipeline trigger tokens';
    const note = !trigger
      ? `(the trigger "${descriptionFor(event.id)}" does not exist yet: this was a dry run)`
      : !command.includes(`$${TRIGGER_TOKEN_VARIABLE}`)
        ? undefined
        : options.showToken
          ? `(GitLab shows only the first characters of a token another user made: copy trigger #${trigger.id} from ${where})`
          : `${TRIGGER_TOKEN_VARIABLE} is the token of trigger #${trigger.id} (${where}); --show-token prints it`;
    log('');
    log(`To start a retrain (mode ${event.mode}) on event ${event.id}:`);
    log(`  ${command}`);
    if (note) log(`  ${note}`);
    return { event: event.id, ...(trigger ? { triggerId: trigger.id } : {}), command };
  });
  return {
    project: { id: projectId, path: projectPath },
    lint: lintResult,
    changes,
    upToDate,
    leftAlone,
    triggers,
    ...(resourceGroup ? { resourceGroup: dryRun || resourceGroup.state !== 'changed' ? resourceGroup : { ...resourceGroup, processMode: DEPLOY_PROCESS_MODE } } : {}),
    ...(pipelineVariables ? { pipelineVariables } : {}),
    dryRun,
  };
}

/** The request that fires a pipeline trigger, as GitLab's trigger docs write it. */
/** Deletes mlgen's own items that the plan no longer keeps, or that repeat one it keeps. */
function staleDeletes(
  kind: 'schedule' | 'trigger',
  own: readonly { id: number; description: string }[],
  kept: ReadonlySet<number>,
  remove: (id: number, subject: string) => Promise<unknown>,
): Change[] {
  return own
    .filter((item) => !kept.has(item.id))
    .map((stale) => {
      const subject = `${kind} "${stale.description}" (#${stale.id})`;
      const duplicate = own.some((item) => kept.has(item.id) && item.description === stale.description);
      return { action: 'delete', subject, details: [duplicate ? 'a duplicate' : 'no longer in the manifest'], apply: () => remove(stale.id, subject).then(() => undefined) };
    });
}

export function triggerCommand(input: { apiUrl: string; ref: string; variables: Record<string, string>; token?: string | undefined }): string {
  // GitLab returns only 4 characters of a token someone else made: not worth printing.
  const token = input.token && input.token.length > 4 ? shellQuote(`token=${input.token}`) : `"token=$${TRIGGER_TOKEN_VARIABLE}"`;
  const parts = ['curl --request POST', `--form ${token}`, `--form ${shellQuote(`ref=${input.ref}`)}`];
  for (const [key, value] of Object.entries(input.variables)) parts.push(`--form ${shellQuote(`variables[${key}]=${value}`)}`);
  parts.push(shellQuote(input.apiUrl));
  return parts.join(' ');
}
