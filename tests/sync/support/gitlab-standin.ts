/**
 * A loopback stand-in for the parts of GitLab's REST API v4 that `mlgen sync gitlab` uses,
 * written from the API docs (docs.gitlab.com/api/{projects,lint,pipeline_schedules,
 * pipeline_triggers,resource_groups}): PRIVATE-TOKEN auth (401 without it), project by id or URL-encoded
 * path (404 otherwise), CI lint, pipeline schedules with their variables, trigger tokens,
 * resource groups (created by a pipeline, never by the API; PUT edits process_mode), the
 * project's pipeline-variable settings, offset pagination with Link headers. It keeps state, so a second sync sees the first one's
 * work, and records every request.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { afterEach } from 'vitest';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface StandInSchedule {
  id: number;
  description: string;
  ref: string;
  cron: string;
  cron_timezone: string;
  active: boolean;
  owner: { id: number; username: string };
  variables: { key: string; value: string; variable_type: string }[];
}

export interface StandInTrigger {
  id: number;
  description: string;
  token: string;
  owner: { id: number; username: string };
}

export interface LintAnswer {
  valid: boolean;
  errors: string[];
  warnings: string[];
}

/**
 * What the stand-in does instead of answering: a status, body and headers (a redirect is a 3xx
 * with a `location`), `bytes` of filler as the body (sent in chunks, for size caps), or never
 * answer.
 */
export type Interception = { status: number; body?: unknown; headers?: Record<string, string>; bytes?: number } | 'hang' | undefined;

/** Writes `bytes` of JSON-looking filler in 64 KiB chunks, as a server streaming a huge answer would. */
export function sendFiller(res: ServerResponse, status: number, bytes: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = bytes;
  const more = (): void => {
    while (left > 0) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      if (!res.write(part)) return void res.once('drain', more);
    }
    res.end();
  };
  res.on('error', () => undefined);
  more();
}

export const ME = { id: 1, username: 'mlgen-bot' };
export const SOMEONE_ELSE = { id: 2, username: 'alice' };

export interface GitLabStandInOptions {
  token?: string;
  project?: { id: number; path_with_namespace: string; default_branch?: string };
  schedules?: Omit<StandInSchedule, 'id'>[];
  triggers?: Omit<StandInTrigger, 'id'>[];
  /** GitLab caps per_page at 100; a smaller cap exercises pagination. */
  maxPerPage?: number;
  /** GET /projects/:id's pipeline-variable settings and the token user's access level (default: unrestricted, Maintainer). */
  settings?: { restrict_user_defined_variables?: boolean; ci_pipeline_variables_minimum_override_role?: string; accessLevel?: number };
  /** Resource groups that pipelines already created. */
  resourceGroups?: { key: string; process_mode: string }[];
}

export const PROCESS_MODES = ['unordered', 'oldest_first', 'newest_first', 'newest_ready_first'];

export interface StandInResourceGroup {
  id: number;
  key: string;
  process_mode: string;
  created_at: string;
  updated_at: string;
}

