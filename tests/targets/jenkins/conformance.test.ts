/**
 * The Jenkins target judged by Groovy: npm-groovy-lint finds no error, the stub DSL evaluates
 * every Jenkinsfile, the stages that run for every event are exactly selectJobs, and commands
 * reach `sh` intact. All groovy work is batched into a few JVM starts in beforeAll.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../../src/files/index.js';
import { eventsOf, formatEvent, runFor, selectJobs, type Plan, type PlanEvent } from '../../../src/plan/index.js';
import { exampleManifests, fixtureNames, fixtureText, generateFor } from '../../support/harness.js';
import {
  evaluateJenkinsfile,
  isJenkinsfile,
  jenkinsHarness,
  planJobsOf,
  scenarioFor,
  type StubOutcome,
  type StubPipeline,
  type StubStage,
  type StubStep,
} from '../../support/harness-jenkins.js';

const OVERRIDES = `version: 1
name: overridden
secrets: [DEPLOY_TOKEN]
train:
  run: python train.py
  paths: [src/**]
deploy:
  production: { run: ./deploy.sh, approval: true }
notify:
  failure: ./notify.sh "$MLGEN_PIPELINE"
overrides:
  jenkins:
    agent: linux && docker
    options: ["buildDiscarder(logRotator(numToKeepStr: '20'))"]
    environment: { EXTRA: "it's \\\\ \${HOME} \\"q\\"" }
`;

interface Case {
  name: string;
  plan: Plan;
  files: GeneratedFile[];
}

const cases: Case[] = [
  ...fixtureNames().map((name) => ({ name, text: fixtureText(name) })),
  ...exampleManifests().map(({ name, text }) => ({ name: `examples/${name}`, text })),
  { name: 'overrides', text: OVERRIDES },
  { name: 'monitor-drift', text: readFileSync(new URL('../../fixtures/monitor-drift/mlgen.yaml', import.meta.url), 'utf8') },
].map(({ name, text }) => ({ name, ...generateFor(text, 'jenkins') }));

const byName = (name: string) => cases.find((c) => c.name === name)!;

let findings: string[][];
const answers = new Map<string, string[]>();
/** The monitor pipeline's events when the verdict step prints `true` (the stub's canned stdout). */
const drifted = new Map<string, StubOutcome>();
const monitorEvents = (plan: Plan) => eventsOf(plan).filter((event) => runFor(plan, event).onDrift !== undefined);
const pipelines = new Map<string, StubPipeline>();
const key = (c: Case, event: PlanEvent, pathsChanged: boolean) => `${c.name} ${formatEvent(event)} ${pathsChanged}`;

beforeAll(async () => {
  const jobQueries = cases.flatMap((c) =>
    eventsOf(c.plan).flatMap((event) => [true, false].map(async (changed) => answers.set(key(c, event, changed), await jenkinsHarness.jobsFor(c.files, c.plan, event, changed)))),
  );
  const driftQueries = cases.flatMap((c) =>
    monitorEvents(c.plan).map(async (event) => {
      const { file, scenario } = scenarioFor(c.plan, event, true, true);
      const result = await evaluateJenkinsfile(c.files.find((f) => f.path === file)!.content, [scenario]);
      if (result.error) throw new Error(`${c.name} ${file}: ${result.error}`);
      drifted.set(key(c, event, true), result.outcomes![scenario.id]!);
    }),
  );
  const described = async () => {
    const files = cases.flatMap((c) => c.files.filter((f) => isJenkinsfile(f.path)).map((f) => ({ key: `${c.name}:${f.path}`, text: f.content })));
    const results = await Promise.all(files.map((f) => evaluateJenkinsfile(f.text)));
    files.forEach((f, i) => pipelines.set(f.key, results[i]!.pipeline!));
  };
  [findings] = await Promise.all([jenkinsHarness.validate(cases.map((c) => c.files)), described(), ...jobQueries, ...driftQueries]);
  // Generous: CodeNarc and the JVM are CPU-bound and the suite may share two cores.
}, 600_000);

