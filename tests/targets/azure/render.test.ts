/**
 * What the Azure target writes for particular manifests: deployments, approvals, canary,
 * pools, runtime variables, overrides, failure handling.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Plan } from '../../../src/plan/index.js';
import { fixtureText, generateFor } from '../../support/harness.js';
import { AZURE_FILE, azureDocument, azureHarness, azureScripts, schemaFindings, simulateRun, structuralFindings } from '../../support/harness-azure.js';
import { rootVariables } from './simulate.js';

type Doc = Record<string, any>;

function azure(text: string): { plan: Plan; doc: Doc; files: ReturnType<typeof generateFor>['files'] } {
  const { plan, files } = generateFor(text, 'azure');
  return { plan, files, doc: azureDocument(files) ?? {} };
}

const stage = (doc: Doc, id: string): Doc => (doc.stages as Doc[]).find((s) => s.stage === id) ?? {};
const job = (doc: Doc, stageId: string, id: string): Doc => (stage(doc, stageId).jobs as Doc[]).find((j) => (j.job ?? j.deployment) === id) ?? {};

const spec = azure(fixtureText('spec-complete'));

describe('azure target', () => {
  it('writes nothing for a plan without jobs', () => {
    expect(generateFor('version: 1\nname: empty\n', 'azure').files).toEqual([]);
  });

  it('runs a deployment job per environment, with MLGEN_ENVIRONMENT', () => {
    for (const env of ['staging', 'canary', 'production']) {
      const deployment = job(spec.doc, 'deploy_chain', env);
      expect(deployment.environment).toBe(env);
      expect(deployment.variables).toEqual({ MLGEN_ENVIRONMENT: env });
    }
  });

  it('deploys the canary with the native strategy: shift in routeTraffic, soak and analysis after it, per increment', () => {
    const canary = job(spec.doc, 'deploy_chain', 'canary').strategy.canary;
    expect(canary.increments).toEqual([10, 50]);
    const shift = canary.routeTraffic.steps.at(-1);
    expect(shift).toMatchObject({ bash: './deploy.sh canary "$MLGEN_IMAGE" --weight "$MLGEN_CANARY_PERCENT"', env: { MLGEN_CANARY_PERCENT: '$(strategy.increment)' } });
    const post = canary.postRouteTraffic.steps.filter((s: Doc) => s.bash).map((s: Doc) => s.bash);
    expect(post.slice(-2)).toEqual(['sleep 900', 'python scripts/compare_canary.py --weight "$MLGEN_CANARY_PERCENT"']);
    expect(canary.on).toBeUndefined();
    expect(job(spec.doc, 'deploy_chain', 'canary_rollback').steps.at(-1).bash).toBe('./deploy.sh rollback');
  });

  it('waits for a ManualValidation approval before production, in an agentless job', () => {
    const jobs = stage(spec.doc, 'deploy_chain').jobs as Doc[];
    const approval = jobs.find((j) => j.job === 'production_approval')!;
    const deployment = jobs.find((j) => j.deployment === 'production')!;
    expect(approval).toMatchObject({ pool: 'server', timeoutInMinutes: 4320, dependsOn: ['canary'] });
    expect(approval.steps[0]).toMatchObject({ task: 'ManualValidation@1', inputs: { notifyUsers: '', onTimeout: 'reject', allowApproversToApproveTheirOwnRuns: false } });
    expect(deployment).toMatchObject({ deployment: 'production', dependsOn: ['production_approval'] });
    const noApproval = azure(fixtureText('spec-complete').replace('approval: true', 'approval: false'));
    expect((stage(noApproval.doc, 'deploy_chain').jobs as Doc[]).map((j) => j.job ?? j.deployment)).toEqual(['staging', 'canary', 'canary_rollback', 'production']);
  });

  it('maps hosted runner labels to vmImage and other labels to demands in the Default pool', () => {
    expect(job(spec.doc, 'check_unit', 'check_unit').pool).toEqual({ vmImage: 'ubuntu-latest' });
    expect(job(spec.doc, 'train', 'train').pool).toEqual({ name: 'Default', demands: ['gpu'] });
    expect(job(spec.doc, 'train', 'train').timeoutInMinutes).toBe(180);
    expect(job(spec.doc, 'train', 'train').container).toBe('python:3.11-slim');
  });

  it('sets up Python, pip and DVC caches on hosted jobs without an image', () => {
    const { doc } = azure(fixtureText('no-package'));
    const steps = job(doc, 'train', 'train').steps as Doc[];
    expect(steps[1]).toMatchObject({ task: 'UsePythonVersion@0', inputs: { versionSpec: '3.12' } });
    const caches = steps.filter((s) => s.task === 'Cache@2').map((s) => s.inputs.path);
    // No data.pull: nothing runs DVC, so no DVC cache.
    expect(caches).toEqual(['$(PIP_CACHE_DIR)']);
    expect(doc.variables.PIP_CACHE_DIR).toBe('$(Pipeline.Workspace)/.pip');
    expect(steps.filter((s) => s.bash).map((s) => s.bash).slice(1)).toEqual(['pip install -U pip', 'pip install -e .', 'python -m model.train']);
  });

  it('publishes train artifacts and downloads them into the repository for evaluate and package', () => {
    const train = job(spec.doc, 'train', 'train').steps as Doc[];
    expect(train.find((s) => s.task === 'CopyFiles@2').inputs.Contents).toBe('model/**\nmetrics.json\nmetrics.json/**');
    expect(train.at(-1)).toMatchObject({ publish: '$(Build.ArtifactStagingDirectory)/train', artifact: 'train' });
    for (const id of ['evaluate', 'package']) {
      const download = (job(spec.doc, id, id).steps as Doc[]).find((s) => s.task === 'DownloadPipelineArtifact@2');
      expect(download.inputs).toEqual({ buildType: 'current', artifactName: 'train', targetPath: '$(Build.SourcesDirectory)' });
    }
  });

  it('builds and pushes the image tagged with the commit', () => {
    expect(spec.doc.variables.MLGEN_IMAGE).toBe('registry.example.com/acme/house-prices:$(Build.SourceVersion)');
    const scripts = (job(spec.doc, 'package', 'package').steps as Doc[]).filter((s) => s.bash).map((s) => s.bash);
    expect(scripts).toContain('docker build -f Dockerfile -t "$MLGEN_IMAGE" .');
    expect(scripts).toContain('docker push "$MLGEN_IMAGE"');
  });

  it('chooses MLGEN_PIPELINE and MLGEN_TRAIN_MODE from the event, schedule or manual parameters', () => {
    const vars = (reason: string, parameters: Record<string, string>, cron?: string) =>
      rootVariables(spec.doc, { reason, sourceBranch: 'refs/heads/main', parameters, ...(cron ? { cronDisplayName: cron } : {}) });
    expect(vars('Manual', { event: 'drift-detected' })).toMatchObject({ MLGEN_PIPELINE: 'retrain', MLGEN_TRAIN_MODE: 'drift' });
    expect(vars('Manual', { pipeline: 'predict', modelVersion: 'v7' })).toMatchObject({ MLGEN_PIPELINE: 'predict', MLGEN_MODEL_VERSION: 'v7' });
    expect(vars('Schedule', {}, 'retrain-incremental')).toMatchObject({ MLGEN_PIPELINE: 'retrain', MLGEN_TRAIN_MODE: 'incremental' });
    expect(vars('IndividualCI', {})).toMatchObject({ MLGEN_PIPELINE: 'ci', MLGEN_TRAIN_MODE: 'full', MLGEN_MODEL_VERSION: 'latest', MLGEN_VERSION: '$(Build.SourceVersion)' });
    expect(() => vars('Manual', { event: 'unknown-event' })).toThrow(/does not allow/);
  });

  it('declares each schedule by id on the release branch, always', () => {
    expect(spec.doc.schedules).toEqual([
      { cron: '0 6 * * *', displayName: 'predict', branches: { include: ['main'] }, always: true },
      { cron: '0 3 1 * *', displayName: 'retrain-incremental', branches: { include: ['main'] }, always: true },
      { cron: '0 4 1 */3 *', displayName: 'retrain-full', branches: { include: ['main'] }, always: true },
    ]);
  });

  it('stops everything after a failed check and runs the notification', async () => {
    const ran = await simulateRun(spec.files, spec.plan, { kind: 'push', branch: 'main' }, true, new Set(['check_lint.check_lint']));
    expect(ran.filter((j) => j.result === 'Succeeded').map((j) => j.job)).toEqual(['train_changes', 'check_unit', 'data_schema', 'data_ranges', 'notify']);
  });

  it('skips what follows a failed data test in a retrain, however far down, and notifies', async () => {
    const ran = await simulateRun(spec.files, spec.plan, { kind: 'schedule', schedule: 'retrain-full' }, true, new Set(['data_schema.data_schema']));
    expect(ran.map((j) => `${j.job}:${j.result}`)).toEqual(['data_schema:Failed', 'data_ranges:Succeeded', 'notify:Succeeded']);
  });

  it('rolls nothing further after a failed canary', async () => {
    const ran = await simulateRun(spec.files, spec.plan, { kind: 'push', branch: 'main' }, true, new Set(['deploy_chain.canary']));
    expect(ran.map((j) => j.job)).not.toContain('production');
    expect(ran.at(-1)?.job).toBe('notify');
  });

  it('merges overrides into the pipeline, stages and jobs by id', () => {
    const text = `${fixtureText('no-package')}
overrides:
  azure:
    variables: { EXTRA: "1" }
    pool: { vmImage: ubuntu-22.04 }
    stages:
      train:
        jobs:
          train: { timeoutInMinutes: 240, pool: { name: gpu-pool, demands: null } }
      deploy_chain:
        jobs:
          production_approval: null
          production: { dependsOn: [staging] }
`;
    const { doc, files } = azure(text);
    expect(doc.variables.EXTRA).toBe('1');
    expect(doc.variables.MLGEN_VERSION).toBe('$(Build.SourceVersion)');
    expect(doc.pool).toEqual({ vmImage: 'ubuntu-22.04' });
    expect(job(doc, 'train', 'train')).toMatchObject({ job: 'train', timeoutInMinutes: 240, pool: { name: 'gpu-pool' } });
    expect((stage(doc, 'deploy_chain').jobs as Doc[]).map((j) => j.job ?? j.deployment)).not.toContain('production_approval');
    expect(job(doc, 'deploy_chain', 'production')).toMatchObject({ deployment: 'production', dependsOn: ['staging'], environment: 'production' });
    const content = files.find((f) => f.path === AZURE_FILE)!.content;
    expect([...schemaFindings(content), ...structuralFindings(parse(content))]).toEqual([]);
  });

  it('reports what Azure would refuse', () => {
    const doc = parse(`stages:
  - stage: check-unit
    dependsOn: [later]
    condition: and(eq(1, 1)
    jobs:
      - deployment: deploy
        environment: x
        strategy: { runOnce: { deploy: { steps: [] } } }
`);
    expect(structuralFindings(doc)).toEqual([
      'stage id "check-unit" must hold only letters, digits and _ and not start with a digit',
      'stage check-unit depends on "later", which does not come before it',
      expect.stringContaining('stage check-unit condition: expression:'),
      '"deploy" cannot name a deployment job',
    ]);
    expect(schemaFindings('stages:\n  - stage: a\n    timeoutInMinutes: 5\n')).not.toEqual([]);
  });

  it('hands secrets to every manifest command step by name, and none to setup', () => {
    const { plan, files } = azure(fixtureText('adversarial'));
    const runs = new Set(plan.jobs.flatMap((j) => j.steps.flatMap((s) => (s.type === 'shell' && s.role !== 'install' ? [s.run.includes('\n') ? `set -e\n${s.run}` : s.run] : []))));
    const commands = azureScripts(files).filter((c) => runs.has(c.script));
    expect(commands.length).toBeGreaterThan(3);
    for (const c of commands) expect(c.env).toEqual({ API_TOKEN: 'secret-value' });
    for (const c of azureScripts(files).filter((s) => s.displayName.startsWith('Install') || s.displayName === 'Create the virtualenv')) expect(c.env).toEqual({});
  });

  it('lets the harness see a pipeline with only a predict schedule', async () => {
    const text = 'version: 1\nname: batch\npipelines:\n  predict:\n    schedule: "0 6 * * *"\n    run: python predict.py\n';
    const { plan, doc, files } = azure(text);
    expect(doc.trigger).toBe('none');
    expect(doc.pr).toBe('none');
    expect(await azureHarness.jobsFor(files, plan, { kind: 'schedule', schedule: 'predict' }, false)).toEqual(['predict']);
    expect(await azureHarness.jobsFor(files, plan, { kind: 'push', branch: 'main' }, true)).toEqual([]);
  });
});
