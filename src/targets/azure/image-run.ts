/**
 * Images Azure cannot run as a container job, and how their steps run instead.
 *
 * An Azure container job runs every step inside the container through the agent's Node.js, so
 * the image must be glibc-based and have bash ("Linux-based containers have the following
 * requirements", https://learn.microsoft.com/azure/devops/pipelines/process/container-phases#linux-based-containers).
 * Alpine images (musl) and BusyBox fail there before the first step; Alpine is what deploy
 * tool images usually are (alpine/k8s, the contract's example). For those, the job runs on the
 * agent and each shell step runs in the image with `docker run`, as a GitLab or Jenkins job in
 * that image would: the sources directory mounted at the same path and the working directory,
 * the agent's user (files it writes stay the agent's), the image's entrypoint replaced by `sh`,
 * and only the variables the job has passed by name (`--env NAME` copies the step's value;
 * an unset name passes nothing: https://docs.docker.com/reference/cli/docker/container/run/#env).
 */
import { shellWord } from '../../escape/shell.js';
import type { Runtime } from '../../plan/index.js';

/** Alpine (musl) or BusyBox by the reference's repository or tag: `alpine/k8s:1.31.2`, `python:3.12-alpine`, `busybox`. */
const NOT_A_CONTAINER_JOB = /(^|[/:._-])(alpine|busybox)([/:._-]|\d|$)/;

/** The step's script reaches the container through this variable, so no quoting can break it. */
export const STEP_VARIABLE = 'MLGEN_STEP';

/** Variables every Azure job of mlgen's has at the root (render.ts variablesFor), passed when set. */
const ROOT_NAMES = ['MLGEN_VERSION', 'MLGEN_MODEL_VERSION', 'MLGEN_IMAGE', 'MLGEN_PIPELINE', 'MLGEN_TRAIN_MODE'];

/** The image a job's steps run in through `docker run`, when Azure cannot make it a container job. */
export function imageRunOf(runtime: Runtime): string | undefined {
  const image = runtime.image;
  if (!image) return undefined;
  const withoutRegistry = image.includes('/') && /[.:]|^localhost$/.test(image.split('/')[0]!) ? image.slice(image.indexOf('/') + 1) : image;
  return NOT_A_CONTAINER_JOB.test(withoutRegistry.toLowerCase()) ? image : undefined;
}

export interface ImageRun {
  image: string;
  gpu: boolean;
  /** The names the job's steps may read: the job's env, the root variables, the step's own. */
  names: readonly string[];
  /** The workspace virtualenv, when the job has one: its bin goes first on PATH inside. */
  venv: boolean;
}

export function imageRunFor(runtime: Runtime, jobEnv: Record<string, string>): ImageRun | undefined {
  const image = imageRunOf(runtime);
  if (!image) return undefined;
  return { image, gpu: runtime.gpu, names: [...new Set([...ROOT_NAMES, ...Object.keys(jobEnv)])], venv: runtime.venv !== undefined };
}

/**
 * The bash line that runs `$MLGEN_STEP` in the image; the caller puts the script into the
 * step's env as MLGEN_STEP. `extraNames` are the step's secrets and own variables.
 */
export function dockerRunLine(run: ImageRun, extraNames: readonly string[]): string {
  const names = [...new Set([...run.names, ...extraNames, ...(run.venv ? ['VIRTUAL_ENV'] : []), STEP_VARIABLE])];
  // VIRTUAL_ENV is the venv step's (logging command setvariable); its bin goes first on PATH in the image.
  const inner = run.venv ? `if [ -n "\${VIRTUAL_ENV:-}" ]; then PATH="$VIRTUAL_ENV/bin:$PATH"; export PATH; fi; eval "$${STEP_VARIABLE}"` : `eval "$${STEP_VARIABLE}"`;
  return [
    'docker run --rm',
    ...(run.gpu ? ['--gpus all'] : []),
    '--entrypoint sh',
    '--user "$(id -u):$(id -g)"',
    '--volume "$PWD:$PWD"',
    '--workdir "$PWD"',
    '--env HOME=/tmp',
    ...names.map((name) => `--env ${name}`),
    shellWord(run.image),
    '-c',
    shellWord(inner),
  ].join(' ');
}
