/**
 * The eight rules of platform-review.md and its Jenkins items, judged by the stub DSL running
 * each generated Jenkinsfile as Jenkins would (jenkins-stub-dsl.groovy cites the semantics):
 * which stages run, their results, which post blocks run, the locks and inputs taken, and every
 * `sh` with the credentials and variables it saw. One groovy process answers every scenario.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../../src/files/index.js';
import { jobById, type Plan, type PlanEvent } from '../../../src/plan/index.js';
import { fixtureText, generateFor } from '../../support/harness.js';
import { evaluateJenkinsfile, scenarioFor, type Scenario, type StubOutcome, type StubPipeline, type StubStage } from '../../support/harness-jenkins.js';

const SMALL = `version: 1
name: small
defaults: { runner: [linux, big], install: pip install -r requirements.txt }
secrets:
  - { name: DEPLOY_TOKEN, to: [deploy] }
  - { name: DATA_TOKEN, to: [data, train] }
data: { pull: dvc pull, tests: [{ name: schema, run: pytest tests/data }] }
checks:
  - name: unit
    run: pytest tests/unit
  - name: pipefail
    run: |
      set -o pipefail
      false | cat
      echo survived
train: { run: python train.py, gpu: true, image: nvidia/cuda:12.4.0-runtime-ubuntu22.04, artifacts: [model/] }
deploy:
  staging: { run: ./deploy.sh staging }
  production:
    run: ./deploy.sh production
    approval: { approvers: [ml-leads, alice], timeout: 2h }
`;

/** SMALL in contract 1.0's form (secrets as names, no train.gpu, approval: true), which c4e22b8 accepts. */
const SMALL_1_0 = SMALL.replace(/secrets:\n(  - .*\n)+/, 'secrets: [DEPLOY_TOKEN, DATA_TOKEN]\n')
  .replace(' gpu: true,', '')
  .replace(/approval: \{ approvers: .* \}/, 'approval: true');

interface Case {
  plan: Plan;
  files: GeneratedFile[];
}
const spec: Case = generateFor(fixtureText('spec-complete'), 'jenkins');
const small: Case = generateFor(SMALL, 'jenkins');
const small10: Case = generateFor(SMALL_1_0, 'jenkins');
const text = (c: Case, path = 'Jenkinsfile') => c.files.find((f) => f.path === path)!.content;

const releasePush = (c: Case): Scenario => scenarioFor(c.plan, { kind: 'push', branch: c.plan.releaseBranch }, true).scenario;
const pr = (c: Case, extra: Record<string, string> = {}): Scenario => {
  const { scenario } = scenarioFor(c.plan, { kind: 'pull-request' } as PlanEvent, true);
  return { ...scenario, env: { ...scenario.env, ...extra } };
};

const SCENARIOS: Record<string, [Case, Scenario]> = {
  release: [spec, releasePush(spec)],
  canaryTimeout: [spec, { ...releasePush(spec), failures: { 'canary-10-soak': 'ABORTED' } }],
  canaryAnalysisFails: [spec, { ...releasePush(spec), failures: { 'canary-50-analysis': 'FAILURE' } }],
  evaluateFails: [spec, { ...releasePush(spec), failures: { evaluate: 'FAILURE' } }],
  approvalTimesOut: [spec, { ...releasePush(spec), failures: { 'production-approval': 'ABORTED' } }],
  pr: [spec, pr(spec)],
  forkPr: [spec, pr(spec, { CHANGE_FORK: 'someone' })],
  smallRelease: [small, releasePush(small)],
  smallForkPr: [small, pr(small, { CHANGE_FORK: 'someone' })],
};

/**
 * The scenarios' outcomes. An older mlgen (MLGEN_FILES_FROM) that refuses a manifest (SMALL is
 * contract 1.1) gives no Jenkinsfile: reading that manifest's outcome or pipeline throws the
 * refusal, so only the tests that read it fail by refusal; the rest judge the files it wrote.
 */
