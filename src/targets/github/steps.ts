/**
 * Steps: the plan's steps printed as GitHub steps, and what GitHub needs before them (git in
 * a container, the checkout, Python on the host, caches). Each manifest command sees only its
 * own step's secrets, as step `env:`; no script holds an expression.
 */
import { shellWord } from '../../escape/shell.js';
import { literal, secretRef, template } from '../../escape/github.js';
import type { CacheKind, PlanJob, Runtime, Step as PlanStep } from '../../plan/index.js';
import type { Step } from './model.js';
import { registryCredentials } from './registry.js';

/** One plan step as a GitHub step. */
export function printStep(step: PlanStep): Step {
  switch (step.type) {
    case 'shell':
      return step.secrets.length > 0 ? { name: step.label, run: step.run, env: secretEnv(step.secrets) } : { name: step.label, run: step.run };
    case 'venv':
      return { name: step.label, run: venvScript(step.run, step.dir) };
    case 'download':
      return { name: step.label, uses: 'downloadArtifact', with: { name: step.from, path: literal(artifactRoot(step.paths)) } };
    case 'upload':
      return { name: step.label, uses: 'uploadArtifact', with: { name: step.name, path: step.paths.map(literal).join('\n'), 'if-no-files-found': 'error' } };
    case 'soak':
      return { name: step.label, run: `sleep ${step.seconds}` };
    case 'registry-login': {
      const { username, password } = registryCredentials(step);
      return { name: step.label, uses: 'dockerLogin', with: { registry: literal(step.registry), username, password } };
    }
    case 'drift-verdict':
      return { name: step.label, id: DRIFT_STEP_ID, run: driftVerdictScript(step.run) };
    default: {
      const unknown: never = step;
      throw new Error(`unknown step ${JSON.stringify(unknown)}`);
    }
  }
}

/** The id of the step that publishes the monitor's verdict; the job's output `drift` reads it. */
export const DRIFT_STEP_ID = 'verdict';

/**
 * The verdict into $GITHUB_OUTPUT. Captured into a variable first: under GitHub's `bash -e` an
 * assignment fails with its command substitution, so a missing or malformed report fails the
 * step (a bare `echo "drift=$(…)"` would publish an empty verdict and pass).
 */
function driftVerdictScript(run: string): string {
  return [`drift=$(${run})`, 'echo "drift=$drift" >> "$GITHUB_OUTPUT"', 'echo "drift reported: $drift"'].join('\n');
}

/**
 * On drift, the monitor starts the retrain workflow with GitHub's own trigger: the REST call
 * "create a workflow dispatch event" (POST /repos/{owner}/{repo}/actions/workflows/{file}/dispatches,
 * answered 204; https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event),
 * with the job's GITHUB_TOKEN, which may start workflow_dispatch runs
 * (https://docs.github.com/actions/security-for-github-actions/security-guides/automatic-token-authentication).
 * `python3` alone (the monitor's runtime has Python, maybe not curl or gh); the API address
 * is the run's own (GITHUB_API_URL: github.com or a GitHub Enterprise Server).
 * The monitor workflow does not hold the retrain jobs itself: a run that may deploy takes the
 * deploy lock at workflow level for its whole length, so an hourly monitor in that group would
 * hold it while it only checks, and each new one would cancel a release run waiting for it.
 */
export function dispatchRetrainStep(workflow: string, mode: string): Step {
  const script = [
    "python3 - <<'EOF'",
    'import json, os, sys, urllib.error, urllib.request',
    `workflow, mode, ref = ${pythonString(workflow)}, ${pythonString(mode)}, os.environ["GITHUB_REF_NAME"]`,
    'url = "%s/repos/%s/actions/workflows/%s/dispatches" % (os.environ["GITHUB_API_URL"], os.environ["GITHUB_REPOSITORY"], workflow)',
    'body = json.dumps({"ref": ref, "inputs": {"mode": mode}}).encode()',
    'headers = {"Authorization": "Bearer " + os.environ["GH_TOKEN"], "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json"}',
    'try:',
    '    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers, method="POST"), timeout=60) as response:',
    '        status = response.status',
    'except urllib.error.HTTPError as error:',
    '    sys.exit("mlgen: GitHub refused to start %s (HTTP %d): the monitor job needs permissions: actions: write" % (workflow, error.code))',
    'except urllib.error.URLError as error:',
    '    sys.exit("mlgen: could not reach %s to start %s: %s" % (os.environ["GITHUB_API_URL"], workflow, error.reason))',
    'print("mlgen: drift reported: started %s in mode %s on %s (HTTP %d)" % (workflow, mode, ref, status))',
    'EOF',
  ].join('\n');
  return { name: 'Start the drift retrain', if: `steps.${DRIFT_STEP_ID}.outputs.drift == 'true'`, env: { GH_TOKEN: '${{ github.token }}' }, run: script };
}

/** A Python string literal for a name mlgen chose (a workflow file, a mode): JSON's quoting is Python's. */
function pythonString(text: string): string {
  return JSON.stringify(text);
}

function secretEnv(names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, secretRef(name)]));
}

/**
 * The plan's venv command, then its `bin` first on PATH and VIRTUAL_ENV for every later step
 * of the job (GitHub reads $GITHUB_PATH and $GITHUB_ENV between steps, in containers too).
 */
