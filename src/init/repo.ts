/** A `RepoView` over a real directory. Reads only; never fails outside a git repository. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { RepoView } from './detect.js';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The `.git` directory for `dir` or a parent; a worktree's `.git` file points at it. */
function findGitDir(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const candidate = join(current, '.git');
    try {
      if (statSync(candidate).isDirectory()) return candidate;
      const pointer = /^gitdir:\s*(.+)$/m.exec(readText(candidate) ?? '');
      if (pointer) return resolve(current, pointer[1]!.trim());
    } catch {
      // not here
    }
    if (dirname(current) === current) return undefined;
  }
}

/** origin's default branch when the clone knows it, else the branch checked out. */
export function gitDefaultBranch(dir: string): string | undefined {
  const gitDir = findGitDir(dir);
  if (!gitDir) return undefined;
  const remote = /^ref: refs\/remotes\/origin\/(\S+)/.exec(readText(join(gitDir, 'refs/remotes/origin/HEAD')) ?? '');
  if (remote) return remote[1];
  const head = /^ref: refs\/heads\/(\S+)/.exec(readText(join(gitDir, 'HEAD')) ?? '');
  return head?.[1];
}

/** origin's URL from the repository's config (a worktree's is in the main repository's). */
export function gitRemoteUrl(dir: string): string | undefined {
  const gitDir = findGitDir(dir);
  if (!gitDir) return undefined;
  const common = readText(join(gitDir, 'commondir'))?.trim();
  const config = readText(join(common ? resolve(gitDir, common) : gitDir, 'config')) ?? '';
  return /\[remote "origin"\][^[]*?\n\s*url\s*=\s*(\S+)/.exec(config)?.[1];
}

export function repoView(dir: string): RepoView {
  return {
    dirName: basename(resolve(dir)),
    exists: (path) => existsSync(join(dir, path)),
    read: (path) => readText(join(dir, path)),
    gitBranch: () => gitDefaultBranch(dir),
    list: (path) => {
      try {
        return readdirSync(join(dir, path));
      } catch {
        return [];
      }
    },
    gitRemote: () => gitRemoteUrl(dir),
  };
}