const refused: Record<string, Error> = {};
const outcomes = new Proxy({} as Record<string, StubOutcome>, {
  get: (found, id: string) => {
    if (refused[id]) throw refused[id];
    return found[id];
  },
});
const refusedBy = (c: Case): Error | undefined => {
  try {
    text(c);
    return undefined;
  } catch (e) {
    if (e instanceof Error && /refuses the manifest/.test(e.message)) return e;
    throw e;
  }
};
let specMain: StubPipeline;
let specRetrain: StubPipeline;
let smallPipeline: StubPipeline | undefined;
let small10Main: StubPipeline;
const smallMain = (): StubPipeline => {
  if (refused.small) throw refused.small;
  return smallPipeline!;
};

beforeAll(async () => {
  const entries = Object.entries(SCENARIOS).filter(([id, [c]]) => {
    const refusal = refusedBy(c);
    if (refusal) refused[id] = refusal;
    return !refusal;
  });
  const smallRefusal = refusedBy(small);
  if (smallRefusal) refused.small = smallRefusal;
  const [results, specFile, retrainFile, smallFile, small10File] = await Promise.all([
    Promise.all(entries.map(([id, [c, scenario]]) => evaluateJenkinsfile(text(c), [{ ...scenario, id }]))),
    evaluateJenkinsfile(text(spec)),
    evaluateJenkinsfile(text(spec, 'jenkins/retrain-incremental.Jenkinsfile')),
    smallRefusal ? undefined : evaluateJenkinsfile(text(small)),
    evaluateJenkinsfile(text(small10)),
  ]);
  const found: Record<string, StubOutcome> = {};
  entries.forEach(([id], i) => {
    const result = results[i]!;
    if (result.error) throw new Error(`${id}: ${result.error}`);
    found[id] = result.outcomes![id]!;
  });
  Object.assign(outcomes, found);
  specMain = specFile.pipeline!;
  specRetrain = retrainFile.pipeline!;
  smallPipeline = smallFile?.pipeline;
  small10Main = small10File.pipeline!;
}, 600_000);

function allStages(stages: StubStage[]): StubStage[] {
  return stages.flatMap((s) => [s, ...allStages(s.parallel ?? []), ...allStages(s.stages ?? [])]);
}
const stage = (p: StubPipeline, name: string) => allStages(p.stages).find((s) => s.name === name)!;
const ran = (id: string, label: string) => outcomes[id]!.executed.filter((e) => e.label === label);

describe('rule 1: the project is installed first, in the workspace virtualenv', () => {
  it('every manifest command after the venv step runs with VIRTUAL_ENV and the venv first on PATH (withEnv PATH+VENV)', () => {
    const steps = outcomes.release!.executed.filter((e) => e.where !== 'source' && e.label !== 'Create the virtualenv');
    expect(steps.length).toBeGreaterThan(20);
    for (const step of steps) expect({ where: step.where, label: step.label, env: [step.env.VIRTUAL_ENV, step.env['PATH+VENV']] }).toEqual({ where: step.where, label: step.label, env: ['/workspace/.venv', '/workspace/.venv/bin'] });
  });

  it('the deploy stages install too, and each stage installs before its own commands', () => {
    for (const where of ['staging', 'canary-10', 'canary-10-analysis', 'production']) {
      const labels = outcomes.release!.executed.filter((e) => e.where === where).map((e) => e.label);
      expect(labels.slice(0, 2), where).toEqual(['Create the virtualenv', 'Install']);
    }
  });
});

