/**
 * What `mlgen sync` prints when the server is hostile (security review, findings 4, 8, 13): a
 * loopback server that echoes the token back (in an error body, a lint message, Jenkins'
 * X-Error header, a body that is not JSON) gets it printed nowhere: not on stdout, not on
 * stderr, not in --json. Server strings with terminal escapes reach the terminal only as
 * visible `\u{1b}` text. The built CLI, as users run it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { syncGitLab } from '../../src/sync/gitlab/index.js';
import { planOf, syncFixture } from '../sync/support/common.js';
import { SOMEONE_ELSE, startGitLabStandIn, type GitLabStandIn } from '../sync/support/gitlab-standin.js';
import { startJenkinsStandIn, type JenkinsStandIn } from '../sync/support/jenkins-standin.js';

const BIN = new URL('../../bin/run.js', import.meta.url).pathname;
const MANIFEST = readFileSync(new URL('../fixtures/manifests/spec-complete.yaml', import.meta.url), 'utf8');

const dirs: string[] = [];
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-sync-hardening-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'mlgen.yaml'), MANIFEST);
  return dir;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mlgen(args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GITLAB_TOKEN|JENKINS_USER|JENKINS_TOKEN)$/.test(k)));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...base, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function gitlabStandIn(options: Parameters<typeof startGitLabStandIn>[0] = {}): Promise<GitLabStandIn> {
  const started = await startGitLabStandIn(options);
  servers.push(started);
  return started;
}

async function jenkinsStandIn(): Promise<JenkinsStandIn> {
  const started = await startJenkinsStandIn();
  servers.push(started);
  return started;
}

/** Runs the command as text and as --json; the secret may appear in neither, on no stream. */
async function printedNowhere(args: string[], env: Record<string, string>, secrets: string[]): Promise<Run[]> {
  const cwd = project();
  const runs = [await mlgen(args, cwd, env), await mlgen([...args, '--json'], cwd, env)];
  for (const run of runs) {
    for (const secret of secrets) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  }
  expect(() => JSON.parse(runs[1]!.stdout)).not.toThrow();
  return runs;
}

const gitlabArgs = (gitlab: GitLabStandIn) => ['sync', 'gitlab', '--url', gitlab.url, '--project', 'acme/house-prices'];

describe('finding 8: a loopback server that echoes the token gets it printed nowhere (stdout, stderr, --json)', () => {
  it('negative control: without the CLI\'s filter, the echoed token is in the error message', async () => {
    const gitlab = await gitlabStandIn();
    gitlab.intercept = (r) => (r.path.endsWith('/ci/lint') ? { status: 400, body: { message: `token ${gitlab.token} is not allowed here` } } : undefined);
    const error = await syncGitLab({
      url: gitlab.url, project: '42', token: gitlab.token, dryRun: true, showToken: false, timeoutSeconds: 10,
      plan: planOf('spec-complete'), files: [syncFixture('.gitlab-ci.yml')], log: () => {},
    }).catch((e: Error) => e);
    expect((error as Error).message).toContain(gitlab.token);
  });

  it('GitLab loopback server: a 400 body that quotes the token', async () => {
    const gitlab = await gitlabStandIn();
    gitlab.intercept = (r) => (r.path.endsWith('/ci/lint') ? { status: 400, body: { message: `token ${gitlab.token} is not allowed here` } } : undefined);
    const [text, json] = await printedNowhere(gitlabArgs(gitlab), { GITLAB_TOKEN: gitlab.token }, [gitlab.token]);
    expect(text!.code).toBe(1);
    expect(text!.stderr).toContain('(token [redacted] is not allowed here)');
    expect(JSON.parse(json!.stdout).error).toContain('[redacted]');
  });

  it('GitLab loopback server: lint messages that quote the token, printed and in --json lint output', async () => {
    const gitlab = await gitlabStandIn();
    gitlab.lint = () => ({ valid: false, errors: [`jobs:train uses ${gitlab.token}`], warnings: [`see ${encodeURIComponent(gitlab.token)}`] });
    const [text] = await printedNowhere(gitlabArgs(gitlab), { GITLAB_TOKEN: gitlab.token }, [gitlab.token]);
    expect(text!.stdout).toContain('error: jobs:train uses [redacted]');
  });

  it('GitLab loopback server: a body that is not JSON and quotes the token is not quoted back', async () => {
    const gitlab = await gitlabStandIn();
    gitlab.intercept = (r) => (r.method === 'GET' && r.path.endsWith('house-prices') ? { status: 200, body: `{"oops": ${gitlab.token}` } : undefined);
    const [text] = await printedNowhere(gitlabArgs(gitlab), { GITLAB_TOKEN: gitlab.token }, [gitlab.token]);
    expect(text!.stderr).toContain('its answer is not valid JSON');
  });

  it('Jenkins loopback server: X-Error and linter messages that quote the token or user:token in base64', async () => {
    const jenkins = await jenkinsStandIn();
    const basic = Buffer.from(`${jenkins.user}:${jenkins.token}`).toString('base64');
    jenkins.intercept = (r) => (r.path === '/createItem' ? { status: 400, headers: { 'x-error': `bad auth ${basic} / ${jenkins.token}` } } : undefined);
    const args = ['sync', 'jenkins', '--url', jenkins.url, '--job', 'house-prices', '--repo', 'https://git.example.com/acme/hp.git'];
    const env = { JENKINS_USER: jenkins.user, JENKINS_TOKEN: jenkins.token };
    const [text] = await printedNowhere(args, env, [jenkins.token, basic]);
    expect(text!.stderr).toContain('(bad auth [redacted] / [redacted])');

    jenkins.intercept = () => undefined;
    jenkins.validate = () => `Errors encountered validating Jenkinsfile:\nWorkflowScript: 3: ${jenkins.token} @ line 3, column 1.`;
    await printedNowhere(args, env, [jenkins.token]);
  });
});

