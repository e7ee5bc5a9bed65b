/**
 * actionlint rejects runner labels it does not know unless `.github/actionlint.yaml` declares
 * them. These are the labels every actionlint release since 1.6 knows (GitHub-hosted images
 * come and go between releases, so newer ones are declared too: declaring a known label is
 * harmless, leaving out an unknown one is a finding).
 */
import { toYaml } from '../../files/index.js';
import type { Workflow } from './model.js';

export const ACTIONLINT_CONFIG_PATH = '.github/actionlint.yaml';

const KNOWN_LABELS = new Set([
  'ubuntu-latest',
  'ubuntu-22.04',
  'windows-latest',
  'windows-2022',
  'macos-latest',
  'self-hosted',
  'linux',
  'macos',
  'windows',
  'x64',
  'arm',
  'arm64',
]);

/** Runner labels of the workflows that actionlint needs declared, sorted. */
export function customLabels(workflows: Workflow[]): string[] {
  const labels = workflows.flatMap((w) => w.jobs.flatMap((j) => j.runsOn));
  return [...new Set(labels.filter((l) => !KNOWN_LABELS.has(l.toLowerCase()) && !l.includes('${{')))].sort();
}

export function actionlintConfig(labels: string[]): string {
  return toYaml({ 'self-hosted-runner': { labels } });
}
