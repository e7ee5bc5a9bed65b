/**
 * The steps of each kind of job: the one place that turns manifest sections into commands.
 * Targets print these steps; none of them builds a job's commands from its kind.
 */
import { GATE_SCRIPT_PATH } from '../gate/index.js';
import { shellWord } from '../escape/shell.js';
import type { DownloadStep, RegistryLoginStep, ShellStep, Step, StepRole, UploadStep, VenvStep } from './types.js';

export const LABELS = {
  venv: 'Create the virtualenv',
  install: 'Install',
  pullData: 'Pull data',
  run: 'Run',
  train: 'Train',
  upload: 'Upload artifacts',
  download: 'Download artifacts',
  fetchBaseline: 'Fetch baseline',
  gate: 'Check metric gates',
  login: 'Log in to the registry',
  build: 'Build image',
  push: 'Push image',
  register: 'Register model',
  deploy: 'Deploy',
  smoke: 'Smoke test',
  shift: 'Shift traffic',
  soak: 'Soak',
  analysis: 'Analyse canary',
  rollback: 'Roll back',
  predict: 'Predict',
  monitor: 'Check drift',
  notify: 'Notify',
} as const;

export function shell(role: StepRole, label: string, run: string, secrets: string[], own = false): ShellStep {
  return { type: 'shell', role, label, run, own, secrets };
}

/**
 * A virtualenv in the workspace: pip then installs as whatever user the job runs as (Azure
 * containers and Jenkins docker agents are not root) and never meets PEP 668 on a Debian host.
 * `--clear` is not used: a cached or reused workspace keeps what it installed.
 */
export function venvStep(dir: string): VenvStep {
  const d = shellWord(dir);
  return { type: 'venv', label: LABELS.venv, dir, run: `[ -x ${d}/bin/python ] || python3 -m venv ${d}` };
}

export function installSteps(install: string[]): ShellStep[] {
  // Install sees no secrets: a package's build script runs arbitrary code.
  return install.map((command, i) => shell('install', install.length > 1 ? `${LABELS.install} (${i + 1}/${install.length})` : LABELS.install, command, []));
}

/** The steps every installing job starts with. */
export function setupSteps(venv: string | undefined, install: string[]): Step[] {
  return venv ? [venvStep(venv), ...installSteps(install)] : [];
}

export function downloadStep(from: string, paths: string[]): DownloadStep {
  return { type: 'download', label: LABELS.download, from, paths: [...paths] };
}

export function uploadStep(name: string, paths: string[]): UploadStep {
  return { type: 'upload', label: LABELS.upload, name, paths: [...paths] };
}

export function gateStep(secrets: string[]): ShellStep {
  return shell('gate', LABELS.gate, `python3 ${GATE_SCRIPT_PATH}`, secrets, true);
}

export function imageBuild(dockerfile: string): ShellStep {
  return shell('image-build', LABELS.build, `docker build -f ${shellWord(dockerfile)} -t "$MLGEN_IMAGE" .`, [], true);
}

export function imagePush(): ShellStep {
  return shell('image-push', LABELS.push, 'docker push "$MLGEN_IMAGE"', [], true);
}

/** The secrets (and the one stored credential) a push to another registry logs in with, on every target. */
export const REGISTRY_USERNAME = 'REGISTRY_USERNAME';
export const REGISTRY_PASSWORD = 'REGISTRY_PASSWORD';

export function registryLoginStep(image: string, project: string): RegistryLoginStep {
  return {
    type: 'registry-login',
    label: LABELS.login,
    registry: registryOf(image),
    credentials: { username: REGISTRY_USERNAME, password: REGISTRY_PASSWORD, id: `${project}-registry` },
  };
}

/** The registry an image reference names: its first component when that is a host, else Docker Hub. */
export function registryOf(image: string): string {
  const [first, ...rest] = image.split('/');
  return rest.length > 0 && first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}
