// Stand-in for actions/setup-python v5. Outputs, exported variables and the pip cache key follow
// https://github.com/actions/setup-python/blob/v5.6.0/src/find-python.ts and
// src/cache-distributions/pip-cache.ts; the interpreter is the host's instead of a download.
import * as core from '@actions/core';
import * as cache from '@actions/cache';
import * as glob from '@actions/glob';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

/** What a python on PATH really is (pyenv shims resolve to their interpreter here) and where its pip lives. */
function describe(python) {
  const probe = [
    'import importlib.util, json, os, sys',
    'spec = importlib.util.find_spec("pip")',
    'print(json.dumps({"executable": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3], "pip": os.path.dirname(spec.origin) if spec else None}))',
  ].join('\n');
  try {
    return JSON.parse(execFileSync(python, ['-c', probe], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return undefined;
  }
}

/** The first python on PATH (python3.X, then python3) of the wanted version; earlier venvs of this job are skipped. */
function findPython(majorMinor, exact, seen) {
  const runnerTemp = process.env.RUNNER_TEMP ?? '\0';
  for (const name of [`python${majorMinor}`, 'python3']) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      const candidate = join(dir, name);
      if (!dir || dir.startsWith(runnerTemp) || !existsSync(candidate)) continue;
      const info = describe(candidate);
      seen.push(`${candidate} (${info?.version ?? 'does not run'})`);
      if (info && (exact ? info.version === exact : info.version.startsWith(`${majorMinor}.`))) return info;
    }
  }
  return undefined;
}

/**
 * A venv with pip, fast: `python -m venv` runs ensurepip, seconds per job on a busy 2-core
 * machine; copying the host interpreter's own pip into a venv made --without-pip installs the
 * same pip in a fraction of that. Without a host pip, ensurepip it is.
 */
function makeVenv(info, location) {
  if (!info.pip) {
    execFileSync(info.executable, ['-m', 'venv', location], { stdio: 'inherit' });
    return;
  }
  execFileSync(info.executable, ['-m', 'venv', '--without-pip', location], { stdio: 'inherit' });
  const [major, minor] = info.version.split('.');
  const sitePackages = join(location, 'lib', `python${major}.${minor}`, 'site-packages');
  const hostSite = dirname(info.pip);
  cpSync(info.pip, join(sitePackages, 'pip'), { recursive: true, filter: (src) => !src.endsWith('__pycache__') });
  for (const entry of readdirSync(hostSite)) {
    if (/^pip-.*\.dist-info$/.test(entry)) cpSync(join(hostSite, entry), join(sitePackages, entry), { recursive: true });
  }
  const python = join(location, 'bin', 'python');
  for (const name of ['pip', `pip${major}`, `pip${major}.${minor}`]) {
    writeFileSync(join(location, 'bin', name), `#!${python}\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n`, { mode: 0o755 });
  }
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

    const seen = [];
    const chosen = findPython(majorMinor, match[3] ? requested : undefined, seen);
    if (!chosen) {
      throw new Error(`Python ${requested} is not on this host (setup-python stand-in; found: ${seen.join(', ') || 'none'}). Install python${majorMinor} or change python-version.`);
    }

    // A fresh venv in the job's RUNNER_TEMP: on GitHub every job starts on a clean runner, so a
    // package installed by one job must not be importable in another.
    const location = join(process.env.RUNNER_TEMP, 'setup-python', chosen.version);
    makeVenv(chosen, location);
    const bin = join(location, 'bin');
    core.addPath(bin);
    if (core.getBooleanInput('update-environment')) {
      core.exportVariable('pythonLocation', location);
      core.exportVariable('PKG_CONFIG_PATH', join(location, 'lib', 'pkgconfig'));
      core.exportVariable('Python_ROOT_DIR', location);
      core.exportVariable('Python2_ROOT_DIR', location);
      core.exportVariable('Python3_ROOT_DIR', location);
    }
    core.info(`Python ${chosen.version} from ${chosen.executable}, as a venv at ${location}`);
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
