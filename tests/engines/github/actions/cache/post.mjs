// Stand-in for actions/cache v4's save step (src/saveImpl.ts): saves unless the primary key hit.
// Like saveImpl, a failed save (e.g. "Path Validation Error" when the path does not exist) is a
// warning, not a failed step.
import * as core from '@actions/core';
import * as cache from '@actions/cache';

async function run() {
  try {
    const primaryKey = core.getState('CACHE_KEY');
    if (!primaryKey) return core.warning('Key is not specified.');
    if (core.getState('CACHE_RESULT') === primaryKey) {
      return core.info(`Cache hit occurred on the primary key ${primaryKey}, not saving cache.`);
    }
    const paths = core.getInput('path').split('\n').map((s) => s.trim()).filter(Boolean);
    const id = await cache.saveCache(paths, primaryKey);
    if (id !== -1) core.info(`Cache saved with key: ${primaryKey}`);
  } catch (error) {
    core.warning(error instanceof Error ? error.message : String(error));
  }
}

run();
