/**
 * Plan steps to a GitLab job's `script`. Every line of `script` runs in one shell, in order
 * (GitLab joins them into one script), so the venv step's `export` reaches every later step.
 * mlgen writes no `before_script` or `after_script`: `after_script` runs in a new shell that
 * has none of those exports. Uploads become `artifacts:paths`; downloads need nothing in the
 * script: the job lists the uploading job in `needs` with `artifacts: true` (see jobs.ts).
 */
import { shellWord } from '../../escape/shell.js';
import type { RegistryLoginStep, Step } from '../../plan/index.js';

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

export function printSteps(steps: readonly Step[]): PrintedSteps {
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
        throw new Error('TODO(monitor): this target does not print the drift verdict yet');
      default: {
        const unknown: never = step;
        throw new Error(`unknown step ${JSON.stringify(unknown)}`);
      }
    }
  }
  return printed;
}