function venvScript(create: string, dir: string): string {
  const path = `"$GITHUB_WORKSPACE"/${shellWord(dir)}`;
  return [create, `echo ${path}/bin >> "$GITHUB_PATH"`, `echo VIRTUAL_ENV=${path} >> "$GITHUB_ENV"`].join('\n');
}

export function checkoutStep(extra: Record<string, string | number | boolean> = {}): Step {
  // The token stays out of .git/config: nothing after checkout needs to push.
  return { name: 'Check out', uses: 'checkout', with: { 'persist-credentials': false, ...extra } };
}

/**
 * actions/checkout falls back to a REST tarball (no .git) when the container has no git, and
 * DVC then fails. The job keeps its image (its tools are there), so git is installed into it
 * first with whatever package manager the image has; an image that cannot install it fails
 * here, saying so, instead of later in `dvc pull`.
 */
const INSTALL_GIT = [
  'if command -v git >/dev/null 2>&1; then exit 0; fi',
  'if command -v apt-get >/dev/null 2>&1; then apt-get update -qq && apt-get install -y -qq --no-install-recommends git ca-certificates',
  'elif command -v apk >/dev/null 2>&1; then apk add --no-cache git',
  'elif command -v dnf >/dev/null 2>&1; then dnf install -y git',
  'elif command -v microdnf >/dev/null 2>&1; then microdnf install -y git',
  'elif command -v yum >/dev/null 2>&1; then yum install -y git',
  'else echo "::error::this job needs git (DVC reads the repository) and the image has no package manager mlgen knows: use an image with git"; exit 1',
  'fi',
].join('\n');

/** What a job needs before its plan steps: git and the checkout, Python on the host, its caches. */
export function preludeSteps(job: Pick<PlanJob, 'id' | 'steps' | 'runtime'>, caches: CacheKind[], inContainer: boolean): Step[] {
  const steps: Step[] = [];
  if (inContainer && job.runtime.git) steps.push({ name: 'Install git', run: INSTALL_GIT });
  // History too: the plan's git jobs read the repository (DVC) or diff it.
  steps.push(checkoutStep(job.runtime.git ? { 'fetch-depth': 0 } : {}));
  // In a container the image brings its own Python (setup-python's builds target the runner's OS).
  if (!inContainer) steps.push(setupPython(job.runtime));
  steps.push(...cacheSteps(job.id, job.steps, caches));
  return steps;
}

export function setupPython(runtime: Runtime): Step {
  // No `cache: pip`: setup-python fails when no requirements file or pyproject exists; the
  // pip cache is actions/cache below, which only warns.
  return { name: 'Set up Python', uses: 'setupPython', with: { 'python-version': runtime.python } };
}

const PIP_FILES = ['**/requirements*.txt', '**/pyproject.toml', '**/setup.cfg', '**/setup.py'];
const DVC_FILES = ['**/dvc.lock', '**/*.dvc'];

/**
 * A key that changes with the files it depends on; with none of them, the run's commit (a
 * constant key would be saved once and never refreshed). Each job has its own key so parallel
 * jobs never race to save one, and restores the newest of its own, then anyone's.
 */
function cacheStep(kind: CacheKind, jobId: string, path: string, files: string[]): Step {
  const hash = `hashFiles(${files.map((f) => `'${f}'`).join(', ')}) || github.sha`;
  const prefix = `${kind}-${template('runner.os')}-`;
  return {
    name: kind === 'pip' ? 'Cache pip' : 'Cache DVC',
    uses: 'cache',
    with: { path, key: `${prefix}${jobId}-${template(hash)}`, 'restore-keys': `${prefix}${jobId}-\n${prefix}` },
  };
}

/** Only the caches a job uses: pip where it installs, DVC where it pulls data. */
function cacheSteps(jobId: string, steps: PlanStep[], caches: CacheKind[]): Step[] {
  const out: Step[] = [];
  const installs = steps.some((s) => s.type === 'shell' && s.role === 'install');
  const pulls = steps.some((s) => s.type === 'shell' && s.role === 'pull-data');
  if (caches.includes('pip') && installs) out.push(cacheStep('pip', jobId, '~/.cache/pip', PIP_FILES));
  if (caches.includes('dvc') && pulls) out.push(cacheStep('dvc', jobId, '.dvc/cache', DVC_FILES));
  return out;
}

const GLOB = /[*?[]/;

/**
 * Where to download an artifact so its files land where they were: upload-artifact stores
 * paths relative to the least common ancestor of its search paths, and a lone file relative
 * to its own directory. A lone path without a trailing `/` is taken for a file when its last
 * segment has a dot (`model.pkl`), else for a directory (`model`).
 */
export function artifactRoot(paths: string[]): string {
  const searchPaths = paths.map((p) => {
    const segments = p.split('/').filter((s) => s !== '' && s !== '.');
    const glob = segments.findIndex((s) => GLOB.test(s));
    return glob === -1 ? segments : segments.slice(0, glob);
  });
  let root: string[];
  if (paths.length === 1) {
    const only = paths[0]!;
    const segments = searchPaths[0]!;
    const literalFile = !GLOB.test(only) && !only.endsWith('/') && (segments.at(-1) ?? '').includes('.');
    root = literalFile ? segments.slice(0, -1) : segments;
  } else {
    root = searchPaths.reduce((common, segments) => common.slice(0, commonLength(common, segments)));
  }
  return root.length === 0 ? '.' : root.join('/');
}

function commonLength(a: string[], b: string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
