// Stand-in for actions/cache v4's restore step (https://github.com/actions/cache/blob/v4.2.3/src/restoreImpl.ts).
import * as core from '@actions/core';
import * as cache from '@actions/cache';

const lines = (name) => core.getInput(name).split('\n').map((s) => s.trim()).filter(Boolean);

// esbuild bundles these into CommonJS, which has no top-level await.
async function run() {
  try {
    const primaryKey = core.getInput('key', { required: true });
    const paths = lines('path');
    if (paths.length === 0) throw new Error('Input required and not supplied: path');
    const matched = await cache.restoreCache(paths, primaryKey, lines('restore-keys'), { lookupOnly: core.getBooleanInput('lookup-only') });
    core.saveState('CACHE_KEY', primaryKey);
    core.saveState('CACHE_RESULT', matched ?? '');
    core.setOutput('cache-primary-key', primaryKey);
    if (!matched) {
      if (core.getBooleanInput('fail-on-cache-miss')) throw new Error(`Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${primaryKey}`);
      core.info(`Cache not found for input keys: ${[primaryKey, ...lines('restore-keys')].join(', ')}`);
      core.setOutput('cache-hit', 'false');
      return;
    }
    core.setOutput('cache-matched-key', matched);
    core.setOutput('cache-hit', String(matched === primaryKey));
    core.info(`Cache restored from key: ${matched}`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

run();
