/**
 * Registry credentials for the plan's `registry-login` step (a push to a registry the
 * manifest gives no `package.login` for).
 */
import { secretRef, template } from '../../escape/github.js';

export const GHCR = 'ghcr.io';

/** The secrets a login to another registry reads; listed in each file's header and docs/github.md. */
export const REGISTRY_SECRETS = ['REGISTRY_USERNAME', 'REGISTRY_PASSWORD'] as const;

/**
 * PLAN-GAP: the plan names the registry host but not the credentials. ghcr.io takes the
 * workflow's own token (the job gets `packages: write`); any other registry takes the
 * REGISTRY_USERNAME and REGISTRY_PASSWORD secrets. The plan should carry the secret names.
 */
export function registryCredentials(registry: string): { username: string; password: string } {
  if (registry === GHCR) return { username: template('github.actor'), password: secretRef('GITHUB_TOKEN') };
  return { username: secretRef(REGISTRY_SECRETS[0]), password: secretRef(REGISTRY_SECRETS[1]) };
}
