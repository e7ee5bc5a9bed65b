/**
 * A throwaway git repository standing for the project on github.com, and the event payloads
 * GitHub would send for it (https://docs.github.com/en/webhooks/webhook-events-and-payloads).
 *
 * Commits have fixed authors and dates, so the same history gives the same SHAs. The
 * repository allows fetching any commit by SHA (uploadpack.allowAnySHA1InWant), as github.com
 * does: the checkout stand-in fetches GITHUB_SHA, which for a pull request is a merge commit
 * on no branch.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export const ZERO_SHA = '0000000000000000000000000000000000000000';
/** What act reads GITHUB_REPOSITORY from: the origin remote (never contacted). */
const OWNER = 'mlgen-tests';

/** An event for act: its name (act's first argument), the payload, and the commit act's HEAD is at. */
export interface ActEvent {
  name: 'push' | 'pull_request' | 'schedule' | 'workflow_dispatch' | 'repository_dispatch';
  payload: Record<string, unknown>;
  /**
   * The commit checked out in the repository while act runs: act takes GITHUB_SHA from HEAD for
   * every event but push (whose sha is the payload's `after`).
   */
  head: string;
}

export class TestRepo {
  private tick = 0;

  private constructor(
    readonly path: string,
    readonly name: string,
    readonly defaultBranch: string,
  ) {}

  /** A repository whose first commit, on `defaultBranch`, holds a copy of `sourceDir`. */
  static create(sourceDir: string, options: { name?: string; defaultBranch?: string } = {}): TestRepo {
    const path = join(mkdtempSync(join(tmpdir(), 'mlgen-act-repo-')), 'repo');
    cpSync(sourceDir, path, { recursive: true, filter: (src) => basename(src) !== '.git' });
    const repo = new TestRepo(path, options.name ?? basename(sourceDir), options.defaultBranch ?? 'main');
    repo.git('init', '--quiet', '-b', repo.defaultBranch);
    repo.git('config', 'uploadpack.allowAnySHA1InWant', 'true');
    repo.git('remote', 'add', 'origin', `https://github.com/${OWNER}/${repo.name}.git`);
    repo.commitAll('Initial commit');
    return repo;
  }

  /** Deletes the repository (and the temp directory holding it). */
  remove(): void {
    rmSync(dirname(this.path), { recursive: true, force: true });
  }

  get fullName(): string {
    return `${OWNER}/${this.name}`;
  }

  git(...args: string[]): string {
    this.tick += 1;
    // One second apart from a fixed epoch: reproducible SHAs, and commits in order.
    const date = `${1_700_000_000 + this.tick} +0000`;
    return execFileSync('git', args, {
      cwd: this.path,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 'mlgen tests', GIT_AUTHOR_EMAIL: 'tests@mlgen.invalid', GIT_COMMITTER_NAME: 'mlgen tests', GIT_COMMITTER_EMAIL: 'tests@mlgen.invalid', GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  }

  /** Writes (or with `null` deletes) files, relative to the repository. */
  write(files: Record<string, string | null>): void {
    for (const [rel, content] of Object.entries(files)) {
      const file = join(this.path, rel);
      if (content === null) rmSync(file, { force: true, recursive: true });
      else {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    }
  }

  /** Stages everything and commits; returns the new SHA. */
  commitAll(message: string): string {
    this.git('add', '-A');
    this.git('commit', '--quiet', '--allow-empty', '-m', message);
    return this.sha('HEAD');
  }

  /** Commits `files` on `branch` (created from the current HEAD when new). */
  commitOn(branch: string, message: string, files: Record<string, string | null>): string {
    const exists = this.git('branch', '--list', branch) !== '';
    this.git('checkout', '--quiet', ...(exists ? [branch] : ['-b', branch]));
    this.write(files);
    return this.commitAll(message);
  }

  sha(rev: string): string {
    return this.git('rev-parse', '--verify', `${rev}^{commit}`);
  }

  private repository(): Record<string, unknown> {
    return { name: this.name, full_name: this.fullName, default_branch: this.defaultBranch, owner: { login: OWNER }, private: false };
  }

  /** A push of `branch` at its tip; `before` defaults to the tip's parent (a new branch: zeros). */
  push(options: { branch?: string; before?: string } = {}): ActEvent {
    const branch = options.branch ?? this.defaultBranch;
    const after = this.sha(branch);
    const before = options.before ?? (this.git('rev-list', '--max-count=1', '--skip=1', after) || ZERO_SHA);
    const payload = {
      ref: `refs/heads/${branch}`,
      before,
      after,
      created: before === ZERO_SHA,
      deleted: false,
      forced: false,
      base_ref: null,
      head_commit: { id: after, message: this.git('log', '-1', '--format=%s', after) },
      repository: this.repository(),
      pusher: { name: 'mlgen-tests' },
      sender: { login: 'mlgen-tests' },
    };
    return { name: 'push', payload, head: after };
  }

  /**
   * A pull request from `head` into `base`: like GitHub, a merge commit (first parent the
   * base's tip) at refs/pull/<number>/merge is what runs.
   */
  pullRequest(options: { head: string; base?: string; number?: number; action?: string }): ActEvent {
    const base = options.base ?? this.defaultBranch;
    const number = options.number ?? 1;
    const baseSha = this.sha(base);
    const headSha = this.sha(options.head);
    const tree = this.git('merge-tree', '--write-tree', baseSha, headSha);
    const merge = this.git('commit-tree', tree, '-p', baseSha, '-p', headSha, '-m', `Merge ${headSha} into ${baseSha}`);
    this.git('update-ref', `refs/pull/${number}/head`, headSha);
    this.git('update-ref', `refs/pull/${number}/merge`, merge);
    const side = (ref: string, sha: string) => ({ ref, sha, label: `${OWNER}:${ref}`, repo: this.repository() });
    const payload = {
      action: options.action ?? 'opened',
      number,
      pull_request: { number, title: `Merge ${options.head}`, draft: false, merged: false, merge_commit_sha: merge, head: side(options.head, headSha), base: side(base, baseSha) },
      repository: this.repository(),
      sender: { login: 'mlgen-tests' },
    };
    return { name: 'pull_request', payload, head: merge };
  }

  /** A schedule firing on the default branch; `cron` as written in the workflow. */
  schedule(cron: string): ActEvent {
    return { name: 'schedule', payload: { schedule: cron, repository: this.repository() }, head: this.sha(this.defaultBranch) };
  }

  /** A manual run (workflow_dispatch) on `branch` with `inputs` (all strings, as GitHub sends them). */
  workflowDispatch(options: { branch?: string; inputs?: Record<string, string> } = {}): ActEvent {
    const branch = options.branch ?? this.defaultBranch;
    const payload = { ref: `refs/heads/${branch}`, inputs: options.inputs ?? {}, repository: this.repository(), sender: { login: 'mlgen-tests' }, workflow: '' };
    return { name: 'workflow_dispatch', payload, head: this.sha(branch) };
  }

  /** A repository_dispatch: GitHub puts the API's event_type in the payload's `action`. */
  repositoryDispatch(eventType: string, clientPayload: Record<string, unknown> = {}): ActEvent {
    const payload = { action: eventType, branch: this.defaultBranch, client_payload: clientPayload, repository: this.repository(), sender: { login: 'mlgen-tests' } };
    return { name: 'repository_dispatch', payload, head: this.sha(this.defaultBranch) };
  }

  /** Puts HEAD at the event's commit (detached), as act reads it. */
  checkoutFor(event: ActEvent): void {
    this.git('checkout', '--quiet', '--detach', event.head);
  }
}
