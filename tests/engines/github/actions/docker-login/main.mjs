// Stand-in for docker/login-action v3 (https://github.com/docker/login-action/blob/v3.4.0/src/docker.ts):
// `docker login --password-stdin --username <user> [registry]`.
import * as core from '@actions/core';
import { execFileSync } from 'node:child_process';

try {
  const registry = core.getInput('registry');
  const username = core.getInput('username');
  const password = core.getInput('password');
  if (!username || !password) throw new Error('Username and password required');
  core.saveState('registry', registry);
  core.saveState('logout', core.getInput('logout') || 'true');
  const args = ['login', '--password-stdin', '--username', username, ...(registry ? [registry] : [])];
  core.info(`Logging into ${registry || 'Docker Hub'}...`);
  execFileSync('docker', args, { input: password, stdio: ['pipe', 'inherit', 'inherit'] });
  core.info('Login Succeeded!');
} catch (error) {
  core.setFailed(error instanceof Error ? error.message : String(error));
}
