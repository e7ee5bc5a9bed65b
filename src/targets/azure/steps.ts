/**
 * Steps: how one plan job becomes Azure steps. Every piece of manifest text that reaches a
 * step input goes through `Steps.protect` (see escape.ts) and is otherwise embedded verbatim.
 */
import type { Plan, PlanJob, Runtime } from '../../plan/index.js';
import { DOLLAR_PAREN, protectMacros, shellWord } from './escape.js';
import type { Pool, Step } from './model.js';

/** Microsoft-hosted image labels; anything else runs on self-hosted agents. */
const HOSTED_IMAGE = /^(ubuntu|windows|macos)-(latest|\d+(\.\d+)?)$/i;

/** The pool self-hosted agents join unless an override names another. Every organization has it. */
export const SELF_HOSTED_POOL = 'Default';

/**
 * Runner labels to a pool. One Microsoft-hosted label (`ubuntu-latest`) is a `vmImage`.
 * Other labels mean self-hosted agents: each label but `self-hosted` becomes a demand (an
 * agent capability that must exist), in the `Default` pool.
 */
export function poolFor(runner: readonly string[]): Pool {
  const [only] = runner;
  if (runner.length === 0) return { vmImage: 'ubuntu-latest' };
  if (runner.length === 1 && only !== undefined && HOSTED_IMAGE.test(only)) return { vmImage: only };
  const demands = runner.filter((label) => label !== 'self-hosted');
  return demands.length > 0 ? { name: SELF_HOSTED_POOL, demands } : { name: SELF_HOSTED_POOL };
}

/** Files whose change should refresh a cache. The pipeline file always exists, and Cache@2 fails when a key's patterns match nothing. */
const PIP_KEY_FILES = '**/requirements*.txt, **/pyproject.toml, **/setup.py, **/setup.cfg, azure-pipelines.yml';
const DVC_KEY_FILES = '**/dvc.lock, **/*.dvc, azure-pipelines.yml';

export class Steps {
  /** Set once any text needed protecting: the pipeline then defines DOLLAR_PAREN. */
  usesDollarParen = false;

  constructor(private readonly plan: Plan) {}

  protect(text: string): string {
    const safe = protectMacros(text);
    if (safe !== text) this.usesDollarParen = true;
    return safe;
  }

  /**
   * A manifest command as a bash step, with every secret mapped in by name. A multi-line
   * command gets `set -e`, as GitHub's and GitLab's shells have, so a failing line fails it.
   */
  command(command: string, displayName: string, env: Record<string, string> = {}): Step {
    const script = command.includes('\n') ? `set -e\n${command}` : command;
    const secrets = Object.fromEntries(this.plan.secrets.map((name) => [name, `$(${name})`]));
    const allEnv = { ...secrets, ...env };
    return Object.keys(allEnv).length > 0
      ? { bash: this.protect(script), displayName, env: allEnv }
      : { bash: this.protect(script), displayName };
  }

  /** Checkout, Python, caches, artifacts of earlier jobs, install and data pull. */
  setup(job: PlanJob): Step[] {
    const steps: Step[] = [{ checkout: 'self' }, ...this.runtime(job.runtime)];
    const { caches } = job.setup;
    if (caches.includes('pip')) {
      steps.push({
        task: 'Cache@2',
        displayName: 'Cache pip downloads',
        inputs: { key: `pip | "$(Agent.OS)" | "${job.runtime.python}" | ${PIP_KEY_FILES}`, restoreKeys: `pip | "$(Agent.OS)" | "${job.runtime.python}"`, path: '$(PIP_CACHE_DIR)' },
      });
    }
    if (caches.includes('dvc')) {
      steps.push({
        task: 'Cache@2',
        displayName: 'Cache DVC data',
        inputs: { key: `dvc | "$(Agent.OS)" | ${DVC_KEY_FILES}`, restoreKeys: 'dvc | "$(Agent.OS)"', path: '.dvc/cache' },
      });
    }
    for (const id of job.setup.downloads.filter((d) => this.publishes(d))) {
      steps.push({
        task: 'DownloadPipelineArtifact@2',
        displayName: `Download ${id} artifacts`,
        inputs: { buildType: 'current', artifactName: id, targetPath: '$(System.DefaultWorkingDirectory)' },
      });
    }
    job.setup.install.forEach((install, i, all) => steps.push(this.command(install, all.length > 1 ? `Install (${i + 1}/${all.length})` : 'Install')));
    if (job.setup.pullData) steps.push(this.command(job.setup.pullData, 'Pull data'));
    return steps;
  }

