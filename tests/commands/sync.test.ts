/**
 * `mlgen sync gitlab` and `mlgen sync jenkins` as users run them: the built CLI (dist/, from
 * `npx tsc -p .`) in a scratch directory, against loopback stand-ins of the GitLab and Jenkins
 * APIs, with the files the real targets generate.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import { closedPort } from '../sync/support/common.js';
import { startGitLabStandIn, type GitLabStandIn } from '../sync/support/gitlab-standin.js';
import { startJenkinsStandIn, type JenkinsStandIn } from '../sync/support/jenkins-standin.js';

const BIN = new URL('../../bin/run.js', import.meta.url).pathname;
const MANIFEST = readFileSync(new URL('../fixtures/manifests/spec-complete.yaml', import.meta.url), 'utf8');
const generatedFor = (target: 'gitlab' | 'jenkins') => {
  const result = generate(MANIFEST, { manifestPath: 'mlgen.yaml', targets: [target] });
  if (!result.ok) throw new Error('spec-complete does not generate');
  return result.files;
};

const dirs: string[] = [];
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-sync-'));
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

const noStack = (run: Run) => expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at |Error: .*\n.*node:internal/);

describe('mlgen sync gitlab (built CLI) against a loopback GitLab API stand-in', () => {
  it('lints what mlgen generates, puts schedules and the trigger in place, and a second run changes nothing', async () => {
    const gitlab = await gitlabStandIn();
    const cwd = project();
    const args = ['sync', 'gitlab', '--url', gitlab.url, '--project', 'acme/house-prices'];
    const env = { GITLAB_TOKEN: gitlab.token };

    const dry = await mlgen([...args, '--dry-run'], cwd, env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('+ would create schedule "mlgen: retrain-full"');
    expect(dry.stdout).toContain('Dry run: 4 changes would be made; nothing was changed.');
    expect(gitlab.writes()).toEqual([]);

    const first = await mlgen(args, cwd, env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(gitlab.linted[1]).toBe(generatedFor('gitlab').find((f) => f.path === '.gitlab-ci.yml')!.content);
    expect(gitlab.mlgenSchedules().map((s) => `${s.description} ${s.cron}`)).toEqual([
      'mlgen: predict 0 6 * * *',
      'mlgen: retrain-incremental 0 3 1 * *',
      'mlgen: retrain-full 0 4 1 */3 *',
    ]);
    expect(first.stdout).toContain('Done: 4 changes made.');
    expect(first.stdout).toContain(`--form 'variables[MLGEN_EVENT]=drift-detected' ${gitlab.url}/api/v4/projects/42/trigger/pipeline`);
    const triggerToken = [...gitlab.triggers.values()][0]!.token;
    expect(first.stdout + first.stderr).not.toContain(triggerToken);
    expect(first.stdout + first.stderr).not.toContain(gitlab.token);

    const writes = gitlab.writes().length;
    const second = await mlgen([...args, '--show-token'], cwd, env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Everything is up to date: nothing to change.');
    expect(second.stdout).toContain(`--form token=${triggerToken}`);
    expect(gitlab.writes()).toHaveLength(writes);
  });

  it('--json prints the result as JSON', async () => {
    const gitlab = await gitlabStandIn();
    const run = await mlgen(['sync', 'gitlab', '--url', gitlab.url, '--project', '42', '--dry-run', '--json'], project(), { GITLAB_TOKEN: gitlab.token });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { project: { id: number }; changes: { status: string }[]; dryRun: boolean };
    expect(result.project.id).toBe(42);
    expect(result.dryRun).toBe(true);
    expect(result.changes.map((c) => c.status)).toEqual(['would do', 'would do', 'would do', 'would do']);
  });

  it('reports a project that refuses pipeline variables, with the fix, in text and --json; sets the deploy resource group to oldest_first', async () => {
    const gitlab = await gitlabStandIn({
      settings: { restrict_user_defined_variables: true, ci_pipeline_variables_minimum_override_role: 'no_one_allowed' },
      resourceGroups: [{ key: 'house-prices-deploy', process_mode: 'unordered' }],
    });
    const cwd = project();
    const env = { GITLAB_TOKEN: gitlab.token };
    const args = ['sync', 'gitlab', '--url', gitlab.url, '--project', '42'];
    const json = await mlgen([...args, '--dry-run', '--json'], cwd, env);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as {
      pipelineVariables: { status: string; minimumOverrideRole: string; fix: string };
      resourceGroup: { key: string; processMode: string; state: string };
      changes: { subject: string; status: string }[];
    };
    expect(result.pipelineVariables.status).toBe('blocked');
    expect(result.pipelineVariables.minimumOverrideRole).toBe('no_one_allowed');
    expect(result.pipelineVariables.fix).toContain('ci_pipeline_variables_minimum_override_role=developer');
    expect(result.resourceGroup).toEqual({ key: 'house-prices-deploy', processMode: 'unordered', state: 'changed' });
    expect(result.changes.find((c) => c.subject === 'resource group "house-prices-deploy"')?.status).toBe('would do');
    expect(gitlab.resourceGroups.get('house-prices-deploy')!.process_mode).toBe('unordered');

    const text = await mlgen(args, cwd, env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('PROBLEM: the project allows no one to pass pipeline variables');
    expect(text.stdout).toContain('  fix: set "Minimum role to use pipeline variables" to Developer');
    expect(text.stdout).toContain('~ updated resource group "house-prices-deploy": process mode unordered -> oldest_first');
    expect(gitlab.resourceGroups.get('house-prices-deploy')!.process_mode).toBe('oldest_first');
  });

  it('a bad token: one line, exit 1, and says nothing was changed', async () => {
    const gitlab = await gitlabStandIn();
    const run = await mlgen(['sync', 'gitlab', '--url', gitlab.url, '--project', '42'], project(), { GITLAB_TOKEN: 'glpat-wrong' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: GitLab rejected the credentials (401 Unauthorized) while reading project 42: check GITLAB_TOKEN: it must be a valid access token with the api scope\nNothing was changed.\n',
    );
    noStack(run);
  });

  it('usage problems exit 2: no GITLAB_TOKEN, no --url, a bad --timeout', async () => {
    const cwd = project();
    const noToken = await mlgen(['sync', 'gitlab', '--url', 'https://gitlab.example.com', '--project', '42'], cwd, {});
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toBe(
      'error: GITLAB_TOKEN is not set: put a GitLab access token with the api scope in the environment (`export GITLAB_TOKEN=...`; in CI, a masked secret variable)\n',
    );
    const noUrl = await mlgen(['sync', 'gitlab', '--project', '42'], cwd, { GITLAB_TOKEN: 'x' });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toBe('error: missing required flag url (mlgen sync gitlab --help lists the flags)\n');
    const badTimeout = await mlgen(['sync', 'gitlab', '--url', 'https://gitlab.example.com', '--project', '42', '--timeout', '0'], cwd, { GITLAB_TOKEN: 'x' });
    expect(badTimeout.code).toBe(2);
    noStack(badTimeout);
  });
});

