/**
 * Every HTTP request `sync` makes goes through `guardedFetch` (GitLab through the gitbeaker
 * requester below, Jenkins' linter directly; the Jenkins client's own requests through
 * `capJenkinsResponses`). The rules, each because a server (or whoever answers in its place)
 * must not be able to take more than the answer it owes:
 *
 * - The token goes only to the origin the user named with --url: a request for another origin
 *   (a redirect's Location, a pagination Link) is refused before it is sent, so no header of
 *   ours (PRIVATE-TOKEN, Authorization, Job-Token, Cookie, a crumb) ever reaches it. Redirects
 *   within the origin are followed, at most MAX_REDIRECTS.
 * - An answer is read up to `maxBytes` and no further (a 300 MB body once took 4 GB of memory).
 * - 429 and 503 are retried a few times, waiting what `Retry-After` asks when that is at most
 *   `maxRetryWaitSeconds`; a longer wait ends the run with a message instead of hanging it.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { createRequesterFn, GitbeakerRequestError, GitbeakerTimeoutError } from '@gitbeaker/requester-utils';
import { SyncError } from './errors.js';

export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
export const MAX_REDIRECTS = 5;
export const MAX_RETRIES = 3;
export const MAX_RETRY_WAIT_SECONDS = 60;

export interface HttpGuard {
  /** "GitLab", "Jenkins". */
  service: string;
  /** The only origin requests may go to: that of --url. */
  origin: string;
  maxBytes?: number;
  maxRetries?: number;
  maxRetryWaitSeconds?: number;
  /** Waiting between retries; tests may record it. */
  sleep?: (ms: number) => Promise<void>;
}

export interface GuardedResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  body: Buffer;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The origin of `url` for a message: never its userinfo, path or query. */
export function originOf(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

function refuseOtherOrigin(guard: HttpGuard, target: URL, why: string): never {
  throw new SyncError(
    `${guard.service} ${why} ${originOf(target)}, not ${guard.origin} that --url names: mlgen does not follow it, so the token is not sent there; if that address is the right one, pass it as --url`,
  );
}

/** Seconds `Retry-After` asks for (a number or an HTTP date), or undefined. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The body, read to at most `maxBytes`; more is an error that says so, not a crash. */
async function readCapped(response: Response, guard: HttpGuard, url: URL): Promise<Buffer> {
  const max = guard.maxBytes ?? MAX_RESPONSE_BYTES;
  const tooLarge = () => new SyncError(`${guard.service} sent more than ${Math.round(max / 1024 / 1024)} MB in one answer (${url.pathname}): mlgen stops reading there; check --url`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > max) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, total);
}

/** fetch, under the rules above. `init.redirect` is always manual. */
export async function guardedFetch(input: string | URL, init: RequestInit, guard: HttpGuard): Promise<GuardedResponse> {
  const sleep = guard.sleep ?? sleepFor;
  const maxRetries = guard.maxRetries ?? MAX_RETRIES;
  const maxWait = guard.maxRetryWaitSeconds ?? MAX_RETRY_WAIT_SECONDS;
  let url = new URL(input);
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  if (url.origin !== guard.origin) refuseOtherOrigin(guard, url, 'pointed a request to');
  for (let attempt = 0, redirects = 0; ; ) {
    const response = await fetch(url, { ...init, method, body: body ?? null, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel().catch(() => undefined);
      const target = new URL(location, url);
      if (target.origin !== guard.origin) refuseOtherOrigin(guard, target, `redirected ${url.pathname} to`);
      if (++redirects > MAX_REDIRECTS) throw new SyncError(`${guard.service} redirected ${url.pathname} more than ${MAX_REDIRECTS} times: check --url`);
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without a body.
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      url = target;
      continue;
    }
    if ((response.status === 429 || response.status === 503) && attempt < maxRetries) {
      const asked = retryAfterSeconds(response.headers.get('retry-after'));
      if (asked === undefined || asked <= maxWait) {
        await response.body?.cancel().catch(() => undefined);
        await sleep((asked ?? 2 ** attempt) * 1000);
        attempt++;
        continue;
      }
    }
    return { status: response.status, ok: response.ok, headers: response.headers, body: await readCapped(response, guard, url) };
  }
}

/** What a JSON answer says, without ever quoting the answer (it may carry the token back). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // requestCaller turns this into "GitLab gave an answer mlgen could not read while ...".
    throw new Error('its answer is not valid JSON');
  }
}

/**
 * gitbeaker's requester with `guardedFetch` in place of its own loop (which follows any
 * redirect with the token, retries 10 times in 1.4 s and reads bodies of any size). Errors
 * keep gitbeaker's shapes, so errors.ts reads them as before.
 */
export function gitbeakerRequester(guard: HttpGuard) {
  return createRequesterFn(
    (_service, options) => Promise.resolve(options),
    async (endpoint, options = {}) => {
      const { rateLimiters: _r, agent: _a, asStream: _s, prefixUrl, searchParams, method, ...init } = options as Record<string, unknown>;
      const base = typeof prefixUrl === 'string' ? (prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`) : undefined;
      const url = new URL(endpoint, base);
      url.search = typeof searchParams === 'string' ? searchParams : '';
      let response: GuardedResponse;
      try {
        response = await guardedFetch(url, { ...(init as RequestInit), method: String(method ?? 'GET') }, guard);
      } catch (error) {
        const name = (error as { name?: unknown })?.name;
        if (name === 'TimeoutError' || name === 'AbortError') throw new GitbeakerTimeoutError('Query timeout was reached');
        throw error;
      }
      const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
      const text = response.body.toString('utf8');
      if (!response.ok) {
        let description = text;
        if (type === 'application/json') {
          const parsed = parseJson(text) as { error?: unknown; message?: unknown } | null;
          const said = parsed?.error ?? parsed?.message ?? '';
          description = typeof said === 'string' ? said : JSON.stringify(said);
        }
        throw new GitbeakerRequestError(description, { cause: { description, request: new Request(url), response: { status: response.status } as Response } });
      }
      const headers = Object.fromEntries(response.headers.entries());
      const body = response.status === 204 ? null : type === 'application/json' ? (parseJson(text) ?? {}) : text;
      return { body, headers, status: response.status } as never;
    },
  );
}

/**
 * The Jenkins client (papi over node:http) follows no redirect (a 3xx is an error to it) but
 * reads any body whole: this caps each answer at `maxBytes`, ending the request with an error
 * papi passes on. papi runs `onRequest` extensions after it has chosen the transport.
 */
export function capJenkinsResponses(client: { _ext: (event: string, fn: (request: unknown, next: () => void) => void) => void }, guard: HttpGuard): void {
  const max = guard.maxBytes ?? MAX_RESPONSE_BYTES;
  client._ext('onRequest', (request, next) => {
    const r = request as { transport: { request: (options: unknown) => ClientRequest } };
    const transport = r.transport;
    r.transport = {
      request: (options: unknown) => {
        const req = transport.request(options);
        req.prependListener('response', (res: IncomingMessage) => {
          let total = 0;
          res.on('error', () => undefined); // destroyed below, on purpose
          res.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total <= max || res.destroyed) return;
            // papi ends the request on its 'error' (first wins); then the answer is dropped.
            req.emit('error', new SyncError(`${guard.service} sent more than ${Math.round(max / 1024 / 1024)} MB in one answer: mlgen stops reading there; check --url`));
            res.destroy();
          });
        });
        return req;
      },
    };
    next();
  });
}
