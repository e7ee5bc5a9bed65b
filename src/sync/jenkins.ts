/**
 * `mlgen sync jenkins`: Jenkins keeps jobs on the server. Every generated Jenkinsfile is first
 * checked by the server's declarative linter, then gets its job: `Jenkinsfile` -> the
 * Multibranch Pipeline project NAME (every branch, BRANCH_NAME set, one commit per build; see
 * jenkins-multibranch.ts), `jenkins/<schedule>.Jenkinsfile` -> the Pipeline job NAME-<schedule>
 * reading it from the release branch. Jobs are written only when what their definition means
 * differs from what mlgen wants.
 */
import Jenkins, { type JenkinsCrumb } from 'jenkins';
import type { GeneratedFile } from '../files/index.js';
import type { Plan } from '../plan/index.js';
import { applyChanges, plural, type Change, type ChangeRecord } from './changes.js';
import { networkCode, requestCaller, shortDetail, SyncError, type HttpFailure, type ServiceHints } from './errors.js';
import {
  definitionDifferences,
  newJobConfig,
  PIPELINE_JOB_CLASS,
  readDefinition,
  withDefinition,
  type PipelineFromScm,
} from './jenkins-config.js';
import { keepsOwnSource, MULTIBRANCH_CLASS, multibranchDifferences, newMultibranchConfig, readMultibranch, withMultibranchSource, type MultibranchSpec } from './jenkins-multibranch.js';
import { capJenkinsResponses, guardedFetch, type HttpGuard } from './http.js';
import { withoutCredentials } from './redact.js';
import { parseXml } from './xml.js';

export interface JenkinsSyncOptions {
  /** The Jenkins root URL, e.g. https://ci.example.com or https://example.com/jenkins. */
  url: string;
  /** The main job's name; a folder path (`team/house-prices`) works. */
  job: string;
  user: string;
  token: string;
  /** Git URL of the repository; default: the job's current one, else `gitOrigin()`. */
  repo?: string | undefined;
  /** Jenkins credentials id for Git; default: the job's current one, else none. */
  credentials?: string | undefined;
  /** Default: the manifest's release branch. */
  branch?: string | undefined;
  dryRun: boolean;
  timeoutSeconds: number;
  plan: Plan;
  files: readonly GeneratedFile[];
  log: (line: string) => void;
  /** The current repository's origin URL, if there is one. */
  gitOrigin?: () => string | undefined;
  /** Limits of http.ts to use instead of its defaults (tests make them small). */
  http?: Partial<Omit<HttpGuard, 'service' | 'origin'>>;
}

export interface JenkinsSyncResult {
  validation: { file: string; valid: boolean; errors: string[] }[];
  jobs: { name: string; scriptPath: string; kind: 'multibranch' | 'pipeline'; state: 'new' | 'changed' | 'up to date' }[];
  changes: ChangeRecord[];
  dryRun: boolean;
}

