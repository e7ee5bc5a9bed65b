/**
 * What `mlgen sync jenkins` wants on the server, from the generated files alone (no request):
 * `Jenkinsfile` -> the Multibranch Pipeline project NAME (every branch, BRANCH_NAME set, one
 * commit per build; see multibranch.ts), `jenkins/<schedule>.Jenkinsfile` -> the Pipeline job
 * NAME-<schedule> reading it from the release branch (config.ts).
 */
import type { GeneratedFile } from '../../files/index.js';
import { SyncError } from '../errors.js';

export interface DesiredJob {
  name: string;
  file: GeneratedFile;
  kind: 'multibranch' | 'pipeline';
  /** How the log and errors name it. */
  subject: string;
}

/** Each Jenkinsfile mlgen generates, with the job that runs it. */
export function jobsFor(files: readonly GeneratedFile[], job: string): { name: string; file: GeneratedFile }[] {
  return files.flatMap((file) => {
    if (file.path === 'Jenkinsfile') return [{ name: job, file }];
    const schedule = /^jenkins\/([^/]+)\.Jenkinsfile$/.exec(file.path)?.[1];
    return schedule ? [{ name: `${job}-${schedule}`, file }] : [];
  });
}

export function desiredJenkins(files: readonly GeneratedFile[], job: string): DesiredJob[] {
  const jobs = jobsFor(files, job).map(({ name, file }): DesiredJob => {
    const multibranch = file.path === 'Jenkinsfile';
    return { name, file, kind: multibranch ? 'multibranch' : 'pipeline', subject: multibranch ? `multibranch project "${name}"` : `job "${name}"` };
  });
  if (jobs.length === 0) {
    throw new SyncError('mlgen generated no Jenkinsfile for this manifest (the Jenkins target rendered nothing), so there is nothing to validate and no job to set up');
  }
  return jobs;
}
