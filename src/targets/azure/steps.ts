/**
 * Steps: the plan's steps printed as Azure steps. Every piece of manifest text that reaches a
 * step goes through `Steps.protect` (src/escape/azure.ts) and is otherwise embedded verbatim;
 * each shell step sees only the secrets the plan gives it, mapped into its `env` by name.
 */
import { DOLLAR_PAREN, macro, protectMacros } from '../../escape/azure.js';
import { shellWord } from '../../escape/shell.js';
import type { CacheKind, GateReport, Plan, PlanJob, Runtime, Step as PlanStep } from '../../plan/index.js';
import { DRIFT_OUTPUT, VERDICT_STEP } from './conditions.js';
import { dockerRunLine, imageRunOf, STEP_VARIABLE, type ImageRun } from './image-run.js';
import type { Container, Pool, Step } from './model.js';

/** The pool self-hosted agents join unless an override names another. Every organization has it. */
export const SELF_HOSTED_POOL = 'Default';

/** Where `checkout: self` puts a single repository, in build and deployment jobs alike. */
const SOURCES = '$(Build.SourcesDirectory)';

/**
 * Runner labels to a pool. A hosted label (the plan's `hosted`) is a Microsoft-hosted `vmImage`.
 * Other labels mean self-hosted agents: each label but `self-hosted` becomes a demand (an
 * agent capability that must exist), in the `Default` pool.
 */
export function poolFor(runtime: Pick<Runtime, 'runner' | 'hosted'>): Pool {
  const [only] = runtime.runner;
  if (runtime.runner.length === 0) return { vmImage: 'ubuntu-latest' };
  if (runtime.hosted && only !== undefined) return { vmImage: only };
  const demands = runtime.runner.filter((label) => label !== 'self-hosted');
  return demands.length > 0 ? { name: SELF_HOSTED_POOL, demands } : { name: SELF_HOSTED_POOL };
}

/**
 * The job's container. GPU jobs get the machine's GPUs through docker's own option: Azure
 * passes `options` to `docker create` (https://learn.microsoft.com/azure/devops/pipelines/process/container-phases#options).
 */
export function containerFor(runtime: Runtime): Container | undefined {
  // An image Azure cannot run as a container job runs through docker run instead (image-run.ts).
  if (!runtime.image || imageRunOf(runtime)) return undefined;
  return runtime.gpu ? { image: runtime.image, options: '--gpus all' } : runtime.image;
}

/** Files whose change should refresh a cache. The pipeline file always exists, and Cache@2 fails when a key's patterns match nothing. */
const PIP_KEY_FILES = '**/requirements*.txt, **/pyproject.toml, **/setup.py, **/setup.cfg, azure-pipelines.yml';
const DVC_KEY_FILES = '**/dvc.lock, **/*.dvc, azure-pipelines.yml';

/** The caches a job restores: the plan gives each job only those it uses. */
export function cachesOf(job: PlanJob): CacheKind[] {
  return job.runtime.caches;
}