describe.each(cases.map((c) => c.name))('%s', (name) => {
  it('passes npm-groovy-lint and the declarative stub without an error', () => {
    expect(findings[cases.indexOf(byName(name))]).toEqual([]);
  });

  it('runs exactly the jobs selectJobs names, for every event and both path outcomes', () => {
    const c = byName(name);
    for (const event of eventsOf(c.plan)) {
      for (const changed of [true, false]) {
        expect({ event: formatEvent(event), changed, jobs: answers.get(key(c, event, changed)) }).toEqual({
          event: formatEvent(event),
          changed,
          jobs: selectJobs(c.plan, event, changed),
        });
      }
    }
  });
});

describe.each(cases.filter((c) => c.plan.monitor).map((c) => c.name))('%s: the monitor reported drift (stub verdict true)', (name) => {
  it('runs the monitor, then the retrain chain, exactly as selectJobs with drift; the chain sees retrain/drift, the monitor monitor', () => {
    const c = byName(name);
    expect(monitorEvents(c.plan).length).toBeGreaterThan(1);
    for (const event of monitorEvents(c.plan)) {
      const o = drifted.get(key(c, event, true))!;
      expect({ event: formatEvent(event), jobs: planJobsOf(o.ran, c.plan) }).toEqual({ event: formatEvent(event), jobs: selectJobs(c.plan, event, true, true) });
      const chain = new Set(runFor(c.plan, event).jobs.filter((j) => j.ifDrift).map((j) => j.id));
      const shs = o.executed.filter((e) => c.plan.jobs.some((j) => j.id === e.where));
      expect(shs.length).toBeGreaterThan(0);
      for (const e of shs) {
        const want = chain.has(e.where) ? { MLGEN_PIPELINE: 'retrain', MLGEN_TRAIN_MODE: 'drift' } : { MLGEN_PIPELINE: 'monitor' };
        expect({ where: e.where, ...e.env }).toMatchObject({ where: e.where, ...want });
      }
      expect(o.build).toBe('SUCCESS');
    }
  });
});

function allStages(stages: StubStage[]): StubStage[] {
  return stages.flatMap((s) => [s, ...allStages(s.parallel ?? []), ...allStages(s.stages ?? [])]);
}

function stage(pipeline: StubPipeline, name: string): StubStage {
  const found = allStages(pipeline.stages).find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
}

const shOf = (steps: StubStep[] = []) => steps.filter((s) => s.step === 'sh').map((s) => s.script);

