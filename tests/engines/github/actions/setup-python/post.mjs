// Saves the pip cache, as setup-python's post step (src/cache-save.ts) does, unless the exact key hit.
import * as core from '@actions/core';
import * as cache from '@actions/cache';
import { existsSync } from 'node:fs';

// esbuild bundles these into CommonJS, which has no top-level await.
async function run() {
  try {
    const primaryKey = core.getState('cache-primary-key');
    const paths = JSON.parse(core.getState('cache-paths') || '[]');
    if (!primaryKey) {
      core.info('No pip cache to save');
    } else if (core.getState('cache-matched-key') === primaryKey) {
      core.info(`Cache hit occurred on the primary key ${primaryKey}, not saving cache.`);
    } else if (!paths.some((p) => existsSync(p))) {
      core.warning(`Cache folder path is retrieved for pip but doesn't exist on disk: ${paths.join(', ')}`);
    } else {
      await cache.saveCache(paths, primaryKey);
      core.info(`Cache saved with the key: ${primaryKey}`);
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

run();