/** GitLab's static checks, reduced: the YAML must parse and define at least one job with a script. */
export function standInLint(content: string): LintAnswer {
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch (error) {
    return { valid: false, errors: [`Invalid configuration format: ${(error as Error).message.split('\n')[0]}`], warnings: [] };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { valid: false, errors: ['Invalid configuration format'], warnings: [] };
  const reserved = new Set(['default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script']);
  const jobs = Object.entries(doc as Record<string, unknown>).filter(([name]) => !reserved.has(name) && !name.startsWith('.'));
  if (jobs.length === 0) return { valid: false, errors: ['jobs config should contain at least one visible job'], warnings: [] };
  const errors = jobs
    .filter(([, job]) => !job || typeof job !== 'object' || (!('script' in job) && !('trigger' in job) && !('extends' in job)))
    .map(([name]) => `jobs:${name} config should implement the script:, run:, or trigger: keyword`);
  return { valid: errors.length === 0, errors, warnings: [] };
}

export class GitLabStandIn {
  readonly token: string;
  readonly project: { id: number; path_with_namespace: string; default_branch: string };
  readonly schedules = new Map<number, StandInSchedule>();
  readonly triggers = new Map<number, StandInTrigger>();
  readonly resourceGroups = new Map<string, StandInResourceGroup>();
  readonly settings: NonNullable<GitLabStandInOptions['settings']>;
  readonly requests: RecordedRequest[] = [];
  readonly linted: string[] = [];
  lint: (content: string) => LintAnswer = standInLint;
  intercept: (request: RecordedRequest) => Interception = () => undefined;
  url = '';
  private nextId = 100;
  private readonly maxPerPage: number;
  private readonly server = createServer((req, res) => void this.handle(req, res));

  constructor(options: GitLabStandInOptions = {}) {
    this.token = options.token ?? `glpat-${randomBytes(10).toString('hex')}`;
    this.project = { default_branch: 'main', ...(options.project ?? { id: 42, path_with_namespace: 'acme/house-prices' }) };
    this.maxPerPage = options.maxPerPage ?? 100;
    this.settings = { restrict_user_defined_variables: false, ci_pipeline_variables_minimum_override_role: 'developer', accessLevel: 40, ...options.settings };
    for (const group of options.resourceGroups ?? []) this.pipelineCreatesResourceGroup(group.key, group.process_mode);
    for (const schedule of options.schedules ?? []) {
      const id = this.id();
      this.schedules.set(id, { ...schedule, id });
    }
    for (const trigger of options.triggers ?? []) {
      const id = this.id();
      this.triggers.set(id, { ...trigger, id });
    }
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests that change state (the lint is a POST that changes nothing). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/ci/lint'));
  }

  mlgenSchedules(): StandInSchedule[] {
    return [...this.schedules.values()].filter((s) => s.description.startsWith('mlgen:'));
  }

  /** What GitLab does when a pipeline first has a job with `resource_group: key`: the group, unordered. */
  pipelineCreatesResourceGroup(key: string, processMode = 'unordered'): StandInResourceGroup {
    const now = new Date(0).toISOString();
    const group = this.resourceGroups.get(key) ?? { id: this.id(), key, process_mode: processMode, created_at: now, updated_at: now };
    this.resourceGroups.set(key, group);
    return group;
  }

  private id(): number {
    return this.nextId++;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const type = req.headers['content-type'] ?? '';
    const body: Record<string, unknown> =
      raw === '' ? {} : type.includes('json') ? (JSON.parse(raw) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw));
    // Keep %2F in project paths encoded, as GitLab routes them.
    const request: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
    this.requests.push(request);
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, payload === undefined ? headers : { 'content-type': 'application/json', ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const intercepted = this.intercept(request);
    if (intercepted === 'hang') return;
    if (intercepted?.bytes !== undefined) return sendFiller(res, intercepted.status, intercepted.bytes, intercepted.headers);
    if (intercepted && typeof intercepted.body === 'string') {
      res.writeHead(intercepted.status, { 'content-type': 'application/json', ...intercepted.headers });
      return void res.end(intercepted.body);
    }
    if (intercepted) return send(intercepted.status, intercepted.body ?? { message: `${intercepted.status}` }, intercepted.headers);
    if (req.headers['private-token'] !== this.token) return send(401, { message: '401 Unauthorized' });
    const parts = url.pathname.split('/').slice(1);
    if (parts[0] !== 'api' || parts[1] !== 'v4' || parts[2] !== 'projects' || !parts[3]) return send(404, { error: '404 Not Found' });
    const projectRef = decodeURIComponent(parts[3]);
    if (projectRef !== String(this.project.id) && projectRef !== this.project.path_with_namespace) {
      return send(404, { message: '404 Project Not Found' });
    }
    const [resource, id, sub, key] = parts.slice(4);
    const route =
      resource === 'ci' ? `${request.method} ci/${id}` : `${request.method} ${[resource, id && ':id', sub, key && ':key'].filter(Boolean).join('/')}`;
    switch (route) {
      case 'GET ': {
        const { accessLevel, ...settings } = this.settings;
        // Settings are shown to Maintainers and above only (an undefined one is left out).
        const shown = (accessLevel ?? 0) >= 40 ? settings : {};
        return send(200, {
          ...this.project,
          web_url: `${this.url}/${this.project.path_with_namespace}`,
          ...shown,
          permissions: { project_access: accessLevel === undefined ? null : { access_level: accessLevel, notification_level: 3 }, group_access: null },
        });
      }
      case 'POST ci/lint': {
        if (typeof body.content !== 'string') return send(400, { error: 'content is missing' });
        this.linted.push(body.content);
        const answer = this.lint(body.content);
        return send(200, { ...answer, merged_yaml: answer.valid ? body.content : null, includes: [] });
      }
      case 'GET pipeline_schedules':
        return this.page(url, res, [...this.schedules.values()].map(({ variables: _v, ...rest }) => rest));
      case 'POST pipeline_schedules': {
        for (const field of ['description', 'ref', 'cron']) if (typeof body[field] !== 'string') return send(400, { error: `${field} is missing` });
        if (String(body.cron).trim().split(/\s+/).length !== 5) return send(400, { message: { cron: ['is invalid syntax'] } });
        const schedule: StandInSchedule = {
          id: this.id(),
          description: String(body.description),
          // Current GitLab stores a branch ref in full.
          ref: `refs/heads/${String(body.ref).replace(/^refs\/heads\//, '')}`,
          cron: String(body.cron),
          cron_timezone: typeof body.cron_timezone === 'string' ? body.cron_timezone : 'UTC',
          active: body.active === undefined ? true : body.active === true || body.active === 'true',
          owner: ME,
          variables: [],
        };
        this.schedules.set(schedule.id, schedule);
        const { variables: _v, ...shown } = schedule;
        return send(201, shown);
      }
    }
    const group = resource === 'resource_groups' ? this.resourceGroups.get(decodeURIComponent(id ?? '')) : undefined;
    switch (route) {
      case 'GET resource_groups/:id':
        return group ? send(200, group) : send(404, { message: '404 Not found' });
      case 'PUT resource_groups/:id': {
        if (!group) return send(404, { message: '404 Not found' });
        if ((this.settings.accessLevel ?? 0) < 40) return send(403, { message: '403 Forbidden' });
        if (body.process_mode !== undefined) {
          if (typeof body.process_mode !== 'string' || !PROCESS_MODES.includes(body.process_mode)) return send(400, { error: 'process_mode does not have a valid value' });
          group.process_mode = body.process_mode;
        }
        return send(200, group);
      }
    }
    const schedule = resource === 'pipeline_schedules' ? this.schedules.get(Number(id)) : undefined;
    const trigger = resource === 'triggers' ? this.triggers.get(Number(id)) : undefined;
    switch (route) {
      case 'GET pipeline_schedules/:id':
        return schedule ? send(200, schedule) : send(404, { message: '404 Pipeline Schedule Not Found' });
      case 'PUT pipeline_schedules/:id': {
        if (!schedule) return send(404, { message: '404 Pipeline Schedule Not Found' });
        if (schedule.owner.id !== ME.id) return send(403, { message: '403 Forbidden' });
        for (const field of ['description', 'cron', 'cron_timezone'] as const) if (typeof body[field] === 'string') schedule[field] = String(body[field]);
        if (typeof body.ref === 'string') schedule.ref = `refs/heads/${body.ref.replace(/^refs\/heads\//, '')}`;
        if (body.active !== undefined) schedule.active = body.active === true || body.active === 'true';
        return send(200, schedule);
      }
      case 'DELETE pipeline_schedules/:id':
        if (!schedule) return send(404, { message: '404 Pipeline Schedule Not Found' });
        this.schedules.delete(schedule.id);
        return send(204);
      case 'POST pipeline_schedules/:id/variables': {
        if (!schedule) return send(404, { message: '404 Pipeline Schedule Not Found' });
        if (typeof body.key !== 'string' || typeof body.value !== 'string') return send(400, { error: 'key is missing' });
        if (schedule.variables.some((v) => v.key === body.key)) return send(400, { message: { key: ['has already been taken'] } });
        const variable = { key: body.key, value: body.value, variable_type: typeof body.variable_type === 'string' ? body.variable_type : 'env_var' };
        schedule.variables.push(variable);
        return send(201, variable);
      }
      case 'PUT pipeline_schedules/:id/variables/:key': {
        const variable = schedule?.variables.find((v) => v.key === decodeURIComponent(key ?? ''));
        if (!variable) return send(404, { message: '404 Variable Not Found' });
        if (typeof body.value === 'string') variable.value = body.value;
        if (typeof body.variable_type === 'string') variable.variable_type = body.variable_type;
        return send(200, variable);
      }
      case 'GET triggers':
        return this.page(
          url,
          res,
          // "Trigger tokens created by other users are shortened to four characters."
          [...this.triggers.values()].map((t) => ({ ...t, token: t.owner.id === ME.id ? t.token : t.token.slice(0, 4) })),
        );
      case 'POST triggers': {
        if (typeof body.description !== 'string') return send(400, { error: 'description is missing' });
        const made: StandInTrigger = { id: this.id(), description: body.description, token: `glptt-${randomBytes(20).toString('hex')}`, owner: ME };
        this.triggers.set(made.id, made);
        return send(201, made);
      }
      case 'DELETE triggers/:id':
        if (!trigger) return send(404, { message: '404 Trigger Not Found' });
        this.triggers.delete(trigger.id);
        return send(204);
      default:
        return send(404, { error: '404 Not Found' });
    }
  }

  /** Offset pagination as GitLab does it: page/per_page, X-* headers and a Link header. */
  private page(url: URL, res: ServerResponse, items: unknown[]): void {
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 20), this.maxPerPage);
    const page = Number(url.searchParams.get('page') ?? 1);
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-page': String(page),
      'x-per-page': String(perPage),
      'x-total': String(items.length),
      'x-total-pages': String(pages),
      'x-next-page': page < pages ? String(page + 1) : '',
    };
    if (page < pages) {
      const next = new URL(url.pathname, this.url);
      next.searchParams.set('page', String(page + 1));
      next.searchParams.set('per_page', String(perPage));
      headers.link = `<${next.href}>; rel="next"`;
    }
    res.writeHead(200, headers);
    res.end(JSON.stringify(items.slice((page - 1) * perPage, page * perPage)));
  }
}

export async function startGitLabStandIn(options: GitLabStandInOptions = {}): Promise<GitLabStandIn> {
  return new GitLabStandIn(options).start();
}

/**
 * For a test file: a function that starts a stand-in (with startGitLabStandIn's options), and
 * an afterEach that closes every stand-in the test started.
 */
export function gitLabStandIns(): (options?: GitLabStandInOptions) => Promise<GitLabStandIn> {
  const started: GitLabStandIn[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  return async (options = {}) => {
    const standIn = await startGitLabStandIn(options);
    started.push(standIn);
    return standIn;
  };
}
