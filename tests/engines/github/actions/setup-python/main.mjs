// Stand-in for actions/setup-python v5. Outputs, exported variables and the pip cache key follow
// https://github.com/actions/setup-python/blob/v5.6.0/src/find-python.ts and
// src/cache-distributions/pip-cache.ts; the interpreter is the host's instead of a download.
import * as core from '@actions/core';
import * as cache from '@actions/cache';
import * as glob from '@actions/glob';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const versionOf = (python) => {
  try {
    return execFileSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};

/** The host's pythons on PATH, skipping venvs an earlier step of this job made. */
function hostPythons(majorMinor) {
  const runnerTemp = process.env.RUNNER_TEMP ?? '\0';
  const found = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.startsWith(runnerTemp)) continue;
    for (const name of [`python${majorMinor}`, 'python3']) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) found.push(candidate);
    }
  }
  return found;
}

// esbuild bundles these into CommonJS, which has no top-level await.
async function run() {
  try {
    let requested = core.getInput('python-version');
    const versionFile = core.getInput('python-version-file');
    if (!requested && versionFile) requested = readFileSync(resolve(process.env.GITHUB_WORKSPACE, versionFile), 'utf8').trim().split(/\s+/)[0];
    if (!requested) throw new Error('python-version is empty: the stand-in (like the real action on a fresh runner) needs a version');
    const match = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(requested);
    if (!match) throw new Error(`python-version '${requested}' is not major.minor[.patch]; the stand-in matches only those`);
    const majorMinor = `${match[1]}.${match[2]}`;

    const candidates = hostPythons(majorMinor).map((path) => ({ path, version: versionOf(path) }));
    const chosen = candidates.find((c) => c.version && (match[3] ? c.version === requested : c.version.startsWith(`${majorMinor}.`)));
    if (!chosen) {
      const seen = candidates.map((c) => `${c.path} (${c.version ?? 'does not run'})`).join(', ') || 'none';
      throw new Error(`Python ${requested} is not on this host (setup-python stand-in; found: ${seen}). Install python${majorMinor} or change python-version.`);
    }

    // A fresh venv in the job's RUNNER_TEMP: on GitHub every job starts on a clean runner, so a
    // package installed by one job must not be importable in another.
    const location = join(process.env.RUNNER_TEMP, 'setup-python', chosen.version);
    execFileSync(chosen.path, ['-m', 'venv', location], { stdio: 'inherit' });
    const bin = join(location, 'bin');
    core.addPath(bin);
    if (core.getBooleanInput('update-environment')) {
      core.exportVariable('pythonLocation', location);
      core.exportVariable('PKG_CONFIG_PATH', join(location, 'lib', 'pkgconfig'));
      core.exportVariable('Python_ROOT_DIR', location);
      core.exportVariable('Python2_ROOT_DIR', location);
      core.exportVariable('Python3_ROOT_DIR', location);
    }
    core.info(`Python ${chosen.version} from ${chosen.path}, as a venv at ${location}`);
    core.setOutput('python-version', chosen.version);
    core.setOutput('python-path', join(bin, 'python'));

    const cacheKind = core.getInput('cache');
    if (cacheKind && cacheKind !== 'pip') throw new Error(`cache '${cacheKind}': the stand-in caches pip only`);
    if (cacheKind === 'pip') {
      // The pip cache lives in the job's temp dir rather than the host's ~/.cache/pip, which other
      // jobs (and the machine's owner) share.
      const pipCache = join(process.env.RUNNER_TEMP, 'pip-cache');
      mkdirSync(pipCache, { recursive: true });
      core.exportVariable('PIP_CACHE_DIR', pipCache);
      const patterns = core.getInput('cache-dependency-path') || '**/requirements.txt';
      const hash = await glob.hashFiles(patterns);
      if (!hash) {
        throw new Error(`No file in ${process.env.GITHUB_WORKSPACE} matched to [${patterns.split('\n').join(', ')}], make sure you have checked out the target repository`);
      }
      const primaryKey = `setup-python-${process.env.RUNNER_OS}-${process.env.RUNNER_ARCH}-python-${chosen.version}-pip-${hash}`;
      const matched = await cache.restoreCache([pipCache], primaryKey);
      core.saveState('cache-paths', JSON.stringify([pipCache]));
      core.saveState('cache-primary-key', primaryKey);
      core.saveState('cache-matched-key', matched ?? '');
      core.setOutput('cache-hit', String(matched === primaryKey));
      core.info(matched ? `pip cache restored from key: ${matched}` : 'pip cache is not found');
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

run();