describe('mlgen sync jenkins (built CLI) against a loopback Jenkins API stand-in', () => {
  it('validates every generated Jenkinsfile and creates one job per file; a second run changes nothing', async () => {
    const jenkins = await jenkinsStandIn();
    const cwd = project();
    const args = ['sync', 'jenkins', '--url', jenkins.url, '--job', 'house-prices', '--repo', 'https://git.example.com/acme/hp.git', '--credentials', 'git-ssh'];
    const env = { JENKINS_USER: jenkins.user, JENKINS_TOKEN: jenkins.token };
    const first = await mlgen(args, cwd, env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const jenkinsfiles = generatedFor('jenkins').filter((f) => f.path.endsWith('Jenkinsfile'));
    expect(jenkins.validated).toEqual(jenkinsfiles.map((f) => f.content));
    expect([...jenkins.jobs.keys()]).toEqual(['house-prices', 'house-prices-predict', 'house-prices-retrain-full', 'house-prices-retrain-incremental']);
    expect(first.stdout).toContain('Done: 4 changes made.');
    expect(first.stdout + first.stderr).not.toContain(jenkins.token);

    const writes = jenkins.writes().length;
    const second = await mlgen(args, cwd, env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Everything is up to date: nothing to change.');
    expect(jenkins.writes()).toHaveLength(writes);
  });

  it('connection refused: one line, exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await mlgen(['sync', 'jenkins', '--url', url, '--job', 'hp', '--repo', 'https://x/y.git'], project(), { JENKINS_USER: 'u', JENKINS_TOKEN: 't' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: cannot reach Jenkins at ${url} while connecting: connection refused; check --url\nNothing was changed.\n`);
    noStack(run);
  });

  it('no JENKINS_TOKEN is a usage problem (exit 2) that says how to set it', async () => {
    const run = await mlgen(['sync', 'jenkins', '--url', 'https://ci.example.com', '--job', 'hp'], project(), { JENKINS_USER: 'u' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: JENKINS_TOKEN is not set: put a Jenkins API token (https://ci.example.com/me/configure) in the environment (`export JENKINS_TOKEN=...`; in CI, a masked secret variable)\n',
    );
  });
});