/** Each Jenkinsfile mlgen generates, with the job that runs it. */
export function jobsFor(files: readonly GeneratedFile[], job: string): { name: string; file: GeneratedFile }[] {
  return files.flatMap((file) => {
    if (file.path === 'Jenkinsfile') return [{ name: job, file }];
    const schedule = /^jenkins\/([^/]+)\.Jenkinsfile$/.exec(file.path)?.[1];
    return schedule ? [{ name: `${job}-${schedule}`, file }] : [];
  });
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

export async function syncJenkins(options: JenkinsSyncOptions): Promise<JenkinsSyncResult> {
  const { log, dryRun } = options;
  const targets = jobsFor(options.files, options.job);
  if (targets.length === 0) {
    throw new SyncError('mlgen generated no Jenkinsfile for this manifest (the Jenkins target rendered nothing), so there is nothing to validate and no job to set up');
  }
  const base = options.url.replace(/\/+$/, '');
  const hints: ServiceHints = {
    service: 'Jenkins',
    url: base,
    timeoutSeconds: options.timeoutSeconds,
    unauthorized: `check JENKINS_USER and JENKINS_TOKEN (an API token from ${base}/me/configure)`,
    forbidden: 'the user needs Overall/Read, Job/Create and Job/Configure',
    notFound: 'check --url: it must be the Jenkins root (the page with "New Item")',
  };
  const call = requestCaller(hints, toFailure);
  /** Like `call`, but a 404 means "there is none". */
  const find = <T>(doing: string, request: () => Promise<T>): Promise<T | undefined> =>
    call(doing, () => request().catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error))));
  const authorization = `Basic ${Buffer.from(`${options.user}:${options.token}`).toString('base64')}`;
  const timeout = Math.round(options.timeoutSeconds * 1000);
  // One crumb for the whole run: Jenkins ties it to the session its cookie names.
  let crumb: Promise<JenkinsCrumb> | undefined;
  const crumbFor = (client: Jenkins): Promise<JenkinsCrumb> =>
    (crumb ??= client.crumbIssuer.get().then(
      (data) => ({ headerName: data.crumbRequestField, headerValue: data.crumb, cookies: data.cookies }),
      // No crumb issuer: CSRF protection is off (old Jenkins); requests go without a crumb.
      (error: unknown) => (isNotFound(error) ? {} : Promise.reject(error)),
    ));
  const guard: HttpGuard = { service: 'Jenkins', origin: new URL(base).origin, ...options.http };
  const jenkins = new Jenkins({ baseUrl: base, headers: { authorization }, crumbIssuer: crumbFor, timeout });
  capJenkinsResponses(jenkins as unknown as Parameters<typeof capJenkinsResponses>[0], guard);

  const root = await call('connecting', () => jenkins.info());
  log(`Jenkins at ${base}${dryRun ? ' (dry run: nothing will be changed)' : ''}`);

  // The declarative linter: plain fetch, as the package has no call for it.
  const validation: JenkinsSyncResult['validation'] = [];
  for (const { file } of targets) {
    const text = await call(`validating ${file.path}`, async () => {
      const { headerName, headerValue, cookies } = await crumbFor(jenkins);
      const headers: Record<string, string> = { authorization, 'content-type': 'application/x-www-form-urlencoded' };
      if (headerName && headerValue) headers[headerName] = headerValue;
      if (cookies && cookies.length > 0) headers.cookie = cookies.join('; ');
      const response = await guardedFetch(
        `${base}/pipeline-model-converter/validate`,
        { method: 'POST', headers, body: new URLSearchParams({ jenkinsfile: file.content }), signal: AbortSignal.timeout(timeout) },
        guard,
      );
      if (!response.ok) throw { res: { statusCode: response.status, headers: Object.fromEntries(response.headers) } };
      return response.body.toString('utf8');
    }, 'the Pipeline: Declarative plugin (pipeline-model-definition), which provides the linter, is missing, or --url is not the Jenkins root');
    const result = parseValidation(text);
    validation.push({ file: file.path, ...result });
    log(`${result.valid ? 'ok' : 'FAILED'}: Jenkins ${result.valid ? 'accepts' : 'rejects'} ${file.path}`);
    for (const error of result.errors) log(`  error: ${error}`);
  }
  const rejected = validation.filter((v) => !v.valid);
  if (rejected.length > 0) {
    const first = rejected[0]!;
    throw new SyncError(`Jenkins rejects ${plural(rejected.length, 'generated Jenkinsfile')}: ${first.file}: ${first.errors[0]}`);
  }

  const branch = options.branch ?? options.plan.releaseBranch;
  const changes: Change[] = [];
  const jobs: JenkinsSyncResult['jobs'] = [];
  let origin: string | undefined | null = null;
  const repoUrl = (current: string | undefined): string => {
    if (options.repo) return options.repo;
    if (current) return current;
    if (origin === null) {
      const found = options.gitOrigin?.();
      origin = found === undefined ? undefined : withoutCredentials(found);
    }
    if (origin) return origin;
    throw new SyncError('no Git repository URL for the new job: pass --repo GIT_URL (this directory has no `origin` remote)', 2);
  };
  const readConfig = async (subject: string, name: string) => {
    const configXml = await call(`reading the configuration of ${subject}`, () => jenkins.job.config(name));
    try {
      return { configXml, config: parseXml(configXml) };
    } catch (error) {
      throw new SyncError(`cannot read the config.xml of ${subject}: ${(error as Error).message}`);
    }
  };
  for (const { name, file } of targets) {
    const multibranch = file.path === 'Jenkinsfile';
    const subject = multibranch ? `multibranch project "${name}"` : `job "${name}"`;
    const found = await find(`reading ${subject}`, () => jenkins.job.get(name));
    if (multibranch) {
      if (!found) {
        const spec: MultibranchSpec = { repoUrl: repoUrl(undefined), credentialsId: options.credentials, scriptPath: file.path };
        const description = `Builds every branch of ${spec.repoUrl} with ${file.path}. Set up by \`mlgen sync jenkins\`; its branch source and script path are overwritten on the next sync.`;
        jobs.push({ name, scriptPath: file.path, kind: 'multibranch', state: 'new' });
        changes.push({
          action: 'create',
          subject,
          details: [`builds every branch of ${spec.repoUrl} with ${file.path}${spec.credentialsId ? ` with credentials ${spec.credentialsId}` : ''}`],
          apply: () => call(`creating ${subject}`, () => jenkins.job.create(name, newMultibranchConfig(spec, description))),
        });
        continue;
      }
      if (found._class === PIPELINE_JOB_CLASS) {
        throw new SyncError(
          `job "${name}" is a plain Pipeline job (an older \`mlgen sync jenkins\` made it): the main Jenkinsfile needs a Multibranch Pipeline (BRANCH_NAME, pull requests, one commit per build), and Jenkins cannot convert a job: delete or rename "${name}" in Jenkins, then sync again`,
        );
      }
      if (found._class !== MULTIBRANCH_CLASS) {
        throw new SyncError(`job "${name}" exists and is not a Multibranch Pipeline (${found._class ?? 'unknown type'}): mlgen leaves it alone; pass another --job`);
      }
      const { configXml, config } = await readConfig(subject, name);
      const current = readMultibranch(config);
      const spec: MultibranchSpec = { repoUrl: repoUrl(current.remotes[0]), credentialsId: options.credentials ?? current.credentialsIds[0], scriptPath: file.path };
      const differences = multibranchDifferences(current, spec);
      if (keepsOwnSource(current)) log(`= ${subject} keeps its own branch source (${current.sourceClasses[0]}); mlgen owns only its script path`);
      if (differences.length === 0) {
        jobs.push({ name, scriptPath: file.path, kind: 'multibranch', state: 'up to date' });
        log(`= ${subject} is up to date (builds ${file.path})`);
        continue;
      }
      jobs.push({ name, scriptPath: file.path, kind: 'multibranch', state: 'changed' });
      const updated = withMultibranchSource(configXml, config, spec, keepsOwnSource(current));
      changes.push({ action: 'update', subject, details: differences, apply: () => call(`updating ${subject}`, () => jenkins.job.config(name, updated)) });
      continue;
    }
    if (!found) {
      const spec: PipelineFromScm = { repoUrl: repoUrl(undefined), credentialsId: options.credentials, branch, scriptPath: file.path };
      const description = `Runs ${file.path} from ${spec.repoUrl}. Set up by \`mlgen sync jenkins\`; its definition is overwritten on the next sync.`;
      jobs.push({ name, scriptPath: file.path, kind: 'pipeline', state: 'new' });
      changes.push({
        action: 'create',
        subject,
        details: [`runs ${file.path} from ${spec.repoUrl} branch ${branch}${spec.credentialsId ? ` with credentials ${spec.credentialsId}` : ''}`],
        apply: () => call(`creating ${subject}`, () => jenkins.job.create(name, newJobConfig(spec, description))),
      });
      continue;
    }
    if (found._class !== PIPELINE_JOB_CLASS) {
      throw new SyncError(`${subject} exists and is not a Pipeline job (${found._class ?? 'unknown type'}): mlgen leaves it alone; pass another --job`);
    }
    const { configXml, config } = await readConfig(subject, name);
    const current = readDefinition(config);
    const spec: PipelineFromScm = {
      repoUrl: repoUrl(current.repoUrls[0]),
      credentialsId: options.credentials ?? current.credentialsIds.find((c) => c !== ''),
      branch,
      scriptPath: file.path,
    };
    const differences = definitionDifferences(current, spec);
    if (differences.length === 0) {
      jobs.push({ name, scriptPath: file.path, kind: 'pipeline', state: 'up to date' });
      log(`= ${subject} is up to date (runs ${file.path})`);
      continue;
    }
    jobs.push({ name, scriptPath: file.path, kind: 'pipeline', state: 'changed' });
    const updated = withDefinition(configXml, config, spec);
    changes.push({
      action: 'update',
      subject,
      details: differences,
      apply: () => call(`updating ${subject}`, () => jenkins.job.config(name, updated)),
    });
  }
  const records = await applyChanges(changes, dryRun, log);
  // mlgen deletes no job: a job it does not own could share the prefix. It points them out,
  // among the top-level jobs jenkins.info() lists (jobs in a folder are not looked for).
  const names = new Set(targets.map((t) => t.name));
  const leftOver = ((root.jobs ?? []) as { name?: string }[])
    .map((j) => j.name ?? '')
    .filter((name) => name.startsWith(`${options.job}-`) && !names.has(name));
  for (const name of leftOver) log(`? job "${name}" has no Jenkinsfile in this manifest: if an old schedule made it, delete it in Jenkins`);
  if (records.some((r) => r.action === 'create' && r.subject.startsWith('multibranch project'))) {
    log('The multibranch project builds branches from its Git source; to build pull requests too, replace the source with your platform\'s (GitHub, GitLab or Bitbucket Branch Source): mlgen keeps such a source.');
  }
  if (records.some((r) => r.action === 'create') && targets.length > 1) {
    log('Jenkins takes a job\'s cron trigger from its Jenkinsfile when the job runs: start each new schedule job once (Build Now; that run does the scheduled work) so that its schedule takes effect.');
  }
  return { validation, jobs, changes: records, dryRun };
}
