/**
 * Python virtualenvs for running the examples' own commands for real: installed offline from
 * the wheelhouse scripts/wheelhouse.sh builds (once per machine, cached), so an install takes
 * seconds and a test never reaches PyPI after the first run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
export const WHEELHOUSE = process.env.MLGEN_WHEELHOUSE ?? join(homedir(), '.cache', 'mlgen', 'wheelhouse');

let wheelhouseReady = false;

/**
 * The pip settings for an offline install from the wheelhouse, building it first when the
 * requirements changed since. PIP_COMPILE=false: byte-compiling every module is most of an
 * install's time, and Python compiles what it imports anyway.
 */
export function wheelhouseEnv(): Record<string, string> {
  if (!wheelhouseReady) {
    execFileSync('bash', [join(ROOT, 'scripts', 'wheelhouse.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    wheelhouseReady = true;
  }
  return { PIP_FIND_LINKS: WHEELHOUSE, PIP_NO_INDEX: '1', PIP_COMPILE: 'false', PIP_DISABLE_PIP_VERSION_CHECK: '1' };
}

/** The interpreter behind `python3`: pyenv's shim takes a rehash lock that parallel runs race on. */
function realPython(): string {
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
}

export interface Venv {
  dir: string;
  /** The environment a job would have with this venv active: its bin first on PATH, pip offline. */
  env: NodeJS.ProcessEnv;
}

/** A new, empty venv in `dir` (nothing installed: install with the example's own command). */
export function createVenv(dir: string): Venv {
  execFileSync(realPython(), ['-m', 'venv', dir]);
  const env: NodeJS.ProcessEnv = { ...process.env, ...wheelhouseEnv(), VIRTUAL_ENV: dir, PATH: `${join(dir, 'bin')}${delimiter}${process.env.PATH ?? ''}` };
  delete env.PYTHONHOME;
  delete env.PYTHONPATH;
  return { dir, env };
}

export interface CommandResult {
  status: number | null;
  output: string;
  seconds: number;
}

/** Runs one manifest command the way every target does: `sh -c` in the repository root. */
export function runIn(cwd: string, command: string, env: NodeJS.ProcessEnv): CommandResult {
  const start = performance.now();
  const result = spawnSync('sh', ['-c', command], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, seconds: (performance.now() - start) / 1000 };
}