describe('finding 13: terminal escapes in server strings reach the terminal as visible text', () => {
  it('GitLab loopback server: a foreign schedule description that sets the window title and clears the line', async () => {
    const hostile = '\u001b]0;pwned\u0007Nightly\u001b[2K\r\u009b31m\u202eevil';
    const gitlab = await gitlabStandIn({
      schedules: [{ description: hostile, ref: 'main', cron: '0 2 * * *', cron_timezone: 'UTC', active: true, owner: SOMEONE_ELSE, variables: [] }],
    });
    const cwd = project();
    for (const run of [await mlgen([...gitlabArgs(gitlab), '--dry-run'], cwd, { GITLAB_TOKEN: gitlab.token }), await mlgen([...gitlabArgs(gitlab), '--dry-run', '--json'], cwd, { GITLAB_TOKEN: gitlab.token })]) {
      expect(run.code).toBe(0);
      expect(run.stdout + run.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    }
    const text = await mlgen([...gitlabArgs(gitlab), '--dry-run'], cwd, { GITLAB_TOKEN: gitlab.token });
    expect(text.stdout).toContain('schedule "\\u{1b}]0;pwned\\u{7}Nightly\\u{1b}[2K\\u{d}\\u{9b}31m\\u{202e}evil"');
  });
});

describe('finding 4: a CI clone\'s origin URL (https://gitlab-ci-token:<token>@...) is neither printed nor sent to Jenkins', () => {
  it('Jenkins loopback server: sync jenkins without --repo, in a checkout whose origin carries a job token', async () => {
    const jenkins = await jenkinsStandIn();
    const cwd = project();
    const secret = 'glcbt-64_Zz9yXwVu8tS7rQ6pOn5m';
    execFileSync('git', ['init', '-q'], { cwd });
    execFileSync('git', ['remote', 'add', 'origin', `https://gitlab-ci-token:${secret}@gitlab.example.com/acme/hp.git`], { cwd });
    const env = { JENKINS_USER: jenkins.user, JENKINS_TOKEN: jenkins.token };
    const args = ['sync', 'jenkins', '--url', jenkins.url, '--job', 'house-prices'];
    const dry = await mlgen([...args, '--dry-run'], cwd, env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('from https://gitlab.example.com/acme/hp.git branch');
    const real = await mlgen([...args, '--json'], cwd, env);
    expect(real.code).toBe(0);
    for (const text of [dry.stdout, dry.stderr, real.stdout, real.stderr, ...[...jenkins.jobs.values()].map((j) => j.config)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('gitlab-ci-token');
    }
  });

  it('--repo with a password in it is a usage error (exit 2)', async () => {
    const run = await mlgen(['sync', 'jenkins', '--url', 'http://127.0.0.1:9', '--job', 'hp', '--repo', 'https://u:pw@git.example.com/x.git'], project(), { JENKINS_USER: 'u', JENKINS_TOKEN: 't' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--repo must not carry credentials');
    expect(run.stderr).not.toContain('pw@');
  });
});