describe('spec-complete, as Groovy evaluated it', () => {
  const main = () => pipelines.get('spec-complete:Jenkinsfile')!;

  it('has no agent at the top; hosted labels mean any agent, other labels and the image stay', () => {
    expect(main().agent).toEqual({ kind: 'none' });
    expect(stage(main(), 'train').agent).toEqual({ docker: { image: 'python:3.11-slim', label: 'self-hosted && gpu' } });
    expect(stage(main(), 'check-lint').agent).toEqual({ docker: { image: 'python:3.11-slim' } });
    expect(stage(main(), 'source').agent).toEqual({ kind: 'any' });
  });

  it('asks for production approval in a stage that holds no executor, decides before asking, and waits the plan\'s timeout', () => {
    const approval = stage(main(), 'production-approval');
    expect(approval.agent).toBeNull();
    expect(approval.input?.message).toBe('Deploy house-prices to production?');
    expect(approval.when?.flags).toEqual({ beforeAgent: true, beforeInput: true });
    expect(approval.options).toEqual([{ name: 'timeout', args: [{ time: 3 * 24 * 60, unit: 'MINUTES' }] }]);
  });

  it('gives every command the MLGEN_* variables, and binds no credential for the whole pipeline', () => {
    expect(main().environment).toEqual({ MLGEN_PIPELINE: 'ci', MLGEN_TRAIN_MODE: 'full', MLGEN_MODEL_VERSION: 'latest' });
    expect(stage(main(), 'staging').environment).toEqual({ MLGEN_ENVIRONMENT: 'staging' });
    expect(stage(main(), 'canary-50').environment).toEqual({ MLGEN_CANARY_PERCENT: '50' });
  });

  it('passes artifacts by stash and keeps the model with archiveArtifacts', () => {
    const steps = (s: StubStep[]): StubStep[] => s;
    const flat = (name: string) => JSON.stringify(stage(main(), name).steps);
    expect(flat('train')).toContain('{"step":"stash","where":"train","name":"train","includes":"model/**,metrics.json"}');
    expect(flat('train')).toContain('{"step":"archiveArtifacts","where":"train","artifacts":"model/**,metrics.json","fingerprint":true}');
    expect(steps(stage(main(), 'evaluate').steps!).map((s) => s.step)).toContain('unstash');
  });

  it('runs each canary phase on an agent, soaks without one, analyses, and rolls back when unsuccessful', () => {
    expect(stage(main(), 'canary').stages!.map((s) => [s.name, s.agent === null ? 'no agent' : 'agent'])).toEqual([
      ['canary-10', 'agent'],
      ['canary-10-soak', 'no agent'],
      ['canary-10-analysis', 'agent'],
      ['canary-50', 'agent'],
      ['canary-50-soak', 'no agent'],
      ['canary-50-analysis', 'agent'],
    ]);
    expect(stage(main(), 'canary-10-soak').steps).toEqual([{ step: 'sleep', where: 'canary-10-soak', time: 900, unit: 'SECONDS' }]);
    expect(Object.keys(stage(main(), 'canary').post)).toEqual(['unsuccessful']);
    expect(shOf(stage(main(), 'canary').post.unsuccessful).at(-1)).toBe('./deploy.sh rollback');
  });

  it('notifies when unsuccessful, from a node of its own (any agent: the defaults are hosted)', () => {
    const post = main().post.unsuccessful!;
    expect(post.find((s) => s.step === 'node')).toMatchObject({ label: null });
    expect(shOf(post).at(-1)).toBe('python scripts/notify.py --status failed');
  });

  it('gives each schedule its own job: a UTC cron and its pipeline and mode as defaults', () => {
    const incremental = pipelines.get('spec-complete:jenkins/retrain-incremental.Jenkinsfile')!;
    expect(incremental.triggers).toEqual([{ name: 'cron', args: ['TZ=UTC\n0 3 1 * *'] }]);
    expect(incremental.parameters.map((p) => [p.name, p.default])).toEqual([
      ['PIPELINE', 'retrain'],
      ['MODE', 'incremental'],
      ['MODEL_VERSION', 'latest'],
    ]);
    expect(main().triggers).toEqual([]);
  });
});

describe('overrides', () => {
  it('reach the Jenkinsfile intact: agent label, an options line replacing mlgen\'s of the same name, escaped environment value', () => {
    const main = pipelines.get('overrides:Jenkinsfile')!;
    expect(main.options.map((o) => o.name)).toEqual(['skipDefaultCheckout', 'buildDiscarder']);
    expect(main.options.find((o) => o.name === 'buildDiscarder')).toEqual({ name: 'buildDiscarder', args: [{ name: 'logRotator', args: [{ numToKeepStr: '20' }] }] });
    expect(main.environment.EXTRA).toBe('it\'s \\ ${HOME} "q"');
    expect(stage(main, 'train').agent).toEqual({ label: 'linux && docker' });
    expect(main.post.unsuccessful!.find((s) => s.step === 'node')).toMatchObject({ label: 'linux && docker' });
  });
});

describe('adversarial commands', () => {
  it('reach sh exactly as written, after Groovy read them', async () => {
    const c = byName('adversarial');
    const scripts = await jenkinsHarness.scripts(c.files);
    const commands = c.plan.jobs.flatMap((j) => j.steps.flatMap((s) => (s.type === 'shell' && !s.own ? [s.run] : [])));
    expect(commands.length).toBeGreaterThan(5);
    for (const command of commands) expect(scripts).toContain(command);
  });
});
