/**
 * `mlgen sync jenkins`: Jenkins keeps jobs on the server. Every generated Jenkinsfile is first
 * checked by the server's declarative linter, then gets its job (desired.ts says which). Jobs
 * are written only when what their definition means differs from what mlgen wants (diff.ts);
 * client.ts makes the requests; this file puts them in order.
 */
import type { GeneratedFile } from '../../files/index.js';
import type { Plan } from '../../plan/index.js';
import { applyChanges, plural, type Change, type ChangeRecord } from '../changes.js';
import { SyncError } from '../errors.js';
import type { HttpGuard } from '../http.js';
import { withoutCredentials } from '../redact.js';
import { JenkinsClient } from './client.js';
import { desiredJenkins } from './desired.js';
import { checkJobClass, diffJob, type JobSettings, type JobState } from './diff.js';

export { jobsFor } from './desired.js';
export { parseValidation } from './client.js';

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
  http?: Partial<Omit<HttpGuard, 'service' | 'origin'>> | undefined;
}

export interface JenkinsSyncResult {
  validation: { file: string; valid: boolean; errors: string[] }[];
  jobs: { name: string; scriptPath: string; kind: 'multibranch' | 'pipeline'; state: 'new' | 'changed' | 'up to date' }[];
  changes: ChangeRecord[];
  dryRun: boolean;
}

export async function syncJenkins(options: JenkinsSyncOptions): Promise<JenkinsSyncResult> {
  const { log, dryRun } = options;
  const desired = desiredJenkins(options.files, options.job);
  const base = options.url.replace(/\/+$/, '');
  const client = new JenkinsClient({ base, user: options.user, token: options.token, timeoutSeconds: options.timeoutSeconds, http: options.http });

  const root = await client.info();
  log(`Jenkins at ${base}${dryRun ? ' (dry run: nothing will be changed)' : ''}`);

  const validation: JenkinsSyncResult['validation'] = [];
  for (const { file } of desired) {
    const result = await client.validate(file.path, file.content);
    validation.push({ file: file.path, ...result });
    log(`${result.valid ? 'ok' : 'FAILED'}: Jenkins ${result.valid ? 'accepts' : 'rejects'} ${file.path}`);
    for (const error of result.errors) log(`  error: ${error}`);
  }
  const rejected = validation.filter((v) => !v.valid);
  if (rejected.length > 0) {
    const first = rejected[0]!;
    throw new SyncError(`Jenkins rejects ${plural(rejected.length, 'generated Jenkinsfile')}: ${first.file}: ${first.errors[0]}`);
  }

  const settings: JobSettings = { repoUrl: repoResolver(options), credentials: options.credentials, branch: options.branch ?? options.plan.releaseBranch };
  const changes: Change[] = [];
  const jobs: JenkinsSyncResult['jobs'] = [];
  for (const job of desired) {
    const found = await client.job(job.name, job.subject);
    let state: JobState;
    if (found) {
      checkJobClass(job, found);
      state = { ...found, ...(await client.config(job.name, job.subject)) };
    }
    const diff = diffJob(job, state, settings);
    for (const note of diff.notes) log(note);
    jobs.push({ name: job.name, scriptPath: job.file.path, kind: job.kind, state: diff.state });
    const change = diff.change;
    if (change) {
      const apply = change.action === 'create' ? () => client.create(job.name, change.configXml, job.subject) : () => client.update(job.name, change.configXml, job.subject);
      changes.push({ action: change.action, subject: job.subject, details: change.details, apply });
    }
  }
  const records = await applyChanges(changes, dryRun, log);
  // mlgen deletes no job: a job it does not own could share the prefix. It points them out,
  // among the top-level jobs jenkins.info() lists (jobs in a folder are not looked for).
  const names = new Set(desired.map((t) => t.name));
  const leftOver = root.jobs.filter((name) => name.startsWith(`${options.job}-`) && !names.has(name));
  for (const name of leftOver) log(`? job "${name}" has no Jenkinsfile in this manifest: if an old schedule made it, delete it in Jenkins`);
  if (records.some((r) => r.action === 'create' && r.subject.startsWith('multibranch project'))) {
    log('The multibranch project builds branches from its Git source; to build pull requests too, replace the source with your platform\'s (GitHub, GitLab or Bitbucket Branch Source): mlgen keeps such a source.');
  }
  if (records.some((r) => r.action === 'create') && desired.length > 1) {
    log('Jenkins takes a job\'s cron trigger from its Jenkinsfile when the job runs: start each new schedule job once (Build Now; that run does the scheduled work) so that its schedule takes effect.');
  }
  return { validation, jobs, changes: records, dryRun };
}

/** --repo, else the job's current repository, else this repository's origin without credentials (asked once). */
function repoResolver(options: Pick<JenkinsSyncOptions, 'repo' | 'gitOrigin'>): JobSettings['repoUrl'] {
  let origin: string | undefined | null = null;
  return (current) => {
    if (options.repo) return options.repo;
    if (current) return current;
    if (origin === null) {
      const found = options.gitOrigin?.();
      origin = found === undefined ? undefined : withoutCredentials(found);
    }
    if (origin) return origin;
    throw new SyncError('no Git repository URL for the new job: pass --repo GIT_URL (this directory has no `origin` remote)', 2);
  };
}
