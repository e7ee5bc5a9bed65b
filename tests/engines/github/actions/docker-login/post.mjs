// docker/login-action's post step: `docker logout [registry]` unless logout is false.
import * as core from '@actions/core';
import { execFileSync } from 'node:child_process';

try {
  if (core.getState('logout') !== 'false') {
    const registry = core.getState('registry');
    execFileSync('docker', ['logout', ...(registry ? [registry] : [])], { stdio: 'inherit' });
  }
} catch (error) {
  core.warning(error instanceof Error ? error.message : String(error));
}
