/**
 * The platform-review rules and Azure items (../shared/findings/platform-review.md), each judged by
 * what Azure would do with the file: the simulator's jobs and results, the steps' scripts run by
 * bash in a real git history, Microsoft's schema. Each of these fails on the files of c4e22b8.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { imageRunOf } from '../../../src/targets/azure/image-run.js';
import { fixtureText, generateFor, mlgenBin } from '../../support/harness.js';
import { AZURE_FILE, azureDocument, schemaFindings, simulateRun, structuralFindings } from '../../support/harness-azure.js';
import { checkoutFindings, lockQueue, type History } from './simulate.js';

type Doc = Record<string, any>;

function azure(text: string) {
  const { plan, files } = generateFor(text, 'azure');
  return { plan, files, doc: azureDocument(files) ?? {} };
}
const jobsOf = (doc: Doc): Doc[] => (doc.stages as Doc[]).flatMap((s) => s.jobs as Doc[]);
const job = (doc: Doc, id: string): Doc => jobsOf(doc).find((j) => (j.job ?? j.deployment) === id) ?? {};
/** Every step list of a job: its steps or each hook of its strategy. */
const stepLists = (j: Doc): Doc[][] => (j.steps ? [j.steps] : Object.values(Object.values(j.strategy ?? {})[0] ?? {}).flatMap((h: any) => (Array.isArray(h?.steps) ? [h.steps] : [])));
const ran = (list: { job: string; result: string }[]) => list.filter((j) => j.result !== 'Skipped').map((j) => `${j.job}:${j.result}`);

const spec = azure(fixtureText('spec-complete'));
const push = { kind: 'push' as const, branch: 'main' };

const GPU = `version: 1
name: gpu-model
defaults: { image: "python:3.12-slim", install: pip install -r requirements.txt }
checks: [{ name: unit, run: pytest }]
train: { run: python train.py, runner: [self-hosted, gpu], gpu: true, artifacts: [model/], paths: [src/**] }
package: { image: registry.example.com/acme/gpu-model, dockerfile: Dockerfile }
deploy:
  staging: { run: ./deploy.sh staging }
  canary: { steps: [25, 50], run: ./deploy.sh canary, interval: 20m, rollback: ./deploy.sh rollback }
  production: { run: ./deploy.sh production, approval: { approvers: ["Release Managers", "ana@example.com"], timeout: 2d } }
secrets: [{ name: DEPLOY_TOKEN, to: [deploy] }]
notify: { failure: ./notify.sh }
`;
// Generated on first use: an older mlgen (MLGEN_FILES_FROM) that refuses this contract-1.1 manifest then
// fails only the tests that read it, not the whole file.
let gpuCase: ReturnType<typeof azure> | undefined;
const gpu = () => (gpuCase ??= azure(GPU));
/** The same project in contract 1.0's form (no train.gpu, approval: true, secrets as names), which c4e22b8 accepts. */
const V10 = GPU.replace(' gpu: true,', '')
  .replace(/approval: \{ approvers: .* \} \}/, 'approval: true }')
  .replace('secrets: [{ name: DEPLOY_TOKEN, to: [deploy] }]', 'secrets: [DEPLOY_TOKEN]');
let v10Case: ReturnType<typeof azure> | undefined;
const v10 = () => (v10Case ??= azure(V10));

