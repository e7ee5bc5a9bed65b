/**
 * The executing Azure simulator on a small project whose commands are shell one-liners
 * (./fixtures/sim-run): the release push through production, with every job in its own
 * workspace, artifacts moving between jobs, the secret only where mapped, the canary's hooks per
 * increment, the approval answered by the test. Negative controls: a failing canary analysis
 * rolls back and production never starts; an impossible gate stops everything after evaluate;
 * a missing artifact fails the job that downloads it; a job past its timeout is cancelled.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { selectJobs } from '../../../src/plan/index.js';
import { readStandinLog } from '../../engines/standins/standins.js';
import { azureProject, jobRun, runAzureEvent, type AzureProject, type AzureRun } from '../../support/azure-run.js';

const FIXTURE = new URL('./fixtures/sim-run/', import.meta.url).pathname;
const push = { kind: 'push' as const, branch: 'main' };
const secrets = { API_TOKEN: 's3cret' };
const output = (run: AzureRun, job: string) => jobRun(run, job).contexts.flatMap((c) => c.steps.map((s) => s.output)).join('\n');

/** The deploy jobs of a pipeline: those of the stage that holds the deploy chain. */
const deployJobs = (doc: { stages: { jobs: Record<string, unknown>[] }[] }) =>
  doc.stages.flatMap((stage) => stage.jobs).filter((job) => ['staging', 'canary', 'production', 'canary_rollback'].includes(String(job.deployment ?? job.job)));

