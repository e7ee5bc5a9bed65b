/**
 * Foreign jobs in mlgen's sections: each command is given the role the contract has a key
 * for, by what it runs (the table below, first match wins) and, where the command alone does
 * not say, by its job (a job with an environment deploys; a scheduled job predicts).
 */
import type { ForeignJob, Located } from './types.js';

export type Role = 'install' | 'pull' | 'registry-login' | 'image-build' | 'image-push' | 'deploy' | 'data-test' | 'check' | 'train' | 'evaluate' | 'predict' | 'other';

const ROLES: readonly { role: Role; test: RegExp }[] = [
  { role: 'install', test: /^(python3? -m )?pip3? install\b|^(poetry|pipenv) install\b|^uv (sync|pip install)\b|^conda (env )?(create|update|install)\b/ },
  { role: 'pull', test: /^(dvc (pull|fetch)|git lfs pull)\b/ },
  { role: 'registry-login', test: /\bdocker login\b/ },
  { role: 'image-build', test: /^docker (buildx )?build\b/ },
  { role: 'image-push', test: /^docker push\b/ },
  { role: 'deploy', test: /^(kubectl|helm|az (ml|webapp|containerapp)|gcloud (run|app) deploy|sam deploy|serverless deploy)\b|deploy\.sh\b|\bdeploy\.py\b/ },
  { role: 'data-test', test: /validate_data|check_schema|great_expectations|pandera|tests\/data\b|data[-_.]?(check|valid)/ },
  { role: 'check', test: /^(ruff|flake8|pylint|black|isort|mypy|pytest)\b|^python3? -m (pytest|flake8|mypy|ruff|pylint)\b/ },
  { role: 'train', test: /train|dvc repro|\bfit\b/ },
  { role: 'evaluate', test: /evaluat|\beval\b/ },
  { role: 'predict', test: /predict|\bscore|inference|batch/ },
];

export function roleOf(command: string, job: ForeignJob): Role {
  const byCommand = ROLES.find((r) => r.test.test(command))?.role;
  if (byCommand && byCommand !== 'train' && byCommand !== 'other') return byCommand;
  if (job.environment && !byCommand) return 'deploy';
  if (job.runsOn === 'schedule' && byCommand === undefined) return 'predict';
  return byCommand ?? (/valid|schema|data/i.test(job.name) ? 'data-test' : 'other');
}

/** A check's name from the tool it runs: lint, types, unit. */
export function checkName(command: string): string {
  if (/\b(ruff|flake8|pylint|black|isort)\b/.test(command)) return 'lint';
  if (/\bmypy\b/.test(command)) return 'types';
  if (/\bpytest\b/.test(command)) return 'unit';
  return 'check';
}

/** The repository of `docker build -t REPO:TAG`: mlgen tags the image with the commit itself. */
export function imageOfBuild(command: string): string | undefined {
  const tag = /(?:-t|--tag)[= ]\s*("?)([^\s"]+)\1/.exec(command)?.[2];
  if (!tag) return undefined;
  const slash = tag.lastIndexOf('/');
  const colon = tag.lastIndexOf(':');
  return colon > slash ? tag.slice(0, colon) : tag;
}

export function slugOf(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'step'
  );
}

/** Names made unique in order of appearance: unit, unit-2, ... */
export function uniqueNames<T extends { name: string }>(items: T[]): T[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const count = (seen.get(item.name) ?? 0) + 1;
    seen.set(item.name, count);
    return count === 1 ? item : { ...item, name: `${item.name}-${count}` };
  });
}

export type ClassifiedCommand = Located<string> & { role: Role; job: ForeignJob };

export function classify(jobs: readonly ForeignJob[]): ClassifiedCommand[] {
  return jobs.flatMap((job) => job.commands.map((command) => ({ ...command, role: roleOf(command.value, job), job })));
}