/** `set -e` before a multi-line script: the Bash task runs without it. */
const withSetE = (run: string): string => (run.includes('\n') ? `set -e\n${run}` : run);

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
   * A shell step: a multi-line command gets `set -e`, as GitHub's and GitLab's shells have.
   * In a job whose image Azure cannot make a container job, the script runs in the image
   * (image-run.ts) and reaches it as MLGEN_STEP.
   */
  bash(run: string, displayName: string, secrets: readonly string[] = [], env: Record<string, string> = {}, image?: ImageRun): Step {
    const script = withSetE(run);
    // Azure never puts secret variables into a script's environment by itself: each is mapped here, by name
    // (https://learn.microsoft.com/azure/devops/pipelines/process/set-secret-variables#use-a-secret-variable-in-the-ui).
    const allEnv = { ...Object.fromEntries(secrets.map((name) => [name, macro(name)])), ...env };
    if (image) {
      const line = dockerRunLine(image, Object.keys(allEnv));
      return { bash: this.protect(line), displayName, env: { ...allEnv, [STEP_VARIABLE]: this.protect(script) } };
    }
    return Object.keys(allEnv).length > 0 ? { bash: this.protect(script), displayName, env: allEnv } : { bash: this.protect(script), displayName };
  }

  /** Checkout and Python for an agent job: the start of every job that runs plan steps. */
  prelude(runtime: Runtime): Step[] {
    // New pipelines fetch one commit by default; DVC and the diff need history.
    const checkout: Step = runtime.git ? { checkout: 'self', fetchDepth: 0 } : { checkout: 'self' };
    const python: Step[] = runtime.image ? [] : [{ task: 'UsePythonVersion@0', displayName: `Use Python ${runtime.python}`, inputs: { versionSpec: runtime.python } }];
    return [checkout, ...python];
  }

  caches(job: PlanJob): Step[] {
    return cachesOf(job).map((kind) =>
      kind === 'pip'
        ? { task: 'Cache@2', displayName: 'Cache pip downloads', inputs: { key: `pip | "$(Agent.OS)" | "${job.runtime.python}" | ${PIP_KEY_FILES}`, restoreKeys: `pip | "$(Agent.OS)" | "${job.runtime.python}"`, path: '$(PIP_CACHE_DIR)' } }
        : { task: 'Cache@2', displayName: 'Cache DVC data', inputs: { key: `dvc | "$(Agent.OS)" | ${DVC_KEY_FILES}`, restoreKeys: 'dvc | "$(Agent.OS)"', path: '.dvc/cache' } },
    );
  }

  /**
   * The gate's report (plan `job.report`), after the gate, also when it failed: the JUnit file
   * into the run's Tests tab, the Markdown as a summary tab of the run (logging command
   * task.uploadsummary takes an absolute path; `$PWD` is the sources directory as the step sees it).
   */
  report(report: GateReport): Step[] {
    const markdown = shellWord(report.markdown);
    return [
      {
        task: 'PublishTestResults@2',
        displayName: 'Publish the gate report',
        condition: 'succeededOrFailed()',
        inputs: { testResultsFormat: 'JUnit', testResultsFiles: this.protect(report.junit), testRunTitle: 'mlgen gate', failTaskOnMissingResultsFile: false },
      },
      {
        bash: this.protect(`if [ -f ${markdown} ]; then echo "##vso[task.uploadsummary]$PWD/"${markdown}; else echo "no gate report: the gate did not run"; fi`),
        displayName: 'Show the gate report',
        condition: 'succeededOrFailed()',
      },
    ];
  }

  /**
   * The plan's steps, in order. `env` goes onto every shell step (the canary's percent);
   * `image` when the job's image runs through docker run (image-run.ts).
   */
  print(steps: readonly PlanStep[], env: Record<string, string> = {}, image?: ImageRun): Step[] {
    return steps.flatMap((step) => this.one(step, env, image));
  }

  private one(step: PlanStep, env: Record<string, string>, image: ImageRun | undefined): Step[] {
    switch (step.type) {
      case 'shell':
        return [this.bash(step.run, step.label, step.secrets, env, image)];
      case 'venv': {
        // Later steps see the venv first on PATH and VIRTUAL_ENV set, through the agent's logging commands
        // (https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands#prependpath). `$PWD` is
        // the sources directory as the step sees it, inside a container job too. The Bash task runs
        // without -e: set -e keeps a venv that could not be made from passing as made.
        const dir = shellWord(step.dir);
        const logging = [`venv="$PWD"/${dir}`, 'echo "##vso[task.prependpath]$venv/bin"', 'echo "##vso[task.setvariable variable=VIRTUAL_ENV]$venv"'];
        if (image) return [{ bash: this.protect(['set -e', dockerRunLine(image, []), ...logging].join('\n')), displayName: step.label, env: { [STEP_VARIABLE]: this.protect(step.run) } }];
        return [{ bash: this.protect(['set -e', step.run, ...logging].join('\n')), displayName: step.label }];
      }
      case 'download':
        return [{ task: 'DownloadPipelineArtifact@2', displayName: step.label, inputs: { buildType: 'current', artifactName: step.from, targetPath: SOURCES } }];
      case 'upload': {
        const staging = `$(Build.ArtifactStagingDirectory)/${step.name}`;
        // CopyFiles matches files: a directory needs `dir/**`, and a path without a slash may be either.
        const patterns = step.paths.flatMap((p) => (p.endsWith('/') ? [`${p}**`] : [p, `${p}/**`]));
        return [
          { task: 'CopyFiles@2', displayName: 'Collect artifacts', inputs: { SourceFolder: SOURCES, Contents: this.protect(patterns.join('\n')), TargetFolder: staging } },
          { publish: staging, artifact: step.name, displayName: step.label },
        ];
      }
      case 'soak':
        // In an agent job (a canary with an analysis after the soak): see jobs.ts for why it cannot be agentless there.
        return [{ bash: `sleep ${step.seconds}`, displayName: step.label }];
      case 'registry-login':
        // Docker@2 logs in through a Docker Registry service connection: the plan's stored credential
        // (https://learn.microsoft.com/azure/devops/pipelines/tasks/reference/docker-v2#login).
        return [{ task: 'Docker@2', displayName: step.label, inputs: { command: 'login', containerRegistry: step.credentials.id } }];
      case 'drift-verdict': {
        // The verdict as the step's output variable `drift`, which later stages read as
        // dependencies.<stage>.outputs['<job>.<step>.drift'] (https://learn.microsoft.com/azure/devops/pipelines/process/set-variables-scripts#set-an-output-variable-for-use-in-future-stages).
        // The Bash task runs without -e: a missing or malformed report must fail the step here.
        const inner = image ? dockerRunLine(image, []) : step.run;
        const run = [`verdict=$(${inner}) || exit 1`, 'echo "Drift reported: $verdict"', `echo "##vso[task.setvariable variable=${DRIFT_OUTPUT};isoutput=true]$verdict"`].join('\n');
        if (image) return [{ bash: this.protect(run), displayName: step.label, name: VERDICT_STEP, env: { [STEP_VARIABLE]: this.protect(step.run) } }];
        return [{ bash: this.protect(run), displayName: step.label, name: VERDICT_STEP }];
      }
      default: {
        const unknown: never = step;
        throw new Error(`unknown step ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** The variable protectMacros relies on, when any text needed it. */
  dollarParenVariable(): Record<string, string> {
    return this.usesDollarParen ? { [DOLLAR_PAREN]: '$(' } : {};
  }

  /** Every registry the plan logs in to natively, with the service connection each needs. */
  registries(): { registry: string; connection: string }[] {
    const all = this.plan.jobs.flatMap((j) => j.steps.flatMap((s) => (s.type === 'registry-login' ? [`${s.credentials.id}\n${s.registry}`] : [])));
    return [...new Set(all)].map((key) => {
      const [connection, registry] = key.split('\n') as [string, string];
      return { registry, connection };
    });
  }
}
