/**
 * fraud-canary's generated workflow run for real under act with the stand-in actions: jobs on
 * this host (train on its [self-hosted, gpu] label too), venvs installed from the wheelhouse,
 * `dvc pull` from the example's local remote, the MLflow file store, and the recording
 * stand-ins for docker and kubectl first on PATH (the build context must hold model/, a login
 * must precede the push; deploy/rollout.sh drives kubectl).
 *
 * Default (CI): the negative control alone, a release push whose canary analysis is strict
 * enough to fail (`--p95-ms 0`): it also carries package and staging, so the image build, push
 * and registration are asserted on it. MLGEN_MATRIX=full adds, on the example as committed (soak shortened), the
 * PR, a push to another branch, a release push through production and a manual ci run.
 *
 * Approval: production's `environment: production` has required reviewers on GitHub; act has
 * no environment protection and runs the job at once (named so in the test).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVenv } from '../../support/python-venv.js';
import { jobOf } from './act.js';
import { actProject, artifactEntries, describePipeline, FULL_MATRIX, registeredVersions, removeProject, runPipeline, type ActProject, type PipelineRun } from './example-act.js';

const MODEL = 'fraud-canary';
const STRICT = ' --p95-ms 0';

/**
 * The local DVC remote .dvc/config names, filled by the example's own setup script from a
 * clone with the project installed, when it does not hold the tracked data yet (once a machine).
 */
