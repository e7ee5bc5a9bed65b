/**
 * The act harness itself, on a small hand-written workflow: each event payload reaches the
 * workflow as GitHub would send it, runs-on labels map to the host, and the stand-in actions
 * for actions/cache and docker/login-action (with the recording docker stand-in) do their job.
 * Four act runs of trivial jobs, in beforeAll; the cache is shared between the first two.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { usesRef } from '../../../src/targets/github/actions.js';
import { readStandinLog, standinEnvironment, type StandinCall } from '../standins/standins.js';
import { describeRun, jobOf, removeRun, runAct, TestRepo, type ActRun } from './act.js';

const IMAGE_PREFIX = 'registry.example.com/tests/events';

const workflow = {
  name: 'events',
  on: {
    push: { branches: ['**'] },
    schedule: [{ cron: '17 3 * * 1' }],
    workflow_dispatch: { inputs: { mode: { type: 'choice', options: ['full', 'incremental'], default: 'full' } } },
    repository_dispatch: { types: ['drift'] },
  },
  jobs: {
    context: {
      'runs-on': 'ubuntu-latest',
      steps: [
        { uses: usesRef('checkout') },
        {
          run: [
            'echo "event=$GITHUB_EVENT_NAME ref=$GITHUB_REF sha=$GITHUB_SHA head=$(git rev-parse HEAD) depth=$(git rev-list --count HEAD)"',
            'echo "before=${{ github.event.before }} mode=${{ inputs.mode }} action=${{ github.event.action }} schedule=${{ github.event.schedule }}"',
          ].join('\n'),
        },
      ],
    },
    gpu: { 'runs-on': ['self-hosted', 'gpu'], steps: [{ run: 'echo "ran on the gpu label"' }] },
    cached: {
      if: "github.event_name == 'push' || github.event_name == 'workflow_dispatch'",
      'runs-on': 'ubuntu-latest',
      steps: [
        { id: 'cache', uses: usesRef('cache'), with: { path: 'cached/', key: 'events-${{ github.event_name }}', 'restore-keys': 'events-' } },
        {
          run: [
            'echo "cache-hit=${{ steps.cache.outputs.cache-hit }} matched=${{ steps.cache.outputs.cache-matched-key }} stamp=$(cat cached/stamp 2>/dev/null)"',
            'mkdir -p cached && echo "$GITHUB_EVENT_NAME" > cached/stamp',
          ].join('\n'),
        },
      ],
    },
    'cache-nothing': {
      if: "github.event_name == 'push'",
      'runs-on': 'ubuntu-latest',
      steps: [{ uses: usesRef('cache'), with: { path: 'never-made/', key: 'events-nothing-${{ github.sha }}' } }, { run: 'echo "nothing to cache"' }],
    },
    'needs-artifact': {
      if: "github.event_name == 'workflow_dispatch'",
      'runs-on': 'ubuntu-latest',
      steps: [{ uses: usesRef('downloadArtifact'), with: { name: 'never-uploaded', path: '.' } }, { run: 'echo "must not run"' }],
    },
    publish: {
      if: "github.event_name == 'push' || github.event_name == 'schedule'",
      'runs-on': 'ubuntu-latest',
      env: { MLGEN_IMAGE: `${IMAGE_PREFIX}:\${{ github.sha }}` },
      steps: [
        { run: "mkdir -p model && echo '{}' > model/model.json && printf 'FROM scratch\\nCOPY model/ /model/\\n' > Dockerfile" },
        { uses: 'docker/login-action@74a5d142397b4f367a81961eba4e8cd7edddf772', with: { registry: 'registry.example.com', username: 'ci', password: '${{ secrets.REGISTRY_PASSWORD }}' } },
        { run: 'docker build -t "$MLGEN_IMAGE" . && docker push "$MLGEN_IMAGE"' },
      ],
    },
  },
};

describe('act harness events with stand-in actions', () => {
  let repo: TestRepo;
  const runs = new Map<string, { run: ActRun; calls: StandinCall[] }>();
  const runOf = (event: string) => {
    const found = runs.get(event);
    if (!found) throw new Error(`no act run for ${event}`);
    return found;
  };
  let before: string;
  let after: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlgen-act-events-'));
    repo = TestRepo.create(dir, { name: 'events' });
    rmSync(dir, { recursive: true });
    repo.write({ '.github/workflows/events.yml': stringify(workflow), 'README.md': 'events\n' });
    before = repo.commitAll('Add the workflow');
    after = repo.commitOn('main', 'Second commit', { 'README.md': 'events, again\n' });
    const cacheDir = mkdtempSync(join(tmpdir(), 'mlgen-act-events-cache-'));
    const events = {
      push: { event: repo.push(), secrets: { REGISTRY_PASSWORD: 'not-a-real-password' } },
      workflow_dispatch: { event: repo.workflowDispatch({ inputs: { mode: 'incremental' } }), secrets: {} },
      repository_dispatch: { event: repo.repositoryDispatch('drift', { psi: 0.3 }), secrets: {} },
      // No REGISTRY_PASSWORD: the login stand-in must refuse, and nothing is pushed.
      schedule: { event: repo.schedule('17 3 * * 1'), secrets: {} },
    };
    for (const [name, { event, secrets }] of Object.entries(events)) {
      const standins = standinEnvironment();
      const run = await runAct({ repo, event, secrets, cacheDir, env: standins.env, concurrentJobs: 1 });
      runs.set(name, { run, calls: readStandinLog(standins.logFile) });
    }
    rmSync(cacheDir, { recursive: true, force: true });
  }, 900_000);

  afterAll(() => {
    for (const { run } of runs.values()) removeRun(run);
    repo?.remove();
  });

  const contextLine = (name: string) => jobOf(runOf(name).run, 'context').output;

  it('feeds a push with before and after; the checkout is shallow (fetch-depth 1)', () => {
    expect(jobOf(runOf('push').run, 'context').result, describeRun(runOf('push').run)).toBe('success');
    expect(contextLine('push')).toContain(`event=push ref=refs/heads/main sha=${after} head=${after} depth=1`);
    expect(contextLine('push')).toContain(`before=${before}`);
  });

  it('feeds workflow_dispatch inputs, repository_dispatch event types and the schedule', () => {
    expect(contextLine('workflow_dispatch')).toContain('event=workflow_dispatch ref=refs/heads/main');
    expect(contextLine('workflow_dispatch')).toContain('mode=incremental');
    expect(contextLine('repository_dispatch')).toContain('event=repository_dispatch');
    expect(contextLine('repository_dispatch')).toContain('action=drift');
    expect(contextLine('schedule')).toContain(`event=schedule ref=refs/heads/main sha=${after}`);
    expect(contextLine('schedule')).toContain('schedule=17 3 * * 1');
  });

  it('runs a job whose runs-on is [self-hosted, gpu] on the host', () => {
    for (const { run } of runs.values()) expect(jobOf(run, 'gpu').result, describeRun(run)).toBe('success');
  });

  it('saves a cache in one run and restores it by restore-keys in the next (actions/cache stand-in)', () => {
    expect(jobOf(runOf('push').run, 'cached').output).toContain('cache-hit=false matched= stamp=');
    expect(jobOf(runOf('workflow_dispatch').run, 'cached').output).toContain('cache-hit=false matched=events-push stamp=push');
    expect(jobOf(runOf('schedule').run, 'cached').result).toBe('skipped');
  });

  it('warns, as actions/cache does, when the path to save does not exist, and the job still passes', () => {
    const job = jobOf(runOf('push').run, 'cache-nothing');
    expect(job.result, describeRun(runOf('push').run)).toBe('success');
    expect(job.output).toContain('Path Validation Error');
  });

  it('negative control: downloading an artifact nobody uploaded fails the job (download-artifact stand-in)', () => {
    const job = jobOf(runOf('workflow_dispatch').run, 'needs-artifact');
    expect(job.result).toBe('failure');
    expect(job.output).toContain('Artifact not found for name: never-uploaded');
    expect(job.output).not.toContain('must not run');
  });

  it('logs in through the docker/login-action stand-in before the recorded build and push', () => {
    const { run, calls } = runOf('push');
    expect(jobOf(run, 'publish').result, describeRun(run)).toBe('success');
    expect(calls.map((c) => [c.subcommand, c.ok])).toEqual([
      ['login', true],
      ['build', true],
      ['push', true],
      ['logout', true],
    ]);
    expect(calls[2]?.argv).toEqual(['push', `${IMAGE_PREFIX}:${after}`]);
  });

  it('negative control: without the registry secret the login fails and nothing is built or pushed', () => {
    const { run, calls } = runOf('schedule');
    expect(jobOf(run, 'publish').result).toBe('failure');
    expect(jobOf(run, 'publish').output).toContain('Username and password required');
    expect(calls.filter((c) => c.subcommand === 'push')).toEqual([]);
  });
});
