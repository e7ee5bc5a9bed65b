/**
 * What a hostile or broken server cannot make `sync` do (security review, findings 3, 4, 12,
 * 22): send the token to another origin, put Git credentials into Jenkins, exhaust memory with
 * a huge answer, make it hammer a rate limit. Against the loopback stand-ins, which follow the
 * GitLab REST API and Jenkins remote API docs, and a second loopback origin that records what
 * reaches it. What gets printed (findings 8, 13) is tested through the CLI in
 * tests/commands/sync-hardening.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/sync/errors.js';
import { syncGitLab, type GitLabSyncOptions } from '../../src/sync/gitlab/index.js';
import { MAX_RESPONSE_BYTES, retryAfterSeconds } from '../../src/sync/http.js';
import { syncJenkins, type JenkinsSyncOptions } from '../../src/sync/jenkins/index.js';
import { withoutCredentials } from '../../src/sync/redact.js';
import { credentialsIn, logLines, planOf, startSecondOrigin, syncFixture } from './support/common.js';
import { startGitLabStandIn, type GitLabStandIn } from './support/gitlab-standin.js';
import { startJenkinsStandIn, type JenkinsStandIn } from './support/jenkins-standin.js';

const PLAN = planOf('spec-complete');
const CI = syncFixture('.gitlab-ci.yml');
const JENKINSFILES = [syncFixture('Jenkinsfile'), syncFixture('jenkins/predict.Jenkinsfile')];

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const track = <T extends { close(): Promise<void> }>(server: T): T => (servers.push(server), server);

const gitlabOptions = (gitlab: GitLabStandIn, overrides: Partial<GitLabSyncOptions> = {}): GitLabSyncOptions => ({
  url: gitlab.url,
  project: 'acme/house-prices',
  token: gitlab.token,
  dryRun: true,
  showToken: false,
  timeoutSeconds: 10,
  plan: PLAN,
  files: [CI],
  log: () => {},
  ...overrides,
});

const jenkinsOptions = (jenkins: JenkinsStandIn, overrides: Partial<JenkinsSyncOptions> = {}): JenkinsSyncOptions => ({
  url: jenkins.url,
  job: 'house-prices',
  user: jenkins.user,
  token: jenkins.token,
  repo: 'https://git.example.com/acme/house-prices.git',
  dryRun: false,
  timeoutSeconds: 10,
  plan: PLAN,
  files: JENKINSFILES,
  log: () => {},
  gitOrigin: () => undefined,
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

describe('finding 3: a redirecting loopback server gets no credential on its second origin', () => {
  it('negative control: plain fetch, as gitbeaker used it, carries PRIVATE-TOKEN to the second origin of a 302', async () => {
    const gitlab = track(await startGitLabStandIn());
    const second = track(await startSecondOrigin());
    gitlab.intercept = () => ({ status: 302, headers: { location: `${second.url}/api/v4/projects/42` } });
    await fetch(`${gitlab.url}/api/v4/projects/42`, { headers: { 'private-token': gitlab.token } });
    expect(second.requests.map((r) => r.headers['private-token'])).toEqual([gitlab.token]);
  });

  it('GitLab loopback server: a 302 to another origin is refused, and nothing reaches that origin', async () => {
    const gitlab = track(await startGitLabStandIn());
    const second = track(await startSecondOrigin());
    gitlab.intercept = (r) => (r.method === 'GET' && r.path.endsWith('house-prices') ? { status: 302, headers: { location: `${second.url}/api/v4/projects/42` } } : undefined);
    const error = await failure(syncGitLab(gitlabOptions(gitlab)));
    expect(error.message).toContain(`redirected /api/v4/projects/acme%2Fhouse-prices to ${second.url}, not ${gitlab.url}`);
    expect(error.message).not.toContain(gitlab.token);
    expect(second.requests).toEqual([]);
  });

  it('GitLab loopback server: 307 on the lint POST to another origin is refused before anything is sent there', async () => {
    const gitlab = track(await startGitLabStandIn());
    const second = track(await startSecondOrigin());
    gitlab.intercept = (r) => (r.path.endsWith('/ci/lint') ? { status: 307, headers: { location: `${second.url}/api/v4/projects/42/ci/lint` } } : undefined);
    await failure(syncGitLab(gitlabOptions(gitlab)));
    expect(second.requests.flatMap((r) => credentialsIn(r.headers))).toEqual([]);
    expect(second.requests).toEqual([]);
  });

  it('GitLab loopback server: a pagination Link naming another origin is not followed', async () => {
    const gitlab = track(await startGitLabStandIn());
    const second = track(await startSecondOrigin());
    gitlab.intercept = (r) =>
      r.path.endsWith('/pipeline_schedules') && r.method === 'GET' && !r.query.has('page')
        ? { status: 200, body: [], headers: { link: `<${second.url}/api/v4/projects/42/pipeline_schedules?page=2>; rel="next"`, 'x-next-page': '2' } }
        : undefined;
    await syncGitLab(gitlabOptions(gitlab)).catch(() => undefined);
    expect(second.requests).toEqual([]);
  });

  it('GitLab loopback server: a redirect within the origin (a renamed project) is followed with the token', async () => {
    const gitlab = track(await startGitLabStandIn());
    gitlab.intercept = (r) => (r.path === '/api/v4/projects/acme%2Fold-name' ? { status: 301, headers: { location: `${gitlab.url}/api/v4/projects/42` } } : undefined);
    const result = await syncGitLab(gitlabOptions(gitlab, { project: 'acme/old-name' }));
    expect(result.project).toEqual({ id: 42, path: 'acme/house-prices' });
  });

  it('Jenkins loopback server: a 302 from the API or the linter reaches no second origin', async () => {
    for (const path of ['/api/json', '/pipeline-model-converter/validate']) {
      const jenkins = track(await startJenkinsStandIn());
      const second = track(await startSecondOrigin());
      jenkins.intercept = (r) => (r.path === path ? { status: 302, headers: { location: `${second.url}${path}` } } : undefined);
      await failure(syncJenkins(jenkinsOptions(jenkins)));
      expect(second.requests, path).toEqual([]);
    }
  });
});

describe('finding 4: credentials in the git origin go nowhere', () => {
  const ORIGIN = 'https://gitlab-ci-token:glcbt-64_s3cr3tJobTokenValue@gitlab.example.com/acme/house-prices.git';

  it('withoutCredentials drops the userinfo of http(s) URLs and the password of ssh ones', () => {
    expect(withoutCredentials(ORIGIN)).toBe('https://gitlab.example.com/acme/house-prices.git');
    expect(withoutCredentials('https://oauth2@host/x.git')).toBe('https://host/x.git');
    expect(withoutCredentials('ssh://git:pw@host/x.git')).toBe('ssh://git@host/x.git');
    expect(withoutCredentials('git@host:acme/x.git')).toBe('git@host:acme/x.git');
    expect(withoutCredentials('https://host/x.git')).toBe('https://host/x.git');
  });

  it('Jenkins loopback server: a job created from a CI clone\'s origin has no token in its config, and the log shows none', async () => {
    const jenkins = track(await startJenkinsStandIn());
    const { lines, log } = logLines();
    await syncJenkins(jenkinsOptions(jenkins, { repo: undefined, gitOrigin: () => ORIGIN, log }));
    const configs = [...jenkins.jobs.values()].map((j) => j.config).join('\n');
    expect(configs).toContain('https://gitlab.example.com/acme/house-prices.git');
    for (const text of [configs, lines.join('\n'), ...jenkins.requests.map((r) => r.body)]) {
      expect(text).not.toContain('s3cr3tJobTokenValue');
      expect(text).not.toContain('gitlab-ci-token');
    }
  });
});

describe('finding 12: answers are read up to a cap', () => {
  // That the reading itself stops at the cap (what c4e22b8 got wrong) is measured on the
  // server's side in tests/sync/response-cap.test.ts; these hold the limits and the messages.
  it('the default cap is tens of megabytes, not the 4 GB a 300 MB answer took', () => {
    expect(MAX_RESPONSE_BYTES).toBeLessThanOrEqual(64 * 1024 * 1024);
  });

  it('GitLab loopback server: an answer past the default cap ends in one line, not a crash', async () => {
    const gitlab = track(await startGitLabStandIn());
    gitlab.intercept = (r) => (r.method === 'GET' && r.path.endsWith('house-prices') ? { status: 200, bytes: MAX_RESPONSE_BYTES + 1024 * 1024 } : undefined);
    const error = await failure(syncGitLab(gitlabOptions(gitlab)));
    expect(error.message).toMatch(/^GitLab sent more than 16 MB in one answer/);
  });

  it('GitLab loopback server: a declared Content-Length past the cap is refused without reading', async () => {
    const gitlab = track(await startGitLabStandIn());
    gitlab.intercept = (r) => (r.path.endsWith('house-prices') ? { status: 200, bytes: 4096, headers: { 'content-length': '4096' } } : undefined);
    const error = await failure(syncGitLab(gitlabOptions(gitlab, { http: { maxBytes: 1024 } })));
    expect(error.message).toMatch(/more than 0 MB in one answer/);
  });

  it('Jenkins loopback server: the client library\'s answers are capped too', async () => {
    const jenkins = track(await startJenkinsStandIn());
    jenkins.intercept = (r) => (r.path === '/api/json' ? { status: 200, bytes: 8192 } : undefined);
    const error = await failure(syncJenkins(jenkinsOptions(jenkins, { http: { maxBytes: 1024 } })));
    expect(error.message).toMatch(/^Jenkins sent more than/);
  });
});

describe('finding 22: 429 waits what Retry-After asks, a few times, within a bound', () => {
  const limited = (gitlab: GitLabStandIn, retryAfter: string | undefined, times: number) => {
    let left = times;
    gitlab.intercept = (r) =>
      r.method === 'GET' && r.path.endsWith('house-prices') && left-- > 0
        ? { status: 429, body: { message: '429 Too Many Requests' }, ...(retryAfter === undefined ? {} : { headers: { 'retry-after': retryAfter } }) }
        : undefined;
  };

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterSeconds('7')).toBe(7);
    expect(retryAfterSeconds(new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(30);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
  });

  it('GitLab loopback server: Retry-After: 1 is waited for (really), then the request succeeds', async () => {
    const gitlab = track(await startGitLabStandIn());
    limited(gitlab, '1', 1);
    const started = Date.now();
    await syncGitLab(gitlabOptions(gitlab));
    const projectReads = gitlab.requests.filter((r) => r.path.endsWith('house-prices'));
    expect(projectReads).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('GitLab loopback server: without Retry-After it tries 4 times, not 10, backing off', async () => {
    const gitlab = track(await startGitLabStandIn());
    limited(gitlab, undefined, 100);
    const waits: number[] = [];
    const error = await failure(syncGitLab(gitlabOptions(gitlab, { http: { sleep: async (ms) => void waits.push(ms) } })));
    expect(error.message).toMatch(/429 Too Many Requests/);
    expect(waits).toEqual([1000, 2000, 4000]);
    expect(gitlab.requests.filter((r) => r.path.endsWith('house-prices'))).toHaveLength(4);
  });

  it('GitLab loopback server: Retry-After beyond the bound ends the run at once instead of hanging it', async () => {
    const gitlab = track(await startGitLabStandIn());
    limited(gitlab, '3600', 100);
    const waits: number[] = [];
    const error = await failure(syncGitLab(gitlabOptions(gitlab, { http: { sleep: async (ms) => void waits.push(ms) } })));
    expect(error.message).toMatch(/^GitLab answered 429 Too Many Requests while reading project acme\/house-prices/);
    expect(waits).toEqual([]);
  });
});
