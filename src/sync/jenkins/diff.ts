/**
 * One desired job against what the server has: the change to make, as data (the config.xml
 * to post), or why mlgen leaves the job alone. Pure: the server's answers come in (client.ts
 * read them), index.ts applies what comes out.
 */
import { SyncError } from '../errors.js';
import type { XmlElement } from '../xml.js';
import { definitionDifferences, newJobConfig, PIPELINE_JOB_CLASS, readDefinition, withDefinition, type PipelineFromScm } from './config.js';
import type { DesiredJob } from './desired.js';
import { keepsOwnSource, MULTIBRANCH_CLASS, multibranchDifferences, newMultibranchConfig, readMultibranch, withMultibranchSource, type MultibranchSpec } from './multibranch.js';

/** What the server has at the job's name: nothing, or its class and (for a job mlgen may own) its config.xml. */
export type JobState = undefined | { class?: string | undefined; configXml?: string; config?: XmlElement };

export interface JobSettings {
  /** --repo, else the job's current repository, else this one's origin (throws when there is none). */
  repoUrl: (current: string | undefined) => string;
  /** --credentials, if given. */
  credentials?: string | undefined;
  /** The branch schedule jobs read their Jenkinsfile from. */
  branch: string;
}

export interface JobDiff {
  state: 'new' | 'changed' | 'up to date';
  /** The config.xml to create or post, with what it changes. */
  change?: { action: 'create' | 'update'; details: string[]; configXml: string };
  notes: string[];
}

/** Whether mlgen may read the job's configuration: a job of another kind is refused here, before anything changes. */
export function checkJobClass(job: DesiredJob, found: { class?: string | undefined }): void {
  if (job.kind === 'multibranch') {
    if (found.class === PIPELINE_JOB_CLASS) {
      throw new SyncError(
        `job "${job.name}" is a plain Pipeline job (an older \`mlgen sync jenkins\` made it): the main Jenkinsfile needs a Multibranch Pipeline (BRANCH_NAME, pull requests, one commit per build), and Jenkins cannot convert a job: delete or rename "${job.name}" in Jenkins, then sync again`,
      );
    }
    if (found.class !== MULTIBRANCH_CLASS) {
      throw new SyncError(`job "${job.name}" exists and is not a Multibranch Pipeline (${found.class ?? 'unknown type'}): mlgen leaves it alone; pass another --job`);
    }
  } else if (found.class !== PIPELINE_JOB_CLASS) {
    throw new SyncError(`${job.subject} exists and is not a Pipeline job (${found.class ?? 'unknown type'}): mlgen leaves it alone; pass another --job`);
  }
}

export function diffJob(job: DesiredJob, found: JobState, settings: JobSettings): JobDiff {
  const path = job.file.path;
  if (job.kind === 'multibranch') {
    if (!found?.config || found.configXml === undefined) {
      const spec: MultibranchSpec = { repoUrl: settings.repoUrl(undefined), credentialsId: settings.credentials, scriptPath: path };
      const description = `Builds every branch of ${spec.repoUrl} with ${path}. Set up by \`mlgen sync jenkins\`; its branch source and script path are overwritten on the next sync.`;
      const details = [`builds every branch of ${spec.repoUrl} with ${path}${spec.credentialsId ? ` with credentials ${spec.credentialsId}` : ''}`];
      return { state: 'new', change: { action: 'create', details, configXml: newMultibranchConfig(spec, description) }, notes: [] };
    }
    const current = readMultibranch(found.config);
    const spec: MultibranchSpec = { repoUrl: settings.repoUrl(current.remotes[0]), credentialsId: settings.credentials ?? current.credentialsIds[0], scriptPath: path };
    const keepSource = keepsOwnSource(current);
    const notes = keepSource ? [`= ${job.subject} keeps its own branch source (${current.sourceClasses[0]}); mlgen owns only its script path`] : [];
    const differences = multibranchDifferences(current, spec);
    if (differences.length === 0) return { state: 'up to date', notes: [...notes, `= ${job.subject} is up to date (builds ${path})`] };
    return { state: 'changed', change: { action: 'update', details: differences, configXml: withMultibranchSource(found.configXml, found.config, spec, keepSource) }, notes };
  }
  if (!found?.config || found.configXml === undefined) {
    const spec: PipelineFromScm = { repoUrl: settings.repoUrl(undefined), credentialsId: settings.credentials, branch: settings.branch, scriptPath: path };
    const description = `Runs ${path} from ${spec.repoUrl}. Set up by \`mlgen sync jenkins\`; its definition is overwritten on the next sync.`;
    const details = [`runs ${path} from ${spec.repoUrl} branch ${settings.branch}${spec.credentialsId ? ` with credentials ${spec.credentialsId}` : ''}`];
    return { state: 'new', change: { action: 'create', details, configXml: newJobConfig(spec, description) }, notes: [] };
  }
  const current = readDefinition(found.config);
  const spec: PipelineFromScm = {
    repoUrl: settings.repoUrl(current.repoUrls[0]),
    credentialsId: settings.credentials ?? current.credentialsIds.find((c) => c !== ''),
    branch: settings.branch,
    scriptPath: path,
  };
  const differences = definitionDifferences(current, spec);
  if (differences.length === 0) return { state: 'up to date', notes: [`= ${job.subject} is up to date (runs ${path})`] };
  return { state: 'changed', change: { action: 'update', details: differences, configXml: withDefinition(found.configXml, found.config, spec) }, notes: [] };
}