describe('the Azure simulator executes a release push (sim-run fixture, shell one-liners)', { timeout: 900_000 }, () => {
  let project: AzureProject;
  let passing: AzureRun;
  let failingCanary: AzureRun;
  let strictGate: AzureRun;
  let noArtifact: AzureRun;
  const approvals: string[] = [];

  beforeAll(async () => {
    project = azureProject(FIXTURE);
    const approve = (job: string) => (approvals.push(job), true);
    const withoutPublish = azureProject(FIXTURE);
    // The train job's publish step removed: the artifact is never published.
    for (const stage of withoutPublish.doc.stages) for (const job of stage.jobs) if (job.job === 'train') job.steps = job.steps.filter((s: { publish?: string }) => s.publish === undefined);
    [passing, failingCanary, strictGate, noArtifact] = await Promise.all([
      runAzureEvent(project, push, { secrets, approve }),
      // The analysis runs in the deploy image, which sees only the variables its docker run passes: the
      // failure is written into the manifest rather than set as a pipeline variable.
      runAzureEvent(azureProject(FIXTURE, (t) => t.replace('${FAIL_AT:-none}', '50')), push, { secrets, approve }),
      runAzureEvent(azureProject(FIXTURE, (t) => t.replace('min: 0.5', 'min: 0.99')), push, { secrets, approve }),
      runAzureEvent(withoutPublish, { kind: 'pull-request' }, { secrets }),
    ]);
  }, 900_000);

  it('runs exactly the plan jobs selectJobs gives for the push, and all pass', () => {
    expect(passing.planJobsRun, passing.log()).toEqual(selectJobs(project.plan, push, true).filter((id) => id !== 'canary-rollback'));
    expect(passing.jobs.filter((j) => j.result !== 'Succeeded').map((j) => j.job), passing.log()).toEqual([]);
    expect(passing.result).toBe('Succeeded');
  });

  it('gives each job a workspace of its own; a secret reaches only the steps that map it', () => {
    const roots = passing.jobs.flatMap((j) => j.contexts.map((c) => c.ws.root));
    expect(new Set(roots).size).toBe(roots.length);
    expect(output(passing, 'check_unit')).toMatch(/install sees no secret/);
    expect(output(passing, 'check_unit')).toMatch(new RegExp(`unit ran in ${jobRun(passing, 'check_unit').contexts[0]!.ws.sources}`));
  });

  it('moves train\'s model to evaluate and the deploy jobs as a pipeline artifact', () => {
    expect(passing.artifacts.files('train').sort()).toEqual(['metrics.json', 'model/model.txt']);
    expect(output(passing, 'evaluate')).toMatch(/mlgen gate: passed/);
    expect(output(passing, 'staging')).toMatch(/staging got weights v1 as staging/);
  });

  it('the docker stand-in saw a login, a build whose context held the model, and a push of MLGEN_IMAGE', () => {
    const calls = readStandinLog(passing.standins.logFile).filter((c) => c.subcommand !== 'run');
    expect(calls.map((c) => `${c.tool} ${c.subcommand} ${c.ok}`)).toEqual(['docker login true', 'docker build true', 'docker push true']);
    expect(calls[2]!.argv.at(-1)).toBe(`registry.example.com/acme/sim-run:${jobRun(passing, 'package').contexts[0]!.variables['Build.SourceVersion']}`);
  });

  it('the canary runs deploy-less hooks per increment (routeTraffic, postRouteTraffic), each in a fresh checkout; rollback and on: failure do not run', () => {
    const hooks = jobRun(passing, 'canary').contexts.map((c) => c.id.split('.').slice(2).join('.'));
    expect(hooks).toEqual(['routeTraffic.10', 'postRouteTraffic.10', 'routeTraffic.50', 'postRouteTraffic.50']);
    expect(output(passing, 'canary')).toMatch(/shift 10 to canary[\s\S]*shift 50 to canary/);
    expect(passing.jobs.find((j) => j.job === 'canary_rollback')).toBeUndefined();
  });

  it('production waits for the ManualValidation the test answers, then deploys', () => {
    expect(approvals.filter((a) => a.startsWith('deploy_chain.production_approval'))).toHaveLength(1);
    expect(output(passing, 'production')).toMatch(/production deployed/);
  });

  it('the deploy image is Alpine, which Azure cannot make a container job (glibc, bash): the deploy jobs run on the agent, each step in the image through docker run', () => {
    const jobs = deployJobs(project.doc);
    expect(jobs.map((j) => j.deployment ?? j.job).sort()).toEqual(['canary', 'canary_rollback', 'production', 'staging']);
    for (const job of jobs) expect(job.container, String(job.deployment ?? job.job)).toBeUndefined();
    const runs = readStandinLog(passing.standins.logFile).filter((c) => c.tool === 'docker' && c.subcommand === 'run') as unknown as { image: string; user: string; passed: string[]; ok: boolean }[];
    // Each run context makes the virtualenv, installs and runs its command in the image: staging,
    // the canary's four hooks (shift and analysis, at 10 and 50 %), production.
    expect(runs.length).toBe(3 * 6);
    for (const call of runs) {
      expect(call.ok).toBe(true);
      expect(call.image).toBe('alpine/k8s:1.31.2');
      expect(call.user).toBe(`${process.getuid!()}:${process.getgid!()}`);
      expect(call.passed).toEqual(expect.arrayContaining(['HOME', 'MLGEN_ENVIRONMENT', 'MLGEN_STEP']));
    }
  });

  it('negative control: a failing analysis at 50 % rolls back, fails the run, and production never starts', () => {
    const canary = jobRun(failingCanary, 'canary');
    expect(canary.result, failingCanary.log()).toBe('Failed');
    expect(canary.contexts.map((c) => `${c.id.split('.').slice(2).join('.')}:${c.status}`)).toEqual(['routeTraffic.10:Succeeded', 'postRouteTraffic.10:Succeeded', 'routeTraffic.50:Succeeded', 'postRouteTraffic.50:Failed']);
    expect(output(failingCanary, 'canary_rollback')).toMatch(/rolled back in canary/);
    expect(failingCanary.jobs.map((j) => j.job)).not.toContain('production');
    expect(failingCanary.jobs.map((j) => j.job)).not.toContain('production_approval');
    expect(failingCanary.result).toBe('Failed');
  });

  it('negative control: an impossible gate fails evaluate, and nothing after it runs', () => {
    expect(jobRun(strictGate, 'evaluate').result, strictGate.log()).toBe('Failed');
    expect(output(strictGate, 'evaluate')).toMatch(/score/);
    const after = ['package', 'staging', 'canary', 'production_approval', 'production'];
    expect(strictGate.jobs.map((j) => j.job).filter((j) => after.includes(j))).toEqual([]);
    expect(strictGate.stages.package).toBe('Skipped');
    expect(strictGate.result).toBe('Failed');
  });

  it('negative control: without train\'s artifact the job that downloads it fails', () => {
    expect(jobRun(noArtifact, 'train').result, noArtifact.log()).toBe('Succeeded');
    expect(jobRun(noArtifact, 'evaluate').result).toBe('Failed');
    expect(output(noArtifact, 'evaluate')).toMatch(/Artifact train was not found for build/);
    expect(noArtifact.result).toBe('Failed');
  });
});