function fillDvcRemote(project: ActProject): void {
  const config = readFileSync(join(project.dir, '.dvc/config'), 'utf8');
  const remote = /url = (\S+)/.exec(config)?.[1] ?? '';
  const md5 = /md5: ([0-9a-f]{32})/.exec(readFileSync(join(project.dir, 'data/transactions.csv.dvc'), 'utf8'))?.[1] ?? '';
  if (existsSync(join(remote, 'files/md5', md5.slice(0, 2), md5.slice(2)))) return;
  const scratch = mkdtempSync(join(tmpdir(), 'mlgen-act-dvc-setup-'));
  try {
    execFileSync('git', ['clone', '-q', project.dir, join(scratch, 'repo')]);
    const venv = createVenv(join(scratch, 'venv'));
    execFileSync('sh', ['-c', 'pip install -q -r requirements.txt && ./scripts/setup-dvc-remote.sh'], { cwd: join(scratch, 'repo'), env: venv.env, stdio: ['ignore', 'inherit', 'inherit'] });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The canary's soak (`interval: 20m`, a `sleep 1200` step before each analysis) shortened to
 * 1 s for every run here: a test cannot wait an hour for three phases. Nothing else changes.
 */
const shortSoak = (manifest: string) => manifest.replace(/^(\s+interval: )20m/m, (_, key: string) => `${key}1s`);

const releaseEvent = (project: ActProject) => {
  project.repo.commitOn(project.repo.defaultBranch, 'Release: retune', { 'params.yaml': `${project.repo.git('show', 'HEAD:params.yaml')}\n# release\n` });
  return project.repo.push();
};

describe('fraud-canary under act with stand-in actions and recording docker/kubectl stand-ins', () => {
  let strict: ActProject;
  let failedCanary: PipelineRun;

  beforeAll(async () => {
    strict = actProject('fraud-canary', (m) => shortSoak(m).replace(/(analysis: python scripts\/analyze_canary\.py [^\n#]*?)(\s*)(#|\n)/, `$1${STRICT}$2$3`));
    const phases = strict.plan.jobs.find((j) => j.kind === 'canary')?.canary?.phases ?? [];
    const phaseSteps = phases.flatMap((p) => p.steps);
    expect(phaseSteps.filter((s) => s.type === 'shell' && s.run.includes(STRICT)).length).toBe(phases.length);
    expect(phaseSteps.filter((s) => s.type === 'soak').map((s) => s.type === 'soak' && s.seconds)).toEqual(phases.map(() => 1));
    fillDvcRemote(strict);
    failedCanary = await runPipeline(strict, 'push:release', releaseEvent(strict), { kind: 'push', branch: strict.plan.releaseBranch }, { record: false });
  }, 3_600_000);

  afterAll(() => removeProject(strict));

  it('negative control: a failing canary analysis fails canary-5, runs canary-rollback, fails the run, and production never starts', () => {
    const run = failedCanary.run;
    expect(run.exitCode, describePipeline(failedCanary)).not.toBe(0);
    const canary = jobOf(run, 'canary-5');
    expect(canary.result, describePipeline(failedCanary)).toBe('failure');
    expect(canary.output).toMatch(/FAIL p95 latency/);
    expect(jobOf(run, 'canary-rollback').result, describePipeline(failedCanary)).toBe('success');
    for (const id of ['canary-25', 'canary-50', 'production']) expect(jobOf(run, id).result, id).toBe('skipped');
    expect(jobOf(run, 'production').steps).toEqual([]);
    // Everything before the canary ran and passed, as the plan orders it.
    const before = failedCanary.expected.slice(0, failedCanary.expected.indexOf('canary'));
    expect(failedCanary.passed.filter((id) => before.includes(id)), describePipeline(failedCanary)).toEqual(before);
  });

  it('the rollback drives kubectl (recording stand-in): abort then undo, after the canary set its weight to 5', () => {
    const kubectl = failedCanary.calls.filter((c) => c.tool === 'kubectl').map((c) => ({ job: c.env.GITHUB_JOB, args: c.argv.filter((a) => !a.startsWith('--') && !a.startsWith('https:') && !a.startsWith('act-')).join(' ') }));
    expect(kubectl.filter((c) => c.job === 'canary-5').map((c) => c.args)).toContain('-n fraud argo rollouts set weight scorer 5');
    expect(kubectl.filter((c) => c.job === 'canary-rollback').map((c) => c.args)).toEqual(['-n fraud argo rollouts abort scorer', '-n fraud argo rollouts undo scorer']);
    expect(kubectl.some((c) => c.job === 'production')).toBe(false);
  });

  it('package: logs in before the push, builds from a context holding the trained model, pushes the MLGEN_IMAGE tag (docker stand-in)', () => {
    const docker = failedCanary.calls.filter((c) => c.tool === 'docker' && c.env.GITHUB_JOB === 'package');
    expect(docker.map((c) => [c.subcommand, c.ok]), JSON.stringify(docker, null, 1)).toEqual([
      ['login', true],
      ['build', true],
      ['push', true],
    ]);
    const sha = failedCanary.run.jobs.package ? strict.repo.sha(strict.repo.defaultBranch) : '';
    expect(docker[2]?.argv).toEqual(['push', `registry.example.com/risk/fraud-canary:${sha}`]);
    expect(artifactEntries(failedCanary.run, 'train')).toEqual(expect.arrayContaining(['metrics.json', 'model/model.joblib']));
  });

  it('package registers v1 in the MLflow file store and staging points at it; production never did', () => {
    expect(registeredVersions(strict.registry, MODEL)).toEqual({ versions: [1], aliases: { staging: 1 } });
  });

  describe.runIf(FULL_MATRIX)('every pipeline of the example as committed, soak shortened to 1 s (MLGEN_MATRIX=full)', () => {
    let project: ActProject;
    const runs = new Map<string, PipelineRun>();
    let afterRelease: ReturnType<typeof registeredVersions>;

    beforeAll(async () => {
      project = actProject('fraud-canary', shortSoak);
      const soaks = project.plan.jobs.find((j) => j.kind === 'canary')?.canary?.phases.flatMap((p) => p.steps.filter((s) => s.type === 'soak')) ?? [];
      expect(soaks.length).toBeGreaterThan(0);
      expect(soaks.every((s) => s.type === 'soak' && s.seconds === 1)).toBe(true);
      const repo = project.repo;
      repo.commitOn('tune', 'Comment the training script', { 'src/train.py': `${repo.git('show', 'HEAD:src/train.py')}\n# Tuned.\n` });
      runs.set('pr', await runPipeline(project, 'pr', repo.pullRequest({ head: 'tune' }), { kind: 'pull-request' }));
      runs.set('push:other', await runPipeline(project, 'push:other', repo.push({ branch: 'tune' }), { kind: 'push', branch: 'tune' }));
      repo.git('checkout', '--quiet', repo.defaultBranch);
      runs.set('push:release', await runPipeline(project, 'push:release', releaseEvent(project), { kind: 'push', branch: project.plan.releaseBranch }));
      afterRelease = registeredVersions(project.registry, MODEL);
      runs.set('manual:ci', await runPipeline(project, 'manual:ci', repo.workflowDispatch(), { kind: 'manual', pipeline: 'ci', mode: 'full' }));
    }, 3_600_000);

    afterAll(() => removeProject(project));

    it('runs exactly the plan’s selectJobs for every event, and every job passes (act runs production without waiting for its approval)', () => {
      for (const run of runs.values()) {
        expect(run.ran, describePipeline(run)).toEqual(run.expected);
        expect(run.passed, describePipeline(run)).toEqual(run.expected);
        expect(run.run.exitCode, describePipeline(run)).toBe(0);
      }
    });

    it('the release walks the canary through 5, 25 and 50 percent and promotes production; the registry has @production', () => {
      const release = runs.get('push:release')!;
      const weights = release.calls.filter((c) => c.tool === 'kubectl' && c.argv.includes('weight')).map((c) => c.argv.at(-1));
      expect(weights).toEqual(['5', '25', '50']);
      expect(jobOf(release.run, 'canary-rollback').result).toBe('skipped');
      expect(afterRelease).toEqual({ versions: [1], aliases: { staging: 1, production: 1 } });
    });
  });
});
