/**
 * GitLab's REST API, as much of it as sync uses, through @gitbeaker/rest. Every request goes
 * through http.ts (the token stays with its origin, answers are capped) and every failure
 * becomes one SyncError line naming what was being done (errors.ts).
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
import { networkCode, requestCaller, shortDetail, type HttpFailure } from '../errors.js';
import { gitbeakerRequester, type HttpGuard } from '../http.js';
import { TIMEZONE, type DesiredSchedule } from './desired.js';
import type { ScheduleEdit, ScheduleState, TriggerState } from './diff.js';
import { DEPLOY_PROCESS_MODE, type ProjectSettings } from './settings.js';

export interface GitLabConnection {
  /** The instance's base URL, without a trailing slash. */
  host: string;
  token: string;
  timeoutSeconds: number;
  /** Limits of http.ts to use instead of its defaults (tests make them small). */
  http?: Partial<Omit<HttpGuard, 'service' | 'origin'>> | undefined;
}

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

type Project = ProjectSettings & { id: number; path_with_namespace?: unknown };

export class GitLabClient {
  private readonly call;
  private readonly projects;
  private readonly lints;
  private readonly schedules;
  private readonly variables;
  private readonly triggerTokens;
  private readonly resourceGroups;

  constructor(connection: GitLabConnection) {
    this.call = requestCaller(
      {
        service: 'GitLab',
        url: connection.host,
        timeoutSeconds: connection.timeoutSeconds,
        unauthorized: 'check GITLAB_TOKEN: it must be a valid access token with the api scope',
        forbidden: 'the token needs the api scope and at least the Maintainer role on the project (a schedule owned by someone else must be taken over first)',
        notFound: 'it was removed meanwhile, or the token lost access to it: run the sync again',
      },
      toFailure,
    );
    const requesterFn = gitbeakerRequester({ service: 'GitLab', origin: new URL(connection.host).origin, ...connection.http });
    const config = { host: connection.host, token: connection.token, queryTimeout: Math.round(connection.timeoutSeconds * 1000), requesterFn };
    this.projects = new Projects(config);
    this.lints = new Lint(config);
    this.schedules = new PipelineSchedules(config);
    this.variables = new PipelineScheduleVariables(config);
    this.triggerTokens = new PipelineTriggerTokens(config);
    this.resourceGroups = new ResourceGroups(config);
  }

  async project(idOrPath: string): Promise<Project> {
    const project = await this.call(
      `reading project ${idOrPath}`,
      () => this.projects.show(idOrPath),
      `check --project (the numeric id or the full path, e.g. group/project) and that the token's user can see it`,
    );
    return project as unknown as Project;
  }

  async lint(projectId: number, path: string, content: string): Promise<{ valid: boolean; errors: string[]; warnings: string[] }> {
    const linted = await this.call(`linting ${path}`, () => this.lints.lint(projectId, content));
    return { valid: Boolean(linted.valid), errors: [...(linted.errors ?? [])], warnings: [...(linted.warnings ?? [])] };
  }

  async listSchedules(projectId: number): Promise<{ id: number; description: string }[]> {
    const all = await this.call('listing pipeline schedules', () => this.schedules.all(projectId, { perPage: 100 }));
    return (all as unknown as { id: number; description: string }[]).map((s) => ({ id: s.id, description: s.description }));
  }

  async schedule(projectId: number, id: number, subject: string): Promise<ScheduleState> {
    const s = await this.call(`reading ${subject}`, () => this.schedules.show(projectId, id));
    return {
      id,
      description: String(s.description),
      cron: String(s.cron),
      cronTimezone: String(s.cron_timezone),
      ref: String(s.ref),
      active: s.active === true,
      variables: (s.variables ?? []).map((v) => ({ key: v.key, value: v.value, variableType: v.variable_type ?? 'env_var' })),
    };
  }

  async listTriggers(projectId: number): Promise<TriggerState[]> {
    const all = await this.call('listing pipeline trigger tokens', () => this.triggerTokens.all(projectId, { perPage: 100 }));
    return (all as unknown as TriggerState[]).map((t) => ({ id: t.id, description: t.description, token: t.token }));
  }

  /** The resource group, or undefined while GitLab has not created it (404). */
  async resourceGroup(projectId: number, key: string): Promise<{ process_mode?: unknown } | undefined> {
    const found = await this.call(`reading resource group ${key}`, () =>
      this.resourceGroups.show(projectId, key).catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error))),
    );
    return found ?? undefined;
  }

  async createSchedule(projectId: number, want: DesiredSchedule, subject: string): Promise<void> {
    const made = await this.call(`creating ${subject}`, () =>
      this.schedules.create(projectId, want.description, want.ref, want.cron, { cronTimezone: TIMEZONE, active: true }),
    );
    for (const [key, value] of Object.entries(want.variables)) {
      await this.call(`adding variable ${key} to ${subject}`, () => this.variables.create(projectId, made.id, key, value, { variableType: 'env_var' }));
    }
  }

  async updateSchedule(projectId: number, id: number, edit: ScheduleEdit, variables: readonly { key: string; value: string; exists: boolean }[], subject: string): Promise<void> {
    if (Object.keys(edit).length > 0) await this.call(`updating ${subject}`, () => this.schedules.edit(projectId, id, edit));
    for (const v of variables) {
      await this.call(`setting variable ${v.key} of ${subject}`, () =>
        v.exists
          ? this.variables.edit(projectId, id, v.key, v.value, { variableType: 'env_var' })
          : this.variables.create(projectId, id, v.key, v.value, { variableType: 'env_var' }),
      );
    }
  }

  async deleteSchedule(projectId: number, id: number, subject: string): Promise<void> {
    await this.call(`deleting ${subject}`, () => this.schedules.remove(projectId, id));
  }

  async createTrigger(projectId: number, description: string, subject: string): Promise<TriggerState> {
    const made = await this.call(`creating ${subject}`, () => this.triggerTokens.create(projectId, description));
    return { id: made.id, description, token: made.token };
  }

  async deleteTrigger(projectId: number, id: number, subject: string): Promise<void> {
    await this.call(`deleting ${subject}`, () => this.triggerTokens.remove(projectId, id));
  }

  async setResourceGroupMode(projectId: number, key: string): Promise<void> {
    await this.call(`setting resource group ${key} to ${DEPLOY_PROCESS_MODE}`, () => this.resourceGroups.edit(projectId, key, { processMode: DEPLOY_PROCESS_MODE }));
  }
}
