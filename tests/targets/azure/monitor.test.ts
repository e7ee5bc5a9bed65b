/**
 * The monitor pipeline on Azure (tests/fixtures/monitor-drift, standard library only): the
 * monitor schedule's run executed on the simulator, with monitoring/state choosing the report.
 * `stable`: only the monitor runs; `drift`: the retrain chain runs after it in the same run,
 * gated on the verdict step's output variable, as retrain in drift mode; `malformed`: the
 * monitor fails, the chain is skipped, notify runs. Negative controls: an output reference
 * naming the wrong step never gates true (a hand-written pipeline, executed; the generated file
 * with its verdict step renamed, on the abstract simulator).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { rootVariables, triggerFor } from './simulate.js';
import { selectJobs, type PlanEvent } from '../../../src/plan/index.js';
import { azureProject, jobRun, runAzureEvent, type AzureProject, type AzureRun } from '../../support/azure-run.js';
import { AZURE_FILE, schemaFindings, simulateRun, structuralFindings } from '../../support/harness-azure.js';
import { generateFor } from '../../support/harness.js';

type Doc = Record<string, any>;

const FIXTURE = new URL('../../fixtures/monitor-drift/', import.meta.url).pathname;
const schedule: PlanEvent = { kind: 'schedule', schedule: 'monitor' };
const manual: PlanEvent = { kind: 'manual', pipeline: 'monitor', mode: 'full' };
const output = (run: AzureRun, job: string) => jobRun(run, job).contexts.flatMap((c) => c.steps.map((s) => s.output)).join('\n');
const CHAIN = ['data_schema', 'train', 'evaluate', 'package', 'deploy_chain'];

/** The fixture as a repository whose monitoring/state holds `state`, committed on the release branch. */
function project(state: string): AzureProject {
  const p = azureProject(FIXTURE);
  writeFileSync(join(p.repo, 'monitoring', 'state'), `${state}\n`);
  execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=mlgen tests', 'commit', '-qa', '--allow-empty', '-m', `state ${state}`], { cwd: p.repo });
  return p;
}

describe('the Azure monitor pipeline, executed (monitor-drift fixture)', { timeout: 900_000 }, () => {
  let stable: AzureRun;
  let drift: AzureRun;
  let malformed: AzureRun;
  let plan: AzureProject['plan'];

  beforeAll(async () => {
    const driftProject = project('drift');
    plan = driftProject.plan;
    // Three runs, eight jobs: each job creates its virtualenv, the costly part.
    [stable, drift, malformed] = await Promise.all([runAzureEvent(project('stable'), schedule), runAzureEvent(driftProject, schedule), runAzureEvent(project('malformed'), schedule)]);
  }, 900_000);

  it('stable: only the monitor runs, its verdict output is false, and the run succeeds', () => {
    expect(stable.planJobsRun, stable.log()).toEqual(['monitor']);
    expect(stable.planJobsRun).toEqual(selectJobs(plan, schedule, true, false));
    expect(jobRun(stable, 'monitor').contexts[0]!.outputs).toEqual({ 'verdict.drift': 'false' });
    expect(output(stable, 'monitor')).toMatch(/monitor-drift: monitor MLGEN_PIPELINE=monitor /);
    for (const stage of CHAIN) expect(stable.stages[stage], stage).toBe('Skipped');
    expect(stable.stages.notify).toBe('Skipped');
    expect(stable.result).toBe('Succeeded');
  });

  it('drift: the retrain chain runs after the monitor in the same run, as retrain in drift mode', () => {
    expect(drift.planJobsRun, drift.log()).toEqual(['data-schema', 'train', 'evaluate', 'package', 'staging', 'monitor']);
    expect(new Set(drift.planJobsRun)).toEqual(new Set(selectJobs(plan, schedule, true, true)));
    expect(drift.jobs.filter((j) => j.result !== 'Succeeded').map((j) => j.job), drift.log()).toEqual([]);
    expect(jobRun(drift, 'monitor').contexts[0]!.outputs).toEqual({ 'verdict.drift': 'true' });
    // The chain waits for the monitor: data_schema started after the monitor ended.
    expect(drift.jobs.findIndex((j) => j.job === 'monitor')).toBeLessThan(drift.jobs.findIndex((j) => j.job === 'data_schema'));
    expect(output(drift, 'monitor')).toMatch(/monitor-drift: monitor MLGEN_PIPELINE=monitor MLGEN_TRAIN_MODE=full/);
    expect(output(drift, 'data_schema')).toMatch(/monitor-drift: data-schema MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift/);
    expect(output(drift, 'train')).toMatch(/monitor-drift: train MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift/);
    expect(output(drift, 'package')).toMatch(/monitor-drift: package MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift/);
    expect(output(drift, 'staging')).toMatch(/monitor-drift: staging MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift/);
    expect(drift.artifacts.files('train')).toContain('model/model.json');
    expect(drift.stages.notify).toBe('Skipped');
    expect(drift.result).toBe('Succeeded');
  });

  it('malformed: the monitor fails with the verdict\'s message, the chain is skipped, notify runs', () => {
    expect(jobRun(malformed, 'monitor').result, malformed.log()).toBe('Failed');
    expect(output(malformed, 'monitor')).toMatch(/the drift report drift\.json is not JSON/);
    expect(jobRun(malformed, 'monitor').contexts[0]!.outputs).toEqual({});
    for (const stage of CHAIN) expect(malformed.stages[stage], stage).toBe('Skipped');
    expect(output(malformed, 'notify')).toMatch(/monitor-drift: notify/);
    expect(malformed.result).toBe('Failed');
  });

});

