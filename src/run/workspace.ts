/**
 * Workspaces for `mlgen run`: each job starts in a fresh copy of the repository's tracked
 * files, as a runner's checkout does, and only declared artifacts pass from job to job, so a
 * file a later job needs but no job uploads is missing here as it would be on a runner.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export class RunRoot {
  readonly dir: string;
  private readonly tracked: string[];

  constructor(readonly repo: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'mlgen-run-'));
    this.tracked = trackedFiles(repo);
  }

  /** A fresh checkout for one job: the tracked files as they are in the working tree, in a git repository of their own. */
  checkout(jobId: string): string {
    const dir = join(this.dir, 'jobs', jobId);
    mkdirSync(dir, { recursive: true });
    for (const file of this.tracked) {
      const from = join(this.repo, file);
      if (!existsSync(from)) continue; // deleted in the working tree: a checkout of the change would not have it
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      cpSync(from, join(dir, file), { verbatimSymlinks: true });
    }
    // DVC and git-aware tools read the repository; a runner's checkout is one.
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: gitEnv() });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '--no-verify', '--allow-empty', '-m', 'mlgen run checkout');
    return dir;
  }

  /** Keeps an artifact: every path must exist, as upload-artifact's `if-no-files-found: error` demands. */
  upload(name: string, workspace: string, paths: readonly string[]): string[] {
    const missing = paths.filter((p) => !existsSync(join(workspace, p)));
    if (missing.length > 0) return missing;
    const store = join(this.dir, 'artifacts', name);
    for (const p of paths) {
      const target = join(store, p);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(workspace, p), target, { recursive: true, verbatimSymlinks: true });
    }
    return [];
  }

  /** Lays an artifact's files where they were uploaded from. Returns false when no job uploaded it. */
  download(name: string, workspace: string): boolean {
    const store = join(this.dir, 'artifacts', name);
    if (!existsSync(store)) return false;
    cpSync(store, workspace, { recursive: true, verbatimSymlinks: true });
    return true;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_AUTHOR_NAME: 'mlgen', GIT_AUTHOR_EMAIL: 'mlgen@localhost', GIT_COMMITTER_NAME: 'mlgen', GIT_COMMITTER_EMAIL: 'mlgen@localhost' };
}

/** The repository's tracked files (relative paths), or every file when the directory is not a git work tree. */
function trackedFiles(repo: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached'], { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\0').filter((f) => f !== '' && !isDirectory(join(repo, f)));
  } catch {
    throw new Error(`${resolve(repo)} is not a git repository: mlgen run copies the tracked files, as a runner's checkout does`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory(); // a submodule
  } catch {
    return false;
  }
}
