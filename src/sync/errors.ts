/**
 * How a failed request to GitLab or Jenkins reaches the user: one line that names the service,
 * what mlgen was doing, what went wrong and what to try. Never the library's stack or the
 * request (its headers carry the token).
 */

/** A request that failed, reduced to what the user can act on. */
export type HttpFailure =
  | { kind: 'status'; status: number; detail?: string }
  | { kind: 'timeout' }
  | { kind: 'network'; code: string };

/** What the message may suggest for each status, per service. */
export interface ServiceHints {
  /** "GitLab", "Jenkins". */
  service: string;
  /** The base URL the user passed. */
  url: string;
  timeoutSeconds: number;
  unauthorized: string;
  forbidden: string;
  notFound: string;
}

/** A failure already explained in one line; `code` is the process exit code. */
export class SyncError extends Error {
  /** The message as written: a client library may prefix `message` on the way out. */
  readonly summary: string;

  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'SyncError';
    this.summary = message;
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Server text is shown only when it is short and printable: never a page of HTML. */
export function shortDetail(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const line = text.replace(/\s+/g, ' ').trim();
  if (line === '' || line.length > 200 || /<html|<!doctype/i.test(line)) return undefined;
  return line;
}

function describeFailure(failure: HttpFailure, doing: string, hints: ServiceHints): string {
  const { service } = hints;
  switch (failure.kind) {
    case 'timeout':
      return `${service} did not answer within ${hints.timeoutSeconds}s while ${doing} (${hints.url}): check --url and the network, or allow more time with --timeout`;
    case 'network': {
      const why =
        failure.code === 'ECONNREFUSED'
          ? 'connection refused'
          : failure.code === 'ENOTFOUND' || failure.code === 'EAI_AGAIN'
            ? 'host not found'
            : failure.code === 'ECONNRESET'
              ? 'connection reset'
              : failure.code;
      return `cannot reach ${service} at ${hints.url} while ${doing}: ${why}; check --url`;
    }
    case 'status': {
      const status = `${failure.status}${REASONS[failure.status] ? ` ${REASONS[failure.status]}` : ''}`;
      // GitLab's body often just repeats the status ("403 Forbidden"): say it once.
      const detail = failure.detail && !failure.detail.startsWith(String(failure.status)) ? ` (${failure.detail})` : '';
      if (failure.status === 401) return `${service} rejected the credentials (${status}) while ${doing}: ${hints.unauthorized}`;
      if (failure.status === 403) return `${service} refused (${status}) ${doing}${detail}: ${hints.forbidden}`;
      if (failure.status === 404) return `${service} answered ${status} while ${doing}: ${hints.notFound}`;
      if (failure.status >= 500) return `${service} failed (${status}) while ${doing}${detail}: a server problem; try again later`;
      return `${service} answered ${status} while ${doing}${detail}`;
    }
    default: {
      const never: never = failure;
      return String(never);
    }
  }
}

/** An answer the client library could not make sense of (say, a proxy's HTML page as JSON). */
export function unexpected(service: string, doing: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const detail = message.split('\n')[0]!.replace(/\s+/g, ' ').trim().slice(0, 160) || 'no details';
  return `${service} gave an answer mlgen could not read while ${doing}: ${detail}; check --url`;
}

/** The error code of a failed connection (Node's fetch puts it on `cause`). */
export function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  }
  return undefined;
}

/**
 * Wraps each request of one sync: any failure becomes a one-line SyncError naming what mlgen
 * was doing (`doing`), with `notFound` overriding the service's 404 hint for that request.
 */
export function requestCaller(hints: ServiceHints, toFailure: (error: unknown) => HttpFailure | undefined) {
  return async <T>(doing: string, request: () => Promise<T>, notFound?: string): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      if (error instanceof SyncError) throw error.message === error.summary ? error : new SyncError(error.summary, error.exitCode);
      const failure = toFailure(error);
      throw new SyncError(failure ? describeFailure(failure, doing, notFound ? { ...hints, notFound } : hints) : unexpected(hints.service, doing, error));
    }
  };
}
