/**
 * Plan steps to a GitLab job's `script`. Every line of `script` runs in one shell, in order
 * (GitLab joins them into one script), so the venv step's `export` reaches every later step.
 * mlgen writes no `before_script` or `after_script`: `after_script` runs in a new shell that
 * has none of those exports. Uploads become `artifacts:paths`; downloads need nothing in the
 * script: the job lists the uploading job in `needs` with `artifacts: true` (see jobs.ts).
 */
import { shellWord } from '../../escape/shell.js';
import type { DriftVerdictStep, RegistryLoginStep, Runtime, Step } from '../../plan/index.js';
import { GITLAB_CI_PATH } from './model.js';

/**
 * Where the monitor job writes the configuration of the pipeline its verdict starts: an
 * artifact of the monitor job that the trigger job (`retrain-on-drift`) includes as a child.
 */
export const DRIFT_PIPELINE_PATH = '.mlgen/drift-pipeline.yml';
/** The one job of the child pipeline when the monitor reported no drift. */
export const NO_DRIFT_JOB = 'no-drift';

/** The secret pair (CI/CD variables) a registry login reads when the registry is not the project's own ($CI_REGISTRY): the plan's. */
export function registrySecrets(steps: readonly Step[]): string[] {
  return steps.flatMap((s) => (s.type === 'registry-login' ? [s.credentials.username, s.credentials.password] : []));
}

export interface PrintedSteps {
  script: string[];
  /** Paths of upload steps, for `artifacts:paths`. */
  uploads: string[];
  /** Jobs whose artifacts a download step asks for. */
  downloads: string[];
  /** Registries the steps log in to. */
  registries: string[];
}

/**
 * Puts the workspace virtualenv first on PATH for the rest of the script. `$PWD`, not
 * `$CI_PROJECT_DIR`: the venv step is the script's first, and the script starts in the
 * project directory on every executor (gitlab-ci-local's shell executor reports the docker
 * executor's CI_PROJECT_DIR, /builds/..., while it runs elsewhere).
 */
export function activate(dir: string): string {
  const bin = `"$PWD"/${shellWord(dir)}`;
  return `export VIRTUAL_ENV=${bin} PATH=${bin}/bin:"$PATH"`;
}

/**
 * GitLab's own registry takes the job's credentials; any other registry the plan's pair of
 * secrets (CI/CD variables, protected). Decided when the job runs,
 * because only the runner knows $CI_REGISTRY (registry.gitlab.com, or a self-managed host).
 */
export function registryLogin(step: RegistryLoginStep): string {
  const host = shellWord(step.registry);
  const { username, password } = step.credentials;
  // The password goes in on stdin through a here-document: never an argument, never echoed.
  return [
    `if [ "\${CI_REGISTRY:-}" = ${host} ]; then`,
    '  docker login --username "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY" <<MLGEN_PASSWORD',
    '$CI_REGISTRY_PASSWORD',
    'MLGEN_PASSWORD',
    'else',
    `  : "\${${password}:?set the CI/CD variables ${username} and ${password} to push to ${step.registry}}"`,
    `  docker login --username "$${username}" --password-stdin ${host} <<MLGEN_PASSWORD`,
    `$${password}`,
    'MLGEN_PASSWORD',
    'fi',
  ].join('\n');
}

/** Labels of GitHub's hosted runners mean "the platform's default runner": on GitLab, no tags. */
const HOSTED_LABEL = /^(ubuntu|windows|macos)-(latest|\d[\d.]*)(-\w+)?$/;
/**
 * GitHub puts `self-hosted` on every self-hosted runner by itself; a GitLab runner has only
 * the tags it was registered with, so the label would match no runner.
 */
const IMPLICIT_LABELS = new Set(['self-hosted']);

export function runnerTags(labels: string[]): string[] {
  return labels.filter((label) => !HOSTED_LABEL.test(label) && !IMPLICIT_LABELS.has(label));
}


/**
 * The child pipeline when the monitor reported no drift: one job that says so, on the monitor's
 * own runner and image (a runner that exists; an untagged job could wait forever). A JSON
 * document, which is YAML, built as an object and serialized.
 */
export function noDriftPipeline(step: DriftVerdictStep, runtime: Runtime): Record<string, unknown> {
  const tags = runnerTags(runtime.runner);
  const message = `mlgen: the monitor reported no drift in ${step.report}: nothing retrains`;
  return {
    [NO_DRIFT_JOB]: {
      stage: 'test',
      image: runtime.image ?? `python:${runtime.python}`,
      ...(tags.length > 0 ? { tags } : {}),
      timeout: '10m',
      script: [`echo ${shellWord(message)}`],
    },
  };
}

/**
 * GitLab decides a pipeline's jobs when it creates it, so the verdict chooses a child pipeline
 * instead (GitLab's dynamic child pipelines): on `true` the monitor hands on a copy of this very
 * file (whose retrain jobs the trigger's MLGEN_PIPELINE=retrain selects), on `false` the no-drift
 * pipeline. A missing or malformed report fails the job before anything is written.
 */
export function driftVerdict(step: DriftVerdictStep, runtime: Runtime): string {
  const out = shellWord(DRIFT_PIPELINE_PATH);
  const dir = DRIFT_PIPELINE_PATH.slice(0, DRIFT_PIPELINE_PATH.lastIndexOf('/'));
  return [
    `verdict=$(${step.run}) || exit 1`,
    `mkdir -p ${shellWord(dir)}`,
    'case "$verdict" in',
    `  true) echo 'mlgen: the monitor reported drift: the child pipeline retrains'; cp ${shellWord(GITLAB_CI_PATH)} ${out} ;;`,
    `  false) echo 'mlgen: the monitor reported no drift'; printf '%s\\n' ${shellWord(JSON.stringify(noDriftPipeline(step, runtime)))} > ${out} ;;`,
    `  *) echo "mlgen: the drift verdict is neither true nor false: $verdict" >&2; exit 1 ;;`,
    'esac',
  ].join('\n');
}

export interface PrintOptions {
  /** The job's runtime: the drift verdict's no-drift pipeline runs on it. */
  runtime?: Runtime;
}

export function printSteps(steps: readonly Step[], options: PrintOptions = {}): PrintedSteps {
  const printed: PrintedSteps = { script: [], uploads: [], downloads: [], registries: [] };
  for (const step of steps) {
    switch (step.type) {
      case 'venv':
        printed.script.push(step.run, activate(step.dir));
        break;
      case 'shell':
        printed.script.push(step.run);
        break;
      case 'download':
        if (!printed.downloads.includes(step.from)) printed.downloads.push(step.from);
        break;
      case 'upload':
        printed.uploads.push(...step.paths);
        break;
      case 'soak':
        printed.script.push(`sleep ${step.seconds}`);
        break;
      case 'registry-login':
        printed.registries.push(step.registry);
        printed.script.push(registryLogin(step));
        break;
      case 'drift-verdict':
        if (!options.runtime) throw new Error(`the drift verdict "${step.label}" prints only within its job (its runtime is needed)`);
        printed.script.push(driftVerdict(step, options.runtime));
        printed.uploads.push(DRIFT_PIPELINE_PATH);
        break;
      default: {
        const unknown: never = step;
        throw new Error(`unknown step ${JSON.stringify(unknown)}`);
      }
    }
  }
  return printed;
}
