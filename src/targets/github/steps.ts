/**
 * Steps: how a job gets its checkout, Python, caches, dependencies, data and artifacts, and
 * how a manifest command becomes a `run:` step that sees the secrets.
 */
import type { Plan, PlanJob } from '../../plan/index.js';
import type { Step } from './model.js';
import { literal } from './text.js';

/** Secrets reach commands as step env, never as text in a script, and never reach the actions. */
export function secretEnv(plan: Plan): Record<string, string> {
  return Object.fromEntries(plan.secrets.map((name) => [name, `\${{ secrets.${name} }}`]));
}

/** A manifest command, verbatim: the serializer escapes it for YAML, and it cannot hold `${{`. */
export function commandStep(plan: Plan, name: string, run: string): Step {
  return plan.secrets.length > 0 ? { name, run, env: secretEnv(plan) } : { name, run };
}

export function checkoutStep(extra: Record<string, string | number | boolean> = {}): Step {
  // The token stays out of .git/config: nothing after checkout needs to push.
  return { name: 'Check out', uses: 'checkout', with: { 'persist-credentials': false, ...extra } };
}

const PIP_FILES = ['**/requirements*.txt', '**/pyproject.toml'];

/**
 * Python and caches. In a container the image brings its own Python, and setup-python's
 * builds target the runner's OS, so only the pip cache directory is cached there.
 */
export function runtimeSteps(job: PlanJob, inContainer: boolean): Step[] {
  const steps: Step[] = [];
  const pip = job.setup.caches.includes('pip');
  if (!inContainer) {
    const cache: Record<string, string> = pip ? { cache: 'pip', 'cache-dependency-path': PIP_FILES.join('\n') } : {};
    steps.push({ name: 'Set up Python', uses: 'setupPython', with: { 'python-version': job.runtime.python, ...cache } });
  } else if (pip) {
    const files = PIP_FILES.map((f) => `'${f}'`).join(', ');
    steps.push({
      name: 'Cache pip',
      uses: 'cache',
      with: { path: '~/.cache/pip', key: `pip-\${{ runner.os }}-\${{ hashFiles(${files}) }}`, 'restore-keys': 'pip-${{ runner.os }}-' },
    });
  }
  if (job.setup.caches.includes('dvc')) {
    steps.push({ name: 'Cache DVC', uses: 'cache', with: { path: '.dvc/cache', key: "dvc-${{ hashFiles('dvc.lock') }}", 'restore-keys': 'dvc-' } });
  }
  return steps;
}

/** Install commands, data pull and the artifacts of earlier jobs, in that order. */
export function preparationSteps(plan: Plan, job: PlanJob): Step[] {
  const steps = job.setup.install.map((command) => commandStep(plan, 'Install', command));
  if (job.setup.pullData) steps.push(commandStep(plan, 'Pull data', job.setup.pullData));
  for (const id of job.setup.downloads) {
    const source = plan.jobs.find((j) => j.id === id);
    const paths = source?.kind === 'train' ? source.artifacts : [];
    if (paths.length === 0) continue; // nothing was uploaded
    steps.push({ name: `Download ${id} artifacts`, uses: 'downloadArtifact', with: { name: id, path: literal(artifactRoot(paths)) } });
  }
  return steps;
}

export function uploadStep(id: string, paths: string[]): Step {
  return {
    name: `Upload ${id} artifacts`,
    uses: 'uploadArtifact',
    with: { name: id, path: paths.map(literal).join('\n'), 'if-no-files-found': 'error' },
  };
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