describe('the Azure monitor pipeline, as written (monitor-drift fixture)', () => {
  const text = readFileSync(join(FIXTURE, 'mlgen.yaml'), 'utf8');
  const { plan, files } = generateFor(text, 'azure');
  const content = files.find((f) => f.path === AZURE_FILE)!.content;
  const doc = parse(content) as Doc;
  const stage = (id: string): Doc => (doc.stages as Doc[]).find((s) => s.stage === id)!;

  it("Microsoft's schema and the server rules accept the file", () => {
    expect([...schemaFindings(content), ...structuralFindings(doc)]).toEqual([]);
  });

  it('schedules the monitor by id on the release branch, always, and a manual run may choose it', () => {
    expect(doc.schedules).toEqual([{ cron: '0 * * * *', displayName: 'monitor', branches: { include: ['main'] }, always: true }]);
    expect(doc.parameters.find((p: Doc) => p.name === 'pipeline').values).toContain('monitor');
  });

  it('the verdict step captures the verdict, fails without one, and sets the output variable drift', () => {
    const step = (stage('monitor').jobs[0].steps as Doc[]).at(-1)!;
    expect(step).toMatchObject({ name: 'verdict', displayName: 'Read the drift report' });
    expect(step.bash).toMatch(/^verdict=\$\(python3 -c '[\s\S]*' drift\.json\) \|\| exit 1\n/);
    expect(step.bash).toMatch(/\necho "##vso\[task\.setvariable variable=drift;isoutput=true\]\$verdict"$/);
  });

  it("the chain's first stage waits for the monitor and reads its output", () => {
    expect(stage('data_schema').dependsOn).toContain('monitor');
    expect(stage('data_schema').condition).toContain("eq(dependencies.monitor.outputs['monitor.verdict.drift'], 'true')");
  });

  it('the abstract simulator agrees with selectJobs for drift true and false, scheduled and manual', async () => {
    for (const event of [schedule, manual]) {
      for (const drift of [false, true]) {
        const ran = await simulateRun(files, plan, event, true, undefined, { drift });
        const ids = new Set(ran.filter((j) => j.result === 'Succeeded').map((j) => j.job.replace(/_/g, '-')));
        expect(plan.jobs.map((j) => j.id).filter((id) => ids.has(id)), `${event.kind} drift=${drift}`).toEqual(plan.jobs.map((j) => j.id).filter((id) => selectJobs(plan, event, true, drift).includes(id)));
      }
    }
  });

  it('a manual run choosing pipeline monitor is the monitor pipeline: MLGEN_PIPELINE=monitor at the root', () => {
    const trigger = triggerFor(doc, plan, manual)!;
    expect(rootVariables(doc, trigger)).toMatchObject({ MLGEN_PIPELINE: 'monitor', MLGEN_TRAIN_MODE: 'full' });
  });

  it('negative control: the file with its verdict step renamed gates nothing, even on drift, and the server rules flag it', async () => {
    const renamed = structuredClone(doc);
    for (const s of renamed.stages) for (const job of s.jobs) for (const step of job.steps ?? []) if (step.name === 'verdict') step.name = 'verdikt';
    const ran = await simulateRun([{ path: AZURE_FILE, content: stringify(renamed) }], plan, schedule, true, undefined, { drift: true });
    expect(ran.map((j) => j.job)).toEqual(['monitor']);
    expect(structuralFindings(renamed)).toEqual([expect.stringContaining("stage data_schema reads output dependencies.monitor.outputs['monitor.verdict.drift'], which no dependency publishes")]);
  });

  it('a failed monitor skips the chain and notifies (abstract simulator, drift stand-in true)', async () => {
    const ran = await simulateRun(files, plan, schedule, true, new Set(['monitor.monitor']), { drift: true });
    expect(ran.map((j) => `${j.job}:${j.result}`)).toEqual(['monitor:Failed', 'notify:Succeeded']);
  });
});