describe('rule 1 and 3: every command runs with the project installed in a workspace virtualenv', () => {
  it('the venv step creates a virtualenv as any user and puts its bin first on PATH for the later steps', () => {
    const venv = jobsOf(spec.doc).flatMap(stepLists).flat().find((s) => s.displayName === 'Create the virtualenv')!;
    const dir = mkdtempSync(join(tmpdir(), 'mlgen-venv-'));
    const out = execFileSync('bash', ['-c', venv.bash], { cwd: dir, encoding: 'utf8' });
    const path = /##vso\[task\.prependpath\](.*)/.exec(out)?.[1];
    expect(path).toBe(join(dir, '.venv/bin'));
    expect(/##vso\[task\.setvariable variable=VIRTUAL_ENV\](.*)/.exec(out)?.[1]).toBe(join(dir, '.venv'));
    expect(execFileSync(join(path!, 'python'), ['-c', 'import sys; print(sys.prefix != sys.base_prefix)'], { encoding: 'utf8' }).trim()).toBe('True');
  });

  it('every agent job and hook that runs a manifest command creates the venv and installs first', () => {
    let lists = 0;
    for (const j of jobsOf(spec.doc)) {
      for (const steps of stepLists(j)) {
        const names = steps.map((s) => String(s.displayName ?? ''));
        const firstCommand = steps.findIndex((s) => s.bash && !['Create the virtualenv', 'Install'].includes(s.displayName) && !s.name);
        if (firstCommand < 0 || j.job === 'train_changes') continue;
        lists++;
        expect(names.indexOf('Create the virtualenv'), `${j.job ?? j.deployment}`).toBeGreaterThanOrEqual(0);
        expect(names.indexOf('Install'), `${j.job ?? j.deployment}`).toBeLessThan(firstCommand);
      }
    }
    expect(lists).toBeGreaterThanOrEqual(10);
  });
});

describe('rule 2: every job runs where its tools are', () => {
  it('a GPU training container starts with --gpus all', () => {
    expect(job(gpu().doc, 'train').container).toEqual({ image: 'python:3.12-slim', options: '--gpus all' });
    expect(job(gpu().doc, 'check_unit').container).toBe('python:3.12-slim');
  });

  it.each([
    ['', gpu],
    [' (1.0 manifest)', v10],
  ])('package builds with the host agent\'s docker and logs in with Docker@2 before the push%s', (_manifest, project) => {
    const pkg = job(project().doc, 'package');
    expect(pkg.container).toBeUndefined();
    const names = pkg.steps.map((s: Doc) => s.task ?? s.bash);
    expect(names).toContain('docker push "$MLGEN_IMAGE"');
    expect(names.indexOf('Docker@2')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('Docker@2')).toBeLessThan(names.indexOf('docker push "$MLGEN_IMAGE"'));
    expect(pkg.steps.find((s: Doc) => s.task === 'Docker@2').inputs).toEqual({ command: 'login', containerRegistry: 'gpu-model-registry' });
  });
});

describe('rule 4: every consumer of training\'s artifacts downloads them', () => {
  it('evaluate, package and every deploy job and hook download the train artifact into the sources', () => {
    for (const id of ['evaluate', 'package', 'staging', 'canary', 'canary_rollback', 'production']) {
      for (const steps of stepLists(job(spec.doc, id))) {
        expect(steps.find((s) => s.task === 'DownloadPipelineArtifact@2')?.inputs, id).toEqual({ buildType: 'current', artifactName: 'train', targetPath: '$(Build.SourcesDirectory)' });
      }
    }
  });
});

describe('rule 5: train.paths changed means the contract\'s rule', () => {
  const trains = async (event: Parameters<typeof simulateRun>[2], history: History, more = {}) =>
    (await simulateRun(spec.files, spec.plan, event, true, undefined, { history, ...more })).some((j) => j.job === 'train' && j.result === 'Succeeded');
  const threeCommits: History = { base: [['README.md']], head: [['src/model.py'], ['docs/a.md'], ['docs/b.md']] };
  const docsOnly: History = { base: [['README.md']], head: [['docs/a.md'], ['docs/b.md']] };

  it('a three-commit push to the release branch whose first commit alone touches train.paths trains', async () => {
    expect(await trains(push, threeCommits)).toBe(true);
  });

  it('a push to the release branch that touches no train.paths does not train (the last successful build is the base)', async () => {
    expect(await trains(push, docsOnly)).toBe(false);
  });

  it('without a last successful build the release push trains (unknown means train)', async () => {
    expect(await trains(push, docsOnly, { lastSuccessfulBuild: 'none' })).toBe(true);
  });

  it('a pull request whose earlier commit touched train.paths trains; a docs-only one does not', async () => {
    expect(await trains({ kind: 'pull-request' }, threeCommits)).toBe(true);
    expect(await trains({ kind: 'pull-request' }, docsOnly)).toBe(false);
  });

  it('a push to another branch compares with its merge base with the release branch', async () => {
    expect(await trains({ kind: 'push', branch: 'feature' }, threeCommits)).toBe(true);
    expect(await trains({ kind: 'push', branch: 'feature' }, docsOnly)).toBe(false);
  });

  // The defect 5e01d6b named: the simulated repository's base branch was always `main`, so with
  // another release branch the diff found no merge base and a docs-only pull request trained.
  it.each(['release', 'feature', 'release/v1'])('with release branch %s, a docs-only pull request or branch push does not train; a train.paths one does', async (branch) => {
    const other = azure(fixtureText('spec-complete').replace(/^  branch: main\b/m, `  branch: ${JSON.stringify(branch)}`));
    expect(other.plan.releaseBranch).toBe(branch);
    const trainsOn = async (event: Parameters<typeof simulateRun>[2], history: History) =>
      (await simulateRun(other.files, other.plan, event, true, undefined, { history })).some((j) => j.job === 'train' && j.result === 'Succeeded');
    expect(await trainsOn({ kind: 'pull-request' }, docsOnly)).toBe(false);
    expect(await trainsOn({ kind: 'pull-request' }, threeCommits)).toBe(true);
    expect(await trainsOn({ kind: 'push', branch: 'topic' }, docsOnly)).toBe(false);
    expect(await trainsOn({ kind: 'push', branch: branch }, docsOnly)).toBe(false);
    expect(await trainsOn({ kind: 'push', branch: branch }, threeCommits)).toBe(true);
  });

  it('the changes job fetches the whole history', () => {
    expect(job(spec.doc, 'train_changes').steps[0]).toEqual({ checkout: 'self', fetchDepth: 0 });
  });
});

describe('rule 6: one lock for the whole deploy chain, runs queued in order', () => {
  it('staging, canary and production share one stage (checks are held per stage), with lockBehavior sequential', () => {
    const withEnvironments = (spec.doc.stages as Doc[]).filter((s) => (s.jobs as Doc[]).some((j) => j.environment));
    expect(withEnvironments.map((s) => s.stage)).toEqual(['deploy_chain']);
    expect((withEnvironments[0]!.jobs as Doc[]).filter((j) => j.environment).map((j) => j.environment)).toEqual(['staging', 'canary', 'production']);
    expect(spec.doc.lockBehavior).toBe('sequential');
  });

  it('three release runs waiting for the lock all deploy, in order; the default runLatest would cancel two (control)', () => {
    expect(lockQueue(spec.doc, ['run-1', 'run-2', 'run-3'])).toEqual({ deploys: ['run-1', 'run-2', 'run-3'], cancelled: [] });
    expect(lockQueue({ ...spec.doc, lockBehavior: undefined }, ['run-1', 'run-2', 'run-3'])).toEqual({ deploys: ['run-3'], cancelled: ['run-1', 'run-2'] });
  });

  it('every deployment hook that runs a script checks out the repository first (deployment jobs do not by themselves)', () => {
    expect(checkoutFindings(spec.doc)).toEqual([]);
    const stripped = JSON.parse(JSON.stringify(spec.doc, (k, v) => (Array.isArray(v) ? v.filter((s: Doc) => s?.checkout === undefined) : v)));
    expect(checkoutFindings(stripped).length).toBeGreaterThanOrEqual(4);
  });

  it('a retrain that deploys runs the same stage, so it queues on the same lock', async () => {
    const run = await simulateRun(spec.files, spec.plan, { kind: 'schedule', schedule: 'retrain-full' }, true);
    expect(run.filter((j) => j.stage === 'deploy_chain').map((j) => j.job)).toEqual(['staging', 'canary', 'production_approval', 'production']);
  });
});

describe('rule 7: a canary that fails, times out or is cancelled rolls back, and the run notifies', () => {
  it('the canary job\'s timeout holds every soak (the plan\'s)', () => {
    const canary = spec.plan.jobs.find((j) => j.id === 'canary')!;
    expect(job(spec.doc, 'canary').timeoutInMinutes).toBe(canary.runtime.timeoutMinutes);
    expect(canary.runtime.timeoutMinutes).toBeGreaterThanOrEqual(60 + 2 * 15);
  });

  for (const [what, key] of [['fails', 'failing'], ['times out', 'timingOut'], ['is cancelled', 'cancelling']] as const) {
    it(`a canary that ${what} rolls back, production does not run, and notify runs`, async () => {
      const run = await simulateRun(spec.files, spec.plan, push, true, undefined, { [key]: new Set(['deploy_chain.canary']) });
      const results = ran(run);
      expect(results).toContain('canary_rollback:Succeeded');
      expect(results.some((r) => r.startsWith('production'))).toBe(false);
      expect(results.at(-1)).toBe('notify:Succeeded');
    });
  }

  it('a canary that never started rolls nothing back; a green run does not notify (controls)', async () => {
    const failedStaging = ran(await simulateRun(spec.files, spec.plan, push, true, new Set(['deploy_chain.staging'])));
    expect(failedStaging.some((r) => r.startsWith('canary'))).toBe(false);
    expect(failedStaging.at(-1)).toBe('notify:Succeeded');
    const green = ran(await simulateRun(spec.files, spec.plan, push, true));
    expect(green.some((r) => r.startsWith('canary_rollback') || r.startsWith('notify'))).toBe(false);
  });

  it('a training job that times out notifies', async () => {
    const run = ran(await simulateRun(spec.files, spec.plan, push, true, undefined, { timingOut: new Set(['train.train']) }));
    expect(run).toContain('train:Canceled');
    expect(run.at(-1)).toBe('notify:Succeeded');
  });
});

describe('rule 8: secrets only where needed; forks get no secrets and no self-hosted agent; nothing auto-cancelled', () => {
  it('a fork pull request skips the self-hosted GPU training; a pull request from the repository does not (control)', async () => {
    const fork = await simulateRun(spec.files, spec.plan, { kind: 'pull-request' }, true, undefined, { fork: true });
    expect(fork.map((j) => j.job)).not.toContain('train');
    expect(fork.map((j) => j.job)).toContain('check_unit');
    const own = await simulateRun(spec.files, spec.plan, { kind: 'pull-request' }, true);
    expect(own.map((j) => j.job)).toContain('train');
  });

  it('a deploy-only secret reaches the deploy steps and nothing else', () => {
    const withSecret = jobsOf(gpu().doc).flatMap((j) => stepLists(j).flat().filter((s) => s.env?.DEPLOY_TOKEN).map((s) => `${j.job ?? j.deployment}:${s.displayName}`));
    expect(withSecret.sort()).toEqual(['canary:Shift traffic', 'canary_rollback:Roll back', 'production:Deploy', 'staging:Deploy']);
  });

  it('a secret listed by name reaches the manifest commands that may use it, never an install or the image build (1.0 manifest)', () => {
    // The scripts the agent runs with DEPLOY_TOKEN in their environment (labels aside).
    const withSecret = new Set(jobsOf(v10().doc).flatMap((j) => stepLists(j).flat().filter((s) => s.bash && s.env?.DEPLOY_TOKEN).map((s) => String(s.bash))));
    expect([...withSecret].sort()).toEqual(['./deploy.sh canary', './deploy.sh production', './deploy.sh rollback', './deploy.sh staging', './notify.sh', 'pytest', 'python train.py']);
  });

  it('each push gets its own run (batch: false) and waiting runs queue instead of being cancelled (sequential)', () => {
    expect(spec.doc.trigger.batch).toBe(false);
    expect(spec.doc.lockBehavior).toBe('sequential');
  });
});

describe('Azure items', () => {
  it('ManualValidation: the plan\'s approvers, never the requester, rejected after the approval timeout', () => {
    const approval = job(gpu().doc, 'production_approval');
    expect(approval.timeoutInMinutes).toBe(2 * 24 * 60);
    expect(approval.steps[0].inputs).toEqual({
      notifyUsers: 'Release Managers,ana@example.com',
      approvers: 'Release Managers,ana@example.com',
      allowApproversToApproveTheirOwnRuns: false,
      instructions: 'Deploy gpu-model to production?',
      onTimeout: 'reject',
    });
  });

  it('ManualValidation: approval: true never lets the requester approve, and rejects after the approval timeout (1.0 manifest)', () => {
    const approval = job(v10().doc, 'production_approval');
    expect(approval.pool).toBe('server');
    expect(approval.timeoutInMinutes).toBe(3 * 24 * 60);
    expect(approval.steps[0].task).toBe('ManualValidation@1');
    expect(approval.steps[0].inputs).toMatchObject({ allowApproversToApproveTheirOwnRuns: false, onTimeout: 'reject' });
  });

  it.each([
    ['', gpu],
    [' (1.0 manifest)', v10],
  ])('a canary without analysis soaks in an agentless Delay@1, after shifting traffic in routeTraffic%s', (_manifest, project) => {
    const canary = job(project().doc, 'canary').strategy.canary;
    expect(canary.routeTraffic.steps.at(-1).bash).toBe('./deploy.sh canary');
    expect(canary.postRouteTraffic).toEqual({ pool: 'server', steps: [{ task: 'Delay@1', displayName: 'Soak 1200 s', inputs: { delayForMinutes: '20' } }] });
  });

  const listOverride = (entries: string) => `${fixtureText('no-package')}\noverrides:\n  azure:\n    variables:\n${entries}`;

  it('overrides.azure.variables in the list form merges by name: the MLGEN_* variables stay and the run still runs its jobs', async () => {
    const { plan, files, doc } = azure(listOverride('      - { name: EXTRA, value: "1" }\n      - { group: shared-settings }\n'));
    const names = JSON.stringify(doc.variables);
    for (const name of ['MLGEN_VERSION', 'MLGEN_PIPELINE', 'EXTRA', 'shared-settings']) expect(names).toContain(name);
    const run = await simulateRun(files, plan, push, true);
    expect(run.map((j) => j.job)).toContain('train');
    const content = files.find((f) => f.path === AZURE_FILE)!.content;
    expect([...schemaFindings(content), ...structuralFindings(parse(content))]).toEqual([]);
  });

  it('an override that sets a variable the conditions read is refused at its place in the manifest: exit 1, no stack trace', () => {
    const text = listOverride('      - { name: EXTRA, value: "1" }\n      - { name: MLGEN_PIPELINE, value: nothing }\n');
    const line = text.split('\n').findIndex((l) => l.includes('MLGEN_PIPELINE')) + 1;
    expect(() => azure(text)).toThrow(new RegExp(`${line}:\\d+ overrides\\.azure\\.variables\\[1\\] may not set "MLGEN_PIPELINE"`));
    expect(() => azure(`${fixtureText('no-package')}\noverrides:\n  azure:\n    variables: { MLGEN_PIPELINE: null }\n`)).toThrow(/may not set or delete "MLGEN_PIPELINE"/);
    const dir = mkdtempSync(join(tmpdir(), 'mlgen-override-'));
    writeFileSync(join(dir, 'mlgen.yaml'), text);
    const cli = spawnSync(process.execPath, [mlgenBin(), 'generate', '--manifest', join(dir, 'mlgen.yaml'), '--out', dir, '--target', 'azure'], { encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(new RegExp(`mlgen\\.yaml:${line}:\\d+`));
    expect(cli.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, AZURE_FILE))).toBe(false);
  });

  it('the file starts with what it needs configured in Azure DevOps', () => {
    const head = gpu().files.find((f) => f.path === AZURE_FILE)!.content.split('\n').slice(2, 12).join('\n');
    for (const needle of ['DEPLOY_TOKEN', 'Make secrets available to builds of forks', 'Exclusive Lock', 'Release Managers', 'service connection named gpu-model-registry (for registry.example.com)', '--gpus all']) {
      expect(head).toContain(needle);
    }
  });
});

describe('images Azure cannot run as container jobs (glibc and bash required)', () => {
  it('Alpine and BusyBox references run through docker run; glibc images stay container jobs', () => {
    const through = (image: string) => imageRunOf({ image, runner: [], hosted: true, timeoutMinutes: 1, python: '3.11', gpu: false, docker: false, git: false, caches: [] }) !== undefined;
    for (const image of ['alpine/k8s:1.31.2', 'alpine:3.20', 'python:3.12-alpine', 'node:20-alpine3.20', 'registry.example.com/tools/alpine-helm:1', 'busybox:1.36', 'golang:alpine'])
      expect(through(image), image).toBe(true);
    for (const image of ['python:3.11-slim', 'bitnami/kubectl:1.31', 'registry.example.com/alpineish/x:1', 'alpine.example.com/tools/kubectl:1', 'mcr.microsoft.com/azure-cli:2.64.0'])
      expect(through(image), image).toBe(false);
  });
});