/** A hand-written pipeline for semantics the generated files do not exercise on their own. */
const tiny = (stages: unknown[]) => ({ trigger: { branches: { include: ['*'] } }, stages });

describe('the Azure simulator: timeouts and deployment checkouts (hand-written pipelines)', { timeout: 900_000 }, () => {
  const project = azureProject(FIXTURE);

  it('a job past its timeoutInMinutes is cancelled, and the stage after it does not run', async () => {
    const doc = tiny([
      { stage: 'slow', jobs: [{ job: 'slow', timeoutInMinutes: 1, steps: [{ checkout: 'none' }, { bash: 'sleep 30', displayName: 'Sleep' }] }] },
      { stage: 'after', jobs: [{ job: 'after', steps: [{ checkout: 'none' }, { bash: 'echo after' }] }] },
    ]);
    // A simulated minute of 200 ms: the one-minute timeout cancels the sleep.
    const run = await runAzureEvent({ ...project, doc }, push, { minuteMs: 200 });
    expect(jobRun(run, 'slow').result, run.log()).toBe('Canceled');
    expect(output(run, 'slow')).toMatch(/exceeded the maximum execution time/);
    expect(run.stages.after).toBe('Skipped');
    expect(run.result).toBe('Canceled');
  });

  it('a deployment job checks out nothing unless a step says checkout: self; an agent job checks out by itself', async () => {
    const deploy = (id: string, steps: unknown[]) => ({ deployment: id, environment: 'staging', strategy: { runOnce: { deploy: { steps: [{ download: 'none' }, ...steps] } } } });
    const doc = tiny([
      { stage: 's', jobs: [
        { job: 'agent', steps: [{ bash: 'test -f mlgen.yaml' }] },
        deploy('bare', [{ bash: 'test -f mlgen.yaml' }]),
        deploy('told', [{ checkout: 'self' }, { bash: 'test -f mlgen.yaml' }]),
      ] },
    ]);
    const run = await runAzureEvent({ ...project, doc }, push);
    expect(Object.fromEntries(run.jobs.map((j) => [j.job, j.result])), run.log()).toEqual({ agent: 'Succeeded', bare: 'Failed', told: 'Succeeded' });
  });

  it('the deploy hook downloads the run\'s artifacts by itself unless it has a download step', async () => {
    const doc = tiny([
      { stage: 'build', jobs: [{ job: 'build', steps: [{ bash: 'mkdir -p out && echo hi > out/f.txt' }, { publish: 'out', artifact: 'drop' }] }] },
      { stage: 'ship', jobs: [
        { deployment: 'auto', environment: 'staging', strategy: { runOnce: { deploy: { steps: [{ bash: 'cat "$(Pipeline.Workspace)/drop/f.txt"' }] } } } },
        { deployment: 'off', environment: 'staging', strategy: { runOnce: { deploy: { steps: [{ download: 'none' }, { bash: 'cat "$(Pipeline.Workspace)/drop/f.txt"' }] } } } },
      ] },
    ]);
    const run = await runAzureEvent({ ...project, doc }, push);
    expect(Object.fromEntries(run.jobs.map((j) => [j.job, j.result])), run.log()).toEqual({ build: 'Succeeded', auto: 'Succeeded', off: 'Failed' });
  });

  it('the changes job\'s output variable decides train: a docs-only pull request skips train and what needs it', async () => {
    const run = await runAzureEvent(project, { kind: 'pull-request' }, { secrets, trainPathsChanged: false });
    expect(run.planJobsRun, run.log()).toEqual(selectJobs(project.plan, { kind: 'pull-request' }, false));
    expect(jobRun(run, 'train_changes').contexts[0]!.outputs).toEqual({ 'diff.changed': 'false' });
    expect(run.stages.train).toBe('Skipped');
    expect(run.result).toBe('Succeeded');
  });
});
