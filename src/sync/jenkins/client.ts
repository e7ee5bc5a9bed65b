/**
 * Jenkins' remote access API, as much of it as sync uses, through the `jenkins` package plus
 * one plain request for the declarative linter. One crumb per run (Jenkins ties it to the
 * session its cookie names); answers are capped and the credentials stay with their origin
 * (http.ts); every failure becomes one SyncError line naming what was being done (errors.ts).
 */
import Jenkins, { type JenkinsCrumb } from 'jenkins';
import { networkCode, requestCaller, shortDetail, SyncError, type HttpFailure } from '../errors.js';
import { capJenkinsResponses, guardedFetch, type HttpGuard } from '../http.js';
import { parseXml, type XmlElement } from '../xml.js';

export interface JenkinsConnection {
  /** The Jenkins root URL, without a trailing slash. */
  base: string;
  user: string;
  token: string;
  timeoutSeconds: number;
  http?: Partial<Omit<HttpGuard, 'service' | 'origin'>> | undefined;
}

function toFailure(error: unknown): HttpFailure | undefined {
  const e = error as {
    notFound?: boolean;
    isTimeout?: boolean;
    name?: string;
    res?: { statusCode?: number; headers?: Record<string, string> };
  };
  if (e?.notFound) return { kind: 'status', status: 404 };
  if (e?.isTimeout || e?.name === 'TimeoutError' || e?.name === 'AbortError') return { kind: 'timeout' };
  const status = e?.res?.statusCode;
  if (typeof status === 'number') return { kind: 'status', status, detail: shortDetail(e.res?.headers?.['x-error']) };
  const code = networkCode(error);
  return code ? { kind: 'network', code } : undefined;
}

function isNotFound(error: unknown): boolean {
  const failure = toFailure(error);
  return failure?.kind === 'status' && failure.status === 404;
}

/** "Errors encountered validating Jenkinsfile:" then one error per line, or a success line. */
export function parseValidation(text: string): { valid: boolean; errors: string[] } {
  if (/successfully validated/i.test(text)) return { valid: true, errors: [] };
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Errors encountered validating/i.test(l));
  return { valid: false, errors: lines.length > 0 ? lines : ['the linter gave no reason'] };
}

export class JenkinsClient {
  private readonly call;
  private readonly jenkins: Jenkins;
  private readonly guard: HttpGuard;
  private readonly authorization: string;
  private readonly timeout: number;
  private crumb: Promise<JenkinsCrumb> | undefined;

  constructor(private readonly connection: JenkinsConnection) {
    const { base } = connection;
    this.call = requestCaller(
      {
        service: 'Jenkins',
        url: base,
        timeoutSeconds: connection.timeoutSeconds,
        unauthorized: `check JENKINS_USER and JENKINS_TOKEN (an API token from ${base}/me/configure)`,
        forbidden: 'the user needs Overall/Read, Job/Create and Job/Configure',
        notFound: 'check --url: it must be the Jenkins root (the page with "New Item")',
      },
      toFailure,
    );
    this.authorization = `Basic ${Buffer.from(`${connection.user}:${connection.token}`).toString('base64')}`;
    this.timeout = Math.round(connection.timeoutSeconds * 1000);
    this.guard = { service: 'Jenkins', origin: new URL(base).origin, ...connection.http };
    this.jenkins = new Jenkins({ baseUrl: base, headers: { authorization: this.authorization }, crumbIssuer: (client) => this.crumbFor(client), timeout: this.timeout });
    capJenkinsResponses(this.jenkins as unknown as Parameters<typeof capJenkinsResponses>[0], this.guard);
  }

  private crumbFor(client: Jenkins): Promise<JenkinsCrumb> {
    return (this.crumb ??= client.crumbIssuer.get().then(
      (data) => ({ headerName: data.crumbRequestField, headerValue: data.crumb, cookies: data.cookies }),
      // No crumb issuer: CSRF protection is off (old Jenkins); requests go without a crumb.
      (error: unknown) => (isNotFound(error) ? {} : Promise.reject(error)),
    ));
  }

  /** The root's names of top-level jobs. */
  async info(): Promise<{ jobs: string[] }> {
    const root = await this.call('connecting', () => this.jenkins.info());
    return { jobs: ((root.jobs ?? []) as { name?: string }[]).map((j) => j.name ?? '') };
  }

  /** The declarative linter's verdict: plain fetch, as the package has no call for it. */
  async validate(path: string, content: string): Promise<{ valid: boolean; errors: string[] }> {
    const text = await this.call(
      `validating ${path}`,
      async () => {
        const { headerName, headerValue, cookies } = await this.crumbFor(this.jenkins);
        const headers: Record<string, string> = { authorization: this.authorization, 'content-type': 'application/x-www-form-urlencoded' };
        if (headerName && headerValue) headers[headerName] = headerValue;
        if (cookies && cookies.length > 0) headers.cookie = cookies.join('; ');
        const response = await guardedFetch(
          `${this.connection.base}/pipeline-model-converter/validate`,
          { method: 'POST', headers, body: new URLSearchParams({ jenkinsfile: content }), signal: AbortSignal.timeout(this.timeout) },
          this.guard,
        );
        if (!response.ok) throw { res: { statusCode: response.status, headers: Object.fromEntries(response.headers) } };
        return response.body.toString('utf8');
      },
      'the Pipeline: Declarative plugin (pipeline-model-definition), which provides the linter, is missing, or --url is not the Jenkins root',
    );
    return parseValidation(text);
  }

  /** The job's class, or undefined when there is no job of that name (404). */
  async job(name: string, subject: string): Promise<{ class?: string | undefined } | undefined> {
    const found = await this.call(`reading ${subject}`, () =>
      this.jenkins.job.get(name).catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error))),
    );
    return found ? { class: found._class } : undefined;
  }

  async config(name: string, subject: string): Promise<{ configXml: string; config: XmlElement }> {
    const configXml = await this.call(`reading the configuration of ${subject}`, () => this.jenkins.job.config(name));
    try {
      return { configXml, config: parseXml(configXml) };
    } catch (error) {
      throw new SyncError(`cannot read the config.xml of ${subject}: ${(error as Error).message}`);
    }
  }

  async create(name: string, configXml: string, subject: string): Promise<void> {
    await this.call(`creating ${subject}`, () => this.jenkins.job.create(name, configXml));
  }

  async update(name: string, configXml: string, subject: string): Promise<void> {
    await this.call(`updating ${subject}`, () => this.jenkins.job.config(name, configXml));
  }
}