describe('the Azure simulator: output variables between stages (hand-written pipeline)', { timeout: 900_000 }, () => {
  it('a named step\'s isoutput variable reaches a later stage\'s condition and a later stage\'s job; a reference naming the wrong step does not gate true', async () => {
    const base = azureProject(FIXTURE);
    const echo = (text: string) => [{ checkout: 'none' }, { bash: `echo ${text}` }];
    const doc = {
      trigger: { branches: { include: ['*'] } },
      stages: [
        { stage: 'check', jobs: [{ job: 'probe', steps: [{ checkout: 'none' }, { bash: 'echo "##vso[task.setvariable variable=drift;isoutput=true]true"', name: 'verdict' }, { bash: 'echo "##vso[task.setvariable variable=unnamed;isoutput=true]true"' }] }] },
        { stage: 'right', dependsOn: ['check'], condition: "eq(dependencies.check.outputs['probe.verdict.drift'], 'true')", jobs: [{ job: 'right', steps: echo('right') }] },
        { stage: 'wrong_step', dependsOn: ['check'], condition: "eq(dependencies.check.outputs['probe.verdikt.drift'], 'true')", jobs: [{ job: 'wrong_step', steps: echo('wrong') }] },
        { stage: 'unnamed', dependsOn: ['check'], condition: "eq(dependencies.check.outputs['probe..unnamed'], 'true')", jobs: [{ job: 'unnamed', steps: echo('unnamed') }] },
        {
          stage: 'jobs',
          dependsOn: ['check'],
          jobs: [
            { job: 'job_right', condition: "eq(stageDependencies.check.probe.outputs['verdict.drift'], 'true')", steps: echo('job right') },
            { job: 'job_wrong', condition: "eq(stageDependencies.check.probe.outputs['verdikt.drift'], 'true')", steps: echo('job wrong') },
          ],
        },
      ],
    };
    const run = await runAzureEvent({ ...base, doc }, { kind: 'push', branch: 'main' });
    expect(jobRun(run, 'probe').contexts[0]!.outputs, run.log()).toEqual({ 'verdict.drift': 'true' });
    expect(run.stages).toMatchObject({ check: 'Succeeded', right: 'Succeeded', wrong_step: 'Skipped', unnamed: 'Skipped', jobs: 'Succeeded' });
    expect(Object.fromEntries(run.jobs.map((j) => [j.job, j.result]))).toEqual({ probe: 'Succeeded', right: 'Succeeded', job_right: 'Succeeded' });
  });
});