  /** A deployment job checks out nothing and downloads every artifact unless told otherwise. */
  deploySetup(job: PlanJob): Step[] {
    const steps = this.setup(job);
    return job.setup.downloads.some((d) => this.publishes(d)) ? steps : [{ download: 'none' }, ...steps];
  }

  /** The hosted Python for jobs without a container image; an image brings its own. */
  runtime(runtime: Runtime): Step[] {
    if (runtime.image) return [];
    return [{ task: 'UsePythonVersion@0', displayName: `Use Python ${runtime.python}`, inputs: { versionSpec: runtime.python } }];
  }

  /** Whether a job publishes an artifact (train with artifacts). */
  publishes(jobId: string): boolean {
    const job = this.plan.jobs.find((j) => j.id === jobId);
    return job?.kind === 'train' && job.artifacts.length > 0;
  }

  /** Copies the train artifacts, keeping their paths, and publishes them as one artifact named after the job. */
  publish(jobId: string, paths: readonly string[]): Step[] {
    const staging = `$(Build.ArtifactStagingDirectory)/${jobId}`;
    // CopyFiles matches files: a directory needs `dir/**`, and a path without a slash may be either.
    const patterns = paths.flatMap((p) => (p.endsWith('/') ? [`${p}**`] : [p, `${p}/**`]));
    return [
      {
        task: 'CopyFiles@2',
        displayName: 'Collect artifacts',
        inputs: { SourceFolder: '$(System.DefaultWorkingDirectory)', Contents: this.protect(patterns.join('\n')), TargetFolder: staging },
      },
      { publish: staging, artifact: jobId, displayName: 'Publish artifacts' },
    ];
  }

  /** The job's own commands, after setup (agent jobs and the runOnce deploy hook). */
  ownCommands(job: PlanJob): Step[] {
    switch (job.kind) {
      case 'check':
      case 'data-test':
      case 'predict':
        return [this.command(job.run, 'Run')];
      case 'train':
        return [this.command(job.run, 'Train'), ...(job.artifacts.length > 0 ? this.publish(job.id, job.artifacts) : [])];
      case 'evaluate':
        return [...(job.fetchBaseline ? [this.command(job.fetchBaseline, 'Fetch baseline metrics')] : []), this.command(job.run, 'Check metric gates')];
      case 'package': {
        const steps: Step[] = [];
        if (job.login) steps.push(this.command(job.login, 'Registry login'));
        if (job.image) {
          steps.push(this.command(`docker build -f ${shellWord(job.dockerfile)} -t "$MLGEN_IMAGE" .`, 'Build image'));
          steps.push(this.command('docker push "$MLGEN_IMAGE"', 'Push image'));
        }
        if (job.register) steps.push(this.command(job.register, 'Register model'));
        return steps;
      }
      case 'staging':
        return [this.command(job.run, 'Deploy'), ...(job.smoke ? [this.command(job.smoke, 'Smoke test')] : [])];
      case 'production':
        return [this.command(job.run, 'Deploy')];
      case 'canary':
        return [this.command(job.run, 'Deploy')];
      default: {
        const unknown: never = job;
        throw new Error(`unknown job kind ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The variable protectMacros relies on, when any text needed it. */
  dollarParenVariable(): Record<string, string> {
    return this.usesDollarParen ? { [DOLLAR_PAREN]: '$(' } : {};
  }
}