describe('rule 2 and Jenkins: runs where its tools are', () => {
  it('hosted labels mean any agent: no stage, and no post node, asks for ubuntu-latest', () => {
    const labels = allStages(specMain.stages).flatMap((s) => [s.agent?.label, s.agent?.docker?.label, ...Object.values(s.post).flat().map((p) => p.label)]);
    expect(labels.filter((l) => l === 'ubuntu-latest')).toEqual([]);
    expect(specMain.post.unsuccessful!.find((s) => s.step === 'node')).toMatchObject({ label: null });
    expect(stage(specMain, 'source').agent).toEqual({ kind: 'any' });
  });

  it('self-hosted labels stay a label expression; GPU training gets docker args --gpus all', () => {
    expect(stage(smallMain(), 'check-unit').agent).toEqual({ label: 'linux && big' });
    expect(stage(smallMain(), 'train').agent).toEqual({ docker: { image: 'nvidia/cuda:12.4.0-runtime-ubuntu22.04', label: 'linux && big', args: '--gpus all' } });
  });

  it('package runs on the host agent (Docker there), logs in to the registry with a credential before the push, in a workspace Docker config', () => {
    expect(stage(specMain, 'package').agent).toEqual({ kind: 'any' });
    const login = ran('release', 'Log in to the registry')[0]!;
    expect(login.secrets).toEqual(['house-prices-registry']);
    expect(login.env.DOCKER_CONFIG).toBe('/workspace/.mlgen/docker');
    const order = outcomes.release!.executed.filter((e) => e.where === 'package').map((e) => e.label);
    expect(order.indexOf('Log in to the registry')).toBeLessThan(order.indexOf('Push image'));
    expect(ran('release', 'Push image')[0]!.env.DOCKER_CONFIG).toBe('/workspace/.mlgen/docker');
  });

  it('a multi-line command with bash features starts with #!/bin/bash, since sh runs /bin/sh (dash)', () => {
    const script = allStages(smallMain().stages).flatMap((s) => s.steps ?? []).find((s) => s.step === 'sh' && String(s.script).includes('pipefail'))!.script!;
    expect(script.startsWith('#!/bin/bash\nset -o pipefail\n')).toBe(true);
    const plain = allStages(smallMain().stages).flatMap((s) => s.steps ?? []).find((s) => s.step === 'sh' && s.script === 'pytest tests/unit');
    expect(plain).toBeDefined();
  });

  it('a multi-line command with bash features starts with #!/bin/bash, since sh runs /bin/sh (dash) (1.0 manifest)', () => {
    const scripts = allStages(small10Main.stages).flatMap((s) => s.steps ?? []).flatMap((s) => (s.step === 'sh' ? [String(s.script)] : []));
    const script = scripts.find((s) => s.includes('pipefail'))!;
    expect(script.startsWith('#!/bin/bash\nset -o pipefail\n')).toBe(true);
    // What the sh step does with it: dash rejects pipefail, bash (the interpreter line) runs it.
    expect(spawnSync('sh', ['-e', '-c', script.replace(/^#!.*\n/, '')], { encoding: 'utf8' }).status).not.toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'mlgen-jk-bash-')), 'step.sh');
    writeFileSync(file, script);
    expect(execFileSync(script.split('\n')[0]!.slice(2), [file], { encoding: 'utf8' })).toBe('survived\n');
    expect(scripts).toContain('pytest tests/unit');
  });
});

describe('rule 3: every consumer of the artifacts receives them', () => {
  it('train stashes and archives; evaluate, package and every deploy stage unstash them', () => {
    const stepsOf = (name: string) => stage(specMain, name).steps!;
    expect(stepsOf('train').some((s) => s.step === 'stash' && s.name === 'train')).toBe(true);
    for (const name of ['evaluate', 'package', 'staging', 'canary-10', 'production']) expect(stepsOf(name).some((s) => s.step === 'unstash' && s.name === 'train'), name).toBe(true);
  });
});

describe('Jenkins: one commit for the whole run', () => {
  it('only the source stage checks out; every agent stage starts empty and unstashes that tree', () => {
    const agentStages = allStages(specMain.stages).filter((s) => s.agent !== null && s.steps);
    expect(agentStages.length).toBeGreaterThan(10);
    for (const s of agentStages) {
      if (s.name === 'source') expect(s.steps!.map((x) => x.step)).toContain('checkout');
      else expect(s.steps!.slice(0, 2).map((x) => [x.step, x.name])).toEqual([['deleteDir', undefined], ['unstash', 'mlgen-source']]);
    }
  });

  it('MLGEN_VERSION and MLGEN_IMAGE are the source checkout\'s commit in every step, production days later included', () => {
    const steps = outcomes.release!.executed.filter((e) => e.where !== 'source');
    for (const e of steps) {
      expect(e.env.MLGEN_VERSION, e.where).toBe('0123456789abcdef0123456789abcdef01234567');
      expect(e.env.MLGEN_IMAGE, e.where).toBe('registry.example.com/acme/house-prices:0123456789abcdef0123456789abcdef01234567');
    }
    expect(specMain.options.map((o) => o.name)).toContain('skipDefaultCheckout');
  });
});

describe('rule 5: deploys never overlap and never go backwards (lock and milestone)', () => {
  it('staging to production (and the rollback) run inside one stage that holds the deploy lock, after a milestone', () => {
    const chain = stage(specMain, 'deploy-chain');
    expect(chain.options).toEqual([{ name: 'lock', args: [{ resource: 'house-prices-deploy', inversePrecedence: true }] }]);
    expect(allStages(chain.stages!).map((s) => s.name)).toEqual(expect.arrayContaining(['staging', 'canary', 'production-approval', 'production']));
    expect(stage(specMain, 'deploy-queue').steps).toEqual([{ step: 'milestone', where: 'deploy-queue', ordinal: 1, label: 'Deploy chain: queued' }]);
    expect(chain.stages![0]!.steps!.map((s) => s.step)).toEqual(['milestone']);
    const top = specMain.stages.map((s) => s.name);
    expect(top.indexOf('deploy-queue')).toBe(top.indexOf('deploy-chain') - 1);
  });

  it('the retrain Jenkinsfile takes the same lock (one chain across jobs)', () => {
    expect(stage(specRetrain, 'deploy-chain').options).toEqual(stage(specMain, 'deploy-chain').options);
  });

  it('a run that does not deploy never takes the lock (beforeOptions), a release run takes it once', () => {
    expect(outcomes.pr!.locks).toEqual([]);
    expect(outcomes.release!.locks).toEqual(['deploy-chain']);
    expect(stage(specMain, 'deploy-chain').when?.flags).toMatchObject({ beforeOptions: true });
  });

  it('no disableConcurrentBuilds: a pending approval freezes only later deploys, never later builds\' checks', () => {
    for (const p of [() => specMain, () => specRetrain, smallMain]) expect(p().options.map((o) => o.name)).not.toContain('disableConcurrentBuilds');
    expect(outcomes.pr!.inputs).toEqual([]);
  });
});

describe('rule 6: a timeout, a cancel or a failure rolls the canary back and notifies', () => {
  it('a canary phase that times out (ABORTED) rolls back and notifies; no failure block exists to miss it', () => {
    const o = outcomes.canaryTimeout!;
    expect(o.results['canary-10-soak']).toBe('ABORTED');
    expect(o.build).toBe('ABORTED');
    expect(o.posts).toEqual(['evaluate:always', 'canary:unsuccessful', 'pipeline:unsuccessful']);
    expect(ran('canaryTimeout', 'Roll back').map((e) => e.script)).toEqual(['./deploy.sh rollback']);
    expect(ran('canaryTimeout', 'Notify').map((e) => e.script)).toEqual(['python scripts/notify.py --status failed']);
    expect(o.ran).not.toContain('production');
  });

  it('a failed analysis rolls back, fails the run and notifies', () => {
    const o = outcomes.canaryAnalysisFails!;
    expect(o.build).toBe('FAILURE');
    expect(o.posts).toEqual(['evaluate:always', 'canary:unsuccessful', 'pipeline:unsuccessful']);
    expect(ran('canaryAnalysisFails', 'Roll back')).toHaveLength(1);
  });

  it('a failure before the canary notifies without rolling back; an approval that times out notifies', () => {
    expect(outcomes.evaluateFails!.posts).toEqual(['evaluate:always', 'pipeline:unsuccessful']);
    expect(outcomes.evaluateFails!.ran).not.toContain('canary');
    expect(outcomes.approvalTimesOut!.posts).toEqual(['evaluate:always', 'pipeline:unsuccessful']);
    expect(outcomes.approvalTimesOut!.ran).not.toContain('production');
  });

  it('notify has its helper timeout (a post block has no stage options), on any agent', () => {
    expect(specMain.post.unsuccessful![0]).toEqual({ step: 'timeout', where: 'post unsuccessful', time: 10, unit: 'MINUTES' });
  });

  it('a successful run runs no failure handler, only the gate report\'s post', () => {
    expect(outcomes.release!.build).toBe('SUCCESS');
    expect(outcomes.release!.posts).toEqual(['evaluate:always']);
  });
});

describe("the gate's report: junit and the archived Markdown in evaluate's post always", () => {
  it('the post block publishes the JUnit file and archives the summary, tolerating their absence', () => {
    const steps = stage(specMain, 'evaluate').post.always!.filter((s) => s.step !== 'timeout');
    expect(steps.map(({ where: _where, ...rest }) => rest)).toEqual([
      { step: 'junit', testResults: '.mlgen/reports/gate-junit.xml', allowEmptyResults: true },
      { step: 'archiveArtifacts', artifacts: '.mlgen/reports/gate-summary.md', allowEmptyArchive: true },
    ]);
  });

  it('it runs when the gate passes and when it fails (the failed run still fails)', () => {
    expect(outcomes.release!.posts).toContain('evaluate:always');
    expect(outcomes.evaluateFails!.posts).toContain('evaluate:always');
    expect(outcomes.evaluateFails!.build).toBe('FAILURE');
  });
});

describe('rule 7: secrets reach only the steps they are for; forks get none', () => {
  it('each step sees exactly the plan step\'s secrets (install sees none), in spec-complete and with secrets[].to', () => {
    for (const [id, c] of [['release', spec], ['smallRelease', small]] as const) {
      for (const e of outcomes[id]!.executed.filter((x) => x.where !== 'source' && !x.where.includes('post') && x.label !== 'Log in to the registry')) {
        const jobId = e.where.replace(/^canary-\d+(-analysis)?$/, 'canary');
        const job = jobById(c.plan, jobId);
        const steps = [...job.steps, ...(job.canary?.phases.flatMap((p) => p.steps) ?? [])];
        const step = steps.find((s) => s.label === e.label);
        expect({ where: e.where, label: e.label, secrets: e.secrets }).toEqual({ where: e.where, label: e.label, secrets: step?.type === 'shell' ? step.secrets : [] });
      }
    }
    expect(ran('smallRelease', 'Deploy').every((e) => e.secrets.join() === 'DEPLOY_TOKEN')).toBe(true);
    expect(ran('smallRelease', 'Run').filter((e) => e.where.startsWith('check-')).map((e) => e.secrets)).toEqual([[], []]);
    expect(ran('smallRelease', 'Run').filter((e) => e.where === 'data-schema').map((e) => e.secrets)).toEqual([['DATA_TOKEN']]);
  });

  it('a fork\'s pull request runs no step with a secret, and skips stages that need self-hosted agents', () => {
    expect(outcomes.forkPr!.executed.filter((e) => e.secrets.length > 0)).toEqual([]);
    expect(outcomes.forkPr!.ran).toContain('check-lint');
    expect(outcomes.forkPr!.ran).not.toContain('train');
    expect(outcomes.smallForkPr!.ran).not.toContain('check-unit');
    // The control: the same pull request from the repository itself gets the secrets and trains.
    expect(outcomes.pr!.executed.filter((e) => e.secrets.length > 0).length).toBeGreaterThan(0);
    expect(outcomes.pr!.ran).toContain('train');
  });
});

describe('Jenkins: approval, soak, discarder', () => {
  it('input has the approvers as submitter and the manifest\'s timeout, in a stage without an agent', () => {
    const approval = stage(smallMain(), 'production-approval');
    expect(approval.input).toEqual({ message: 'Deploy small to production?', ok: 'Deploy', submitter: 'ml-leads,alice' });
    expect(approval.options).toEqual([{ name: 'timeout', args: [{ time: 120, unit: 'MINUTES' }] }]);
    expect(approval.agent).toBeNull();
  });

  it('approval: true: input in a stage without an agent, rejected after the 3 days every target applies (1.0 manifest)', () => {
    const approval = stage(specMain, 'production-approval');
    expect(approval.agent).toBeNull();
    expect(approval.input).toMatchObject({ message: 'Deploy house-prices to production?', ok: 'Deploy' });
    expect(approval.options).toEqual([{ name: 'timeout', args: [{ time: 3 * 24 * 60, unit: 'MINUTES' }] }]);
    expect(outcomes.approvalTimesOut!.ran).not.toContain('production');
  });

  it('the soak sleeps in a stage without an agent (no executor held)', () => {
    const soak = stage(specMain, 'canary-10-soak');
    expect(soak.agent).toBeNull();
    expect(stage(specMain, 'canary').agent).toBeNull();
    expect(soak.steps!.map((s) => s.step)).toEqual(['sleep']);
  });

  it('keeps a bounded number of builds and archived models (buildDiscarder)', () => {
    expect(specMain.options.find((o) => o.name === 'buildDiscarder')).toEqual({ name: 'buildDiscarder', args: [{ name: 'logRotator', args: [{ numToKeepStr: '50', artifactNumToKeepStr: '10' }] }] });
  });
});
