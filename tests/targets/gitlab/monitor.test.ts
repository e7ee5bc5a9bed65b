/**
 * The monitor pipeline on GitLab: GitLab decides a pipeline's jobs when it creates it, so the
 * drift verdict chooses a dynamic child pipeline instead. The monitor job writes the child's
 * configuration as an artifact (on drift, a copy of .gitlab-ci.yml; else one no-drift job) and
 * `retrain-on-drift` runs it with MLGEN_PIPELINE=retrain, MLGEN_TRAIN_MODE=drift.
 *
 * Checked three ways: the document itself; gitlab-ci-local's rules evaluator (--list-json);
 * and whole runs of tests/fixtures/monitor-drift under gitlab-ci-local's shell executor, whose
 * `trigger: include: artifact` runs the child pipeline (experimental there). Two things
 * gitlab-ci-local does not do as GitLab does, each named in the test that meets it: it leaves
 * a job after a failed need pending, so the .post notify never starts; and it ignores
 * `strategy: depend` (a failed child leaves the trigger job passed).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { generate } from '../../../src/engine/generate.js';
import type { GeneratedFile } from '../../../src/files/index.js';
import type { Plan } from '../../../src/plan/index.js';
import { DRIFT_PIPELINE_PATH, NO_DRIFT_JOB, noDriftPipeline } from '../../../src/targets/gitlab/steps.js';
import { createRepository, eventArgs, commitAsOrigin, gitlabCiLocal, gitlabHarness, listJobs, removeTemporaryDirectories, temporaryDirectory } from '../../support/harness-gitlab.js';

const FIXTURE = new URL('../../fixtures/monitor-drift/', import.meta.url).pathname;
const MANIFEST = readFileSync(join(FIXTURE, 'mlgen.yaml'), 'utf8');
const CHAIN = ['data-schema', 'train', 'evaluate', 'package', 'staging'];

type Doc = Record<string, Record<string, unknown> & { rules?: { if?: string }[]; script?: string[]; variables?: Record<string, unknown> }>;

function generated(text = MANIFEST): { plan: Plan; files: GeneratedFile[]; ci: string; doc: Doc } {
  const result = generate(text, { manifestPath: 'mlgen.yaml', targets: ['gitlab'] });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
  const ci = result.files.find((f) => f.path === '.gitlab-ci.yml')!.content;
  // GitLab reads YAML 1.1 (Ruby's Psych).
  return { plan: result.plan, files: result.files, ci, doc: parse(ci, { version: '1.1' }) as Doc };
}

afterAll(removeTemporaryDirectories);

describe('gitlab monitor: the document', () => {
  const { plan, doc } = generated();

  it('the monitor job runs only when MLGEN_PIPELINE is monitor, and sets no MLGEN_PIPELINE of its own (a job variable would select it in every pipeline)', () => {
    expect(doc.monitor!.rules).toEqual([{ if: '$MLGEN_PIPELINE == "monitor"' }]);
    expect(doc.monitor!.variables?.MLGEN_PIPELINE).toBeUndefined();
    expect(doc.stages).toContain('monitor');
  });

  it('the verdict step captures the verdict, fails the job on a bad report, and writes the child configuration as the monitor\'s artifact', () => {
    const verdict = doc.monitor!.script!.at(-1)!;
    expect(verdict).toMatch(/^verdict=\$\(python3 -c '.*' drift\.json\) \|\| exit 1\n/s);
    expect(verdict).toContain(`cp .gitlab-ci.yml ${DRIFT_PIPELINE_PATH}`);
    expect(doc.monitor!.artifacts).toMatchObject({ paths: [DRIFT_PIPELINE_PATH] });
  });

  it('the no-drift child pipeline is JSON (YAML) that the printed printf writes back unchanged', () => {
    const verdict = doc.monitor!.script!.at(-1)!;
    const line = verdict.split('\n').find((l) => l.trim().startsWith('false)'))!;
    const printf = line.slice(line.indexOf('printf'), line.lastIndexOf(' > '));
    const written = execFileSync('sh', ['-c', printf], { encoding: 'utf8' });
    const monitor = plan.jobs.find((j) => j.id === 'monitor')!;
    const step = monitor.steps.find((s) => s.type === 'drift-verdict')!;
    expect(step.type).toBe('drift-verdict');
    if (step.type !== 'drift-verdict') return;
    expect(JSON.parse(written)).toEqual(noDriftPipeline(step, monitor.runtime));
    expect(parse(written)).toEqual({ [NO_DRIFT_JOB]: { stage: 'test', image: 'python:3.11', timeout: '10m', script: [expect.stringMatching(/^echo 'mlgen: the monitor reported no drift/)] } });
  });

  it('retrain-on-drift includes the monitor\'s artifact as a child pipeline with the drift retrain\'s variables, in the monitor pipeline only', () => {
    expect(doc['retrain-on-drift']).toEqual({
      stage: 'monitor',
      needs: [{ job: 'monitor', artifacts: true }],
      rules: [{ if: '$MLGEN_PIPELINE == "monitor"' }],
      variables: { MLGEN_PIPELINE: 'retrain', MLGEN_TRAIN_MODE: 'drift' },
      trigger: { include: [{ artifact: DRIFT_PIPELINE_PATH, job: 'monitor' }], strategy: 'depend' },
    });
  });

  it('the retrain chain never matches the monitor pipeline itself (it runs in the child), and keeps its deploy lock', () => {
    for (const id of CHAIN) {
      for (const rule of doc[id]!.rules ?? []) expect(String(rule.if ?? ''), id).not.toContain('monitor');
      expect(doc[id]!.rules, id).toContainEqual({ if: '$MLGEN_PIPELINE == "retrain"' });
    }
    expect(doc.staging!.resource_group).toBe(plan.deployLock);
    expect(doc.notify).toMatchObject({ stage: '.post', rules: [{ when: 'on_failure' }] });
  });
});

describe('gitlab monitor: gitlab-ci-local --list-json', () => {
  const { plan, files } = generated();
  const repository = () => gitlabHarness.repositoryFor(files, plan, false);

  it('the monitor schedule and a manual monitor run list only monitor and retrain-on-drift (and notify, on failure)', async () => {
    const dir = await repository();
    const [scheduled, manual] = await Promise.all([
      listJobs(dir, eventArgs(plan, { kind: 'schedule', schedule: 'monitor' })),
      listJobs(dir, eventArgs(plan, { kind: 'manual', pipeline: 'monitor', mode: 'full' })),
    ]);
    expect(scheduled).toEqual(['monitor', 'retrain-on-drift', 'notify']);
    expect(manual).toEqual(scheduled);
  });

  it('a push runs neither (the can-fail check: the chain is listed there)', async () => {
    const jobs = await listJobs(await repository(), eventArgs(plan, { kind: 'push', branch: 'main' }));
    expect(jobs).toEqual([...CHAIN, 'notify']);
  });

  it('were MLGEN_PIPELINE=monitor a variable of the monitor job, a push would run the monitor (why it is left out)', async () => {
    const withVariable = files.map((f) => {
      if (f.path !== '.gitlab-ci.yml') return f;
      const doc = parse(f.content) as Doc;
      expect(doc.monitor!.variables).toBeUndefined();
      doc.monitor!.variables = { MLGEN_PIPELINE: 'monitor' };
      return { ...f, content: stringify(doc) };
    });
    const dir = await createRepository(withVariable, plan, false);
    expect(await listJobs(dir, eventArgs(plan, { kind: 'push', branch: 'main' }))).toContain('monitor');
  });

  it('the child pipeline (the copy, with the trigger\'s variables and CI_PIPELINE_SOURCE=parent_pipeline) lists the retrain chain and not the monitor', async () => {
    const args = ['--variable', 'CI_PIPELINE_SOURCE=parent_pipeline', '--variable', 'CI_COMMIT_BRANCH=main', '--variable', 'MLGEN_PIPELINE=retrain', '--variable', 'MLGEN_TRAIN_MODE=drift', '--ignore-predefined-vars', 'CI_PIPELINE_SOURCE,CI_COMMIT_BRANCH'];
    expect(await listJobs(await repository(), args)).toEqual([...CHAIN, 'notify']);
  });
});

describe.concurrent('gitlab monitor: runs of tests/fixtures/monitor-drift under gitlab-ci-local (shell executor, --shell-isolation)', () => {
  /** A venv made once, committed as a `.venv` symlink: stands in for each job's own `python3 -m venv` (about 6 s a job here). */
  let venv = '';
  beforeAll(() => {
    venv = join(temporaryDirectory('mlgen-gitlab-monitor-venv-'), 'venv');
    execFileSync('python3', ['-m', 'venv', '--without-pip', venv]);
  });

  async function runMonitor(state: string, edit: (ci: string) => string = (ci) => ci) {
    const { plan, files } = generated();
    const dir = temporaryDirectory('mlgen-gitlab-monitor-');
    cpSync(FIXTURE, dir, { recursive: true });
    writeFileSync(join(dir, 'monitoring/state'), `${state}\n`);
    for (const file of files) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), file.path === '.gitlab-ci.yml' ? edit(file.content) : file.content);
    }
    symlinkSync(venv, join(dir, '.venv'));
    await commitAsOrigin(dir, plan.releaseBranch);
    const stateDir = '.gitlab-ci-local-monitor';
    const result = await gitlabCiLocal(dir, ['--force-shell-executor', '--shell-isolation', ...eventArgs(plan, { kind: 'schedule', schedule: 'monitor' })], 900_000, {}, stateDir);
    const log = result.stdout + result.stderr;
    const artifact = join(dir, stateDir, 'artifacts', 'monitor', DRIFT_PIPELINE_PATH);
    return { ...result, log, dir, artifact: existsSync(artifact) ? readFileSync(artifact, 'utf8') : undefined, ci: readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8') };
  }

  const CHILD = '\\[retrain-on-drift\\] -> ';

  it('stable: the monitor passes and the child pipeline runs only the no-drift job (venv stand-in)', async ({ expect }) => {
    const run = await runMonitor('stable');
    expect(run.log, run.log).toMatch(/monitor\s+> monitor-drift: monitor MLGEN_PIPELINE=monitor MLGEN_TRAIN_MODE=full/);
    expect(run.log).toMatch(new RegExp(`${CHILD}no-drift\\s+> mlgen: the monitor reported no drift in drift\\.json: nothing retrains`));
    expect(run.log).toMatch(/PASS\s+monitor/);
    expect(run.log).toMatch(/PASS\s+retrain-on-drift/);
    for (const id of CHAIN) expect(run.log).not.toMatch(new RegExp(`${CHILD}${id}\\s`));
    expect(run.log).not.toMatch(/notify\s+starting/);
    expect(Object.keys(JSON.parse(run.artifact!) as object)).toEqual([NO_DRIFT_JOB]);
    expect(run.code).toBe(0);
  });

  it('drift: the child pipeline is this file again and runs data-schema, train, evaluate, package, staging as a drift retrain (venv stand-in)', async ({ expect }) => {
    const run = await runMonitor('drift');
    expect(run.log, run.log).toMatch(/monitor\s+> mlgen: the monitor reported drift/);
    expect(run.artifact).toBe(run.ci);
    for (const id of CHAIN) expect(run.log).toMatch(new RegExp(`PASS\\s+${CHILD}${id}\\s`));
    expect(run.log).toMatch(new RegExp(`${CHILD}train\\s+> monitor-drift: train MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift`));
    // package and staging fail unless train's model reached them: the artifact handoff works in the child.
    expect(run.log).toMatch(new RegExp(`${CHILD}staging\\s+> monitor-drift: staging MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift`));
    expect(run.log).not.toMatch(/no-drift/);
    expect(run.log).not.toMatch(/notify\s+starting/);
    expect(run.code).toBe(0);
  });

  it('malformed: the monitor fails naming the report and starts no child (gitlab-ci-local: notify never starts, the trigger job stays pending; GitLab skips it and runs notify)', async ({ expect }) => {
    const run = await runMonitor('malformed');
    expect(run.log, run.log).toMatch(/FAIL\s+monitor/);
    expect(run.log).toMatch(/mlgen: the drift report drift\.json is not JSON/);
    expect(run.log).not.toMatch(/downstream pipeline|retrain-on-drift\]/);
    expect(run.artifact).toBeUndefined();
    expect(run.code).not.toBe(0);
  });

  it('malformed, with retrain-on-drift removed (stand-in for GitLab skipping it): notify runs in the monitor pipeline', async ({ expect }) => {
    const run = await runMonitor('malformed', (ci) => {
      const doc = parse(ci) as Record<string, unknown>;
      expect(doc['retrain-on-drift']).toBeDefined();
      const trimmed = ci.replace(/^retrain-on-drift:\n(?: .*\n)+/m, '');
      expect((parse(trimmed) as Record<string, unknown>)['retrain-on-drift']).toBeUndefined();
      return trimmed;
    });
    expect(run.log, run.log).toMatch(/FAIL\s+monitor/);
    expect(run.log).toMatch(/notify\s+> monitor-drift: notify MLGEN_PIPELINE=monitor/);
    expect(run.code).not.toBe(0);
  });

  it('drift with a staging that fails (stand-in: `exit 3` appended to its command): the child\'s notify runs as the retrain (gitlab-ci-local ignores strategy: depend, so the trigger job passes; GitLab fails it)', async ({ expect }) => {
    const command = 'python3 src/record.py staging --needs model/model.json';
    const run = await runMonitor('drift', (ci) => {
      expect(ci).toContain(command);
      return ci.replace(command, `${command} && exit 3`);
    });
    expect(run.log, run.log).toMatch(/FAIL\s+staging/);
    expect(run.log).toMatch(new RegExp(`${CHILD}notify\\s+> monitor-drift: notify MLGEN_PIPELINE=retrain MLGEN_TRAIN_MODE=drift`));
  });
});
