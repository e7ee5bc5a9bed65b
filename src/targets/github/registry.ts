/**
 * Registry credentials for the plan's `registry-login` step (a push to a registry the
 * manifest gives no `package.login` for).
 */
import { secretRef, template } from '../../escape/github.js';
import type { RegistryLoginStep } from '../../plan/index.js';

export const GHCR = 'ghcr.io';

/**
 * ghcr.io takes the workflow's own token (the job gets `packages: write`); any other registry
 * the secrets the plan names.
 */
export function registryCredentials(step: RegistryLoginStep): { username: string; password: string } {
  if (step.registry === GHCR) return { username: template('github.actor'), password: secretRef('GITHUB_TOKEN') };
  return { username: secretRef(step.credentials.username), password: secretRef(step.credentials.password) };
}
