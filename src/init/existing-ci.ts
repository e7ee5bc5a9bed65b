/**
 * What `init` tells about the CI a repository already has: workflows that keep running beside
 * mlgen's, and files `generate` will refuse to overwrite until `--replace` (newcomer review).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MARKER } from '../files/header.js';
import type { TargetId } from '../manifest/index.js';

const SINGLE_FILES: Partial<Record<TargetId, string>> = { gitlab: '.gitlab-ci.yml', azure: 'azure-pipelines.yml', jenkins: 'Jenkinsfile' };

const foreign = (file: string): boolean => {
  try {
    return !readFileSync(file, 'utf8').includes(MARKER);
  } catch {
    return false;
  }
};

/** One line per existing CI file that matters for these targets. */
export function existingCiNotes(root: string, targets: readonly TargetId[]): string[] {
  const notes: string[] = [];
  let workflows: string[] = [];
  try {
    workflows = readdirSync(join(root, '.github/workflows')).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    // no workflows
  }
  const others = workflows.filter((n) => !n.startsWith('mlgen-') && foreign(join(root, '.github/workflows', n)));
  if (others.length > 0 && targets.includes('github')) {
    notes.push(`${others.map((n) => `.github/workflows/${n}`).join(', ')} will keep running beside mlgen's workflows: remove or disable ${others.length === 1 ? 'it' : 'them'} once mlgen's cover the same jobs`);
  }
  for (const target of targets) {
    const file = SINGLE_FILES[target];
    if (file && existsSync(join(root, file)) && foreign(join(root, file))) {
      notes.push(`${file} exists and was not written by mlgen: mlgen generate will refuse it; mlgen generate --replace moves it to ${file}.mlgen-backup and writes the generated one`);
    }
  }
  return notes;
}
