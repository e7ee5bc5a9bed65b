import { afterEach, describe, expect, it } from 'vitest';
import { PartialSyncError } from '../../src/sync/changes.js';
import { SyncError } from '../../src/sync/errors.js';
import { readDefinition } from '../../src/sync/jenkins/config.js';
import { readMultibranch } from '../../src/sync/jenkins/multibranch.js';
import { parseXml } from '../../src/sync/xml.js';
import { syncJenkins, type JenkinsSyncOptions } from '../../src/sync/jenkins/index.js';
import { closedPort, logLines, planOf, syncFixture } from './support/common.js';
import { MULTIBRANCH_PROJECT, startJenkinsStandIn, WORKFLOW_JOB, type JenkinsStandIn } from './support/jenkins-standin.js';

const FILES = [syncFixture('Jenkinsfile'), syncFixture('jenkins/predict.Jenkinsfile')];
const PLAN = planOf('spec-complete');
const REPO = 'https://git.example.com/acme/house-prices.git';

const standIns: JenkinsStandIn[] = [];
afterEach(async () => {
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});

async function standIn(): Promise<JenkinsStandIn> {
  const started = await startJenkinsStandIn();
  standIns.push(started);
  return started;
}

function optionsFor(jenkins: Pick<JenkinsStandIn, 'url' | 'user' | 'token'>, overrides: Partial<JenkinsSyncOptions> = {}): JenkinsSyncOptions {
  return {
    url: jenkins.url,
    job: 'house-prices',
    user: jenkins.user,
    token: jenkins.token,
    repo: REPO,
    credentials: 'git-ssh',
    dryRun: false,
    timeoutSeconds: 5,
    plan: PLAN,
    files: FILES,
    log: () => {},
    gitOrigin: () => undefined,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

const definitionOf = (jenkins: JenkinsStandIn, job: string) => readDefinition(parseXml(jenkins.jobs.get(job)!.config));
const multibranchOf = (jenkins: JenkinsStandIn, job: string) => readMultibranch(parseXml(jenkins.jobs.get(job)!.config));

describe('sync jenkins against a loopback Jenkins API stand-in', () => {
  it('validates every Jenkinsfile, creates a multibranch project for the main Jenkinsfile and a pipeline-from-SCM job per schedule, with the crumb, and a second run writes nothing', async () => {
    const jenkins = await standIn();
    const { lines, log } = logLines();
    const result = await syncJenkins(optionsFor(jenkins, { log }));

    expect(jenkins.validated).toEqual(FILES.map((f) => f.content));
    expect([...jenkins.jobs.keys()]).toEqual(['house-prices', 'house-prices-predict']);
    expect(jenkins.jobs.get('house-prices')!.className).toBe(MULTIBRANCH_PROJECT);
    expect(multibranchOf(jenkins, 'house-prices')).toEqual({
      sourceClasses: ['jenkins.plugins.git.GitSCMSource'],
      remotes: [REPO],
      credentialsIds: ['git-ssh'],
      discoversBranches: true,
      factoryClass: 'org.jenkinsci.plugins.workflow.multibranch.WorkflowBranchProjectFactory',
      scriptPath: 'Jenkinsfile',
    });
    expect(jenkins.jobs.get('house-prices-predict')!.className).toBe(WORKFLOW_JOB);
    expect(definitionOf(jenkins, 'house-prices-predict')).toEqual({
      definitionClass: 'org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition',
      scmClass: 'hudson.plugins.git.GitSCM',
      repoUrls: [REPO],
      credentialsIds: ['git-ssh'],
      branches: ['*/main'],
      scriptPath: 'jenkins/predict.Jenkinsfile',
      lightweight: 'true',
    });
    expect(result.jobs.map((j) => [j.kind, j.state])).toEqual([
      ['multibranch', 'new'],
      ['pipeline', 'new'],
    ]);
    expect(lines).toContain(`+ created multibranch project "house-prices": builds every branch of ${REPO} with Jenkinsfile with credentials git-ssh`);
    expect(lines).toContain(`+ created job "house-prices-predict": runs jenkins/predict.Jenkinsfile from ${REPO} branch main with credentials git-ssh`);

    const writes = jenkins.writes().length;
    expect(writes).toBe(2);
    const again = await syncJenkins(optionsFor(jenkins));
    expect(jenkins.writes()).toHaveLength(writes);
    expect(again.changes).toEqual([]);
    expect(again.jobs.map((j) => j.state)).toEqual(['up to date', 'up to date']);

    const auth = `Basic ${Buffer.from(`${jenkins.user}:${jenkins.token}`).toString('base64')}`;
    for (const request of jenkins.requests) expect(request.headers.authorization).toBe(auth);
    for (const post of jenkins.requests.filter((r) => r.method === 'POST')) {
      expect(post.headers['jenkins-crumb']).toBe(jenkins.crumb);
      expect(post.headers.cookie).toContain('JSESSIONID.stand-in=node01abc');
    }
  });

  it('keeps what Jenkins added after a build, and the current repository and credentials when the flags are left out', async () => {
    const jenkins = await standIn();
    await syncJenkins(optionsFor(jenkins));
    jenkins.ran('house-prices-predict');
    const writes = jenkins.writes().length;
    await syncJenkins(optionsFor(jenkins, { repo: undefined, credentials: undefined }));
    expect(jenkins.writes()).toHaveLength(writes);

    const { lines, log } = logLines();
    await syncJenkins(optionsFor(jenkins, { repo: undefined, credentials: undefined, branch: 'release', log }));
    // --branch is the schedule jobs' branch; the multibranch project builds every branch.
    expect(jenkins.writes()).toHaveLength(writes + 1);
    expect(lines).toContain('~ updated job "house-prices-predict": branch */main -> */release');
    expect(lines).toContain('= multibranch project "house-prices" is up to date (builds Jenkinsfile)');
    const config = jenkins.jobs.get('house-prices-predict')!.config;
    expect(config).toContain('<spec>0 6 * * *</spec>');
    expect(definitionOf(jenkins, 'house-prices-predict')).toMatchObject({ repoUrls: [REPO], credentialsIds: ['git-ssh'], branches: ['*/release'] });
  });

  it('--dry-run prints every change it would make and makes none, and points out jobs left from old schedules', async () => {
    const jenkins = await standIn();
    jenkins.jobs.set('house-prices-retrain-weekly', { className: WORKFLOW_JOB, config: '<flow-definition/>' });
    const { lines, log } = logLines();
    const result = await syncJenkins(optionsFor(jenkins, { dryRun: true, log }));
    expect(jenkins.writes()).toEqual([]);
    expect(result.changes.map((c) => c.status)).toEqual(['would do', 'would do']);
    expect(lines.filter((l) => l.startsWith('+ would create job'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('+ would create multibranch project'))).toHaveLength(1);
    expect(lines).toContain('? job "house-prices-retrain-weekly" has no Jenkinsfile in this manifest: if an old schedule made it, delete it in Jenkins');
    expect(jenkins.jobs.has('house-prices-retrain-weekly')).toBe(true);
  });

  it("shows the linter's errors and changes nothing when Jenkins rejects a Jenkinsfile", async () => {
    const jenkins = await standIn();
    const broken = { path: 'jenkins/predict.Jenkinsfile', content: 'pipeline {\n  agent any\n}\n' };
    const { lines, log } = logLines();
    const error = await failure(syncJenkins(optionsFor(jenkins, { files: [FILES[0]!, broken], log })));
    expect(error.message).toBe('Jenkins rejects 1 generated Jenkinsfile: jenkins/predict.Jenkinsfile: WorkflowScript: 1: Missing required section "stages" @ line 1, column 1.');
    expect(lines).toContain('  error: WorkflowScript: 1: Missing required section "stages" @ line 1, column 1.');
    expect(jenkins.writes()).toEqual([]);
  });

  it('the main Jenkinsfile: a plain Pipeline job left by an older sync is refused with what to do (Jenkins cannot convert it)', async () => {
    const jenkins = await standIn();
    jenkins.jobs.set('house-prices', { className: WORKFLOW_JOB, config: '<flow-definition/>' });
    const error = await failure(syncJenkins(optionsFor(jenkins)));
    expect(error.message).toMatch(/^job "house-prices" is a plain Pipeline job \(an older `mlgen sync jenkins` made it\): the main Jenkinsfile needs a Multibranch Pipeline/);
    expect(error.message).toContain('delete or rename "house-prices" in Jenkins, then sync again');
    expect(jenkins.writes()).toEqual([]);
  });

  it('the multibranch project: a changed repository or script path is put back, keeping what Jenkins added; a platform branch source a person chose is kept', async () => {
    const jenkins = await standIn();
    await syncJenkins(optionsFor(jenkins));
    const project = jenkins.jobs.get('house-prices')!;
    project.config = project.config
      .replace('<remote>https://git.example.com/acme/house-prices.git</remote>', '<remote>https://git.example.com/acme/old.git</remote>')
      .replace('<scriptPath>Jenkinsfile</scriptPath>', '<scriptPath>ci/Jenkinsfile</scriptPath>')
      .replace('<properties/>', '<properties><hand-added/></properties>');
    const { lines, log } = logLines();
    await syncJenkins(optionsFor(jenkins, { log }));
    expect(lines).toContain(`~ updated multibranch project "house-prices": repository https://git.example.com/acme/old.git -> ${REPO}, script path ci/Jenkinsfile -> Jenkinsfile`);
    expect(multibranchOf(jenkins, 'house-prices')).toMatchObject({ remotes: [REPO], scriptPath: 'Jenkinsfile' });
    expect(jenkins.jobs.get('house-prices')!.config).toContain('<properties><hand-added/></properties>');

    // GitHub Branch Source discovers pull requests too: mlgen keeps it and owns the script path only.
    const github = '<source class="org.jenkinsci.plugins.github_branch_source.GitHubSCMSource" plugin="github-branch-source"><id>gh</id><repoOwner>acme</repoOwner><repository>house-prices</repository></source>';
    project.config = project.config.replace(/<source class="jenkins\.plugins\.git\.GitSCMSource"[\s\S]*?<\/source>/, github);
    const writes = jenkins.writes().length;
    const kept = logLines();
    const result = await syncJenkins(optionsFor(jenkins, { log: kept.log }));
    expect(jenkins.writes()).toHaveLength(writes);
    expect(result.jobs[0]).toMatchObject({ kind: 'multibranch', state: 'up to date' });
    expect(kept.lines).toContain('= multibranch project "house-prices" keeps its own branch source (org.jenkinsci.plugins.github_branch_source.GitHubSCMSource); mlgen owns only its script path');
    expect(jenkins.jobs.get('house-prices')!.config).toContain(github);
  });

  it('leaves a job of another kind alone', async () => {
    const jenkins = await standIn();
    jenkins.jobs.set('house-prices', { className: 'hudson.model.FreeStyleProject', config: '<project/>' });
    const error = await failure(syncJenkins(optionsFor(jenkins)));
    expect(error.message).toBe('job "house-prices" exists and is not a Multibranch Pipeline (hudson.model.FreeStyleProject): mlgen leaves it alone; pass another --job');
    expect(jenkins.writes()).toEqual([]);
    expect(jenkins.jobs.get('house-prices')!.config).toBe('<project/>');
  });

  it('uses the checkout\'s origin for a new job without --repo, and asks for --repo when there is none', async () => {
    const jenkins = await standIn();
    await syncJenkins(optionsFor(jenkins, { repo: undefined, gitOrigin: () => 'git@example.com:acme/hp.git' }));
    expect(multibranchOf(jenkins, 'house-prices').remotes).toEqual(['git@example.com:acme/hp.git']);
    const error = await failure(syncJenkins(optionsFor(jenkins, { job: 'other', repo: undefined })));
    expect(error.message).toMatch(/^no Git repository URL for the new job: pass --repo GIT_URL/);
    expect(error.exitCode).toBe(2);
  });

  it('says so and sends nothing when no Jenkinsfile was generated', async () => {
    const jenkins = await standIn();
    const error = await failure(syncJenkins(optionsFor(jenkins, { files: [] })));
    expect(error.message).toMatch(/^mlgen generated no Jenkinsfile for this manifest/);
    expect(jenkins.requests).toEqual([]);
  });
});

describe('sync jenkins failures against a loopback Jenkins API stand-in', () => {
  const oneLine = (error: SyncError, secret: string) => {
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain(secret);
    expect(error.exitCode).toBe(1);
  };

  it('401: a bad token', async () => {
    const jenkins = await standIn();
    const error = await failure(syncJenkins(optionsFor(jenkins, { token: 'nope' })));
    expect(error.message).toBe(`Jenkins rejected the credentials (401 Unauthorized) while connecting: check JENKINS_USER and JENKINS_TOKEN (an API token from ${jenkins.url}/me/configure)`);
    oneLine(error, 'nope');
  });

  it('404: a URL that is not the Jenkins root', async () => {
    const jenkins = await standIn();
    const error = await failure(syncJenkins(optionsFor(jenkins, { url: `${jenkins.url}/nope` })));
    expect(error.message).toBe('Jenkins answered 404 Not Found while connecting: check --url: it must be the Jenkins root (the page with "New Item")');
    oneLine(error, jenkins.token);
  });

  it('500 on the second job: says what it did and what it did not', async () => {
    const jenkins = await standIn();
    jenkins.intercept = (r) => (r.path === '/createItem' && r.query.get('name') === 'house-prices-predict' ? { status: 500 } : undefined);
    const error = await failure(syncJenkins(optionsFor(jenkins)));
    expect(error).toBeInstanceOf(PartialSyncError);
    expect(error.message).toBe('Jenkins failed (500 Internal Server Error) while creating job "house-prices-predict": a server problem; try again later');
    expect((error as PartialSyncError).report().slice(0, 2)).toEqual(['Done before the failure: create multibranch project "house-prices"', 'Not done: create job "house-prices-predict"']);
    oneLine(error, jenkins.token);
  });

  it('timeout: a server that never answers, with a short --timeout', async () => {
    const jenkins = await standIn();
    jenkins.intercept = () => 'hang';
    const error = await failure(syncJenkins(optionsFor(jenkins, { timeoutSeconds: 0.3 })));
    expect(error.message).toBe(`Jenkins did not answer within 0.3s while connecting (${jenkins.url}): check --url and the network, or allow more time with --timeout`);
    oneLine(error, jenkins.token);
  });

  it('timeout in the linter (plain fetch)', async () => {
    const jenkins = await standIn();
    jenkins.intercept = (r) => (r.path.startsWith('/pipeline-model-converter/') ? 'hang' : undefined);
    const error = await failure(syncJenkins(optionsFor(jenkins, { timeoutSeconds: 0.3 })));
    expect(error.message).toMatch(/^Jenkins did not answer within 0\.3s while validating Jenkinsfile/);
  });

  it('connection refused on a closed port', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const error = await failure(syncJenkins(optionsFor({ url, user: 'u', token: 'secret-token' })));
    expect(error.message).toBe(`cannot reach Jenkins at ${url} while connecting: connection refused; check --url`);
    oneLine(error, 'secret-token');
  });

  it('403 from a missing permission names what is needed', async () => {
    const jenkins = await standIn();
    jenkins.intercept = (r) => (r.path === '/createItem' ? { status: 403 } : undefined);
    const error = await failure(syncJenkins(optionsFor(jenkins)));
    expect(error.message).toBe('Jenkins refused (403 Forbidden) creating multibranch project "house-prices": the user needs Overall/Read, Job/Create and Job/Configure');
  });
});
