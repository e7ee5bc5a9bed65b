/**
 * Contract 1.1's complete example (../shared/manifest-v1.md) as a fixture: it generates, every
 * target's files pass the platform's own tools (actionlint; gitlab-ci-local --preview; the Azure
 * schema with ajv; npm-groovy-lint and the Jenkins DSL stub), and in every job of every target
 * (read back from the parsed files, and for Jenkins from the stub's run of a release push):
 * - the install runs before the manifest's commands,
 * - the job runs in its section's runtime (image), and
 * - every job after training receives training's artifacts.
 * The fixture tests/fixtures/manifests/contract-complete.yaml is the verbatim example under a
 * comment header; tests/fixtures/contract/complete-1.1.yaml is the bare copy.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generate } from '../../src/engine/generate.js';
import type { GeneratedFile } from '../../src/files/index.js';
import { selectJobs, type Plan, type PlanJob, type ShellStep, type Step, type TargetId } from '../../src/plan/index.js';
import { azureHarness } from '../support/harness-azure.js';
import { githubHarness } from '../support/harness-github.js';
import { gitlabHarness } from '../support/harness-gitlab.js';
import { evaluateJenkinsfile, jenkinsHarness, scenarioFor, type StubOutcome, type StubStage } from '../support/harness-jenkins.js';
import { fixtureText, generateFor } from '../support/harness.js';

type Doc = Record<string, unknown>;
const VERBATIM = readFileSync(new URL('../fixtures/contract/complete-1.1.yaml', import.meta.url), 'utf8');
const TEXT = fixtureText('contract-complete');
const generated = generate(TEXT, { manifestPath: 'mlgen.yaml' });
if (!generated.ok) throw new Error(`contract-complete does not generate: ${JSON.stringify(generated.diagnostics)}`);
const { plan, files } = generated;
/** One target's files (MLGEN_FILES_FROM: an older mlgen's, see generateFor). */
const only = (target: TargetId): GeneratedFile[] => generateFor(TEXT, target).files;

/** A job as a target printed it: its name, everything it holds (in order), its image, whether it receives train's artifacts. */
interface Unit {
  name: string;
  text: string;
  image?: string;
  receivesTraining: boolean;
}

const allSteps = (job: PlanJob): Step[] => [...job.steps, ...(job.canary?.phases.flatMap((p) => p.steps) ?? [])];
const manifestCommands = (job: PlanJob): string[] =>
  allSteps(job).flatMap((s) => (s.type === 'shell' && !s.own && s.role !== 'install' && s.role !== 'rollback' ? [s.run] : []));
const installs = (job: PlanJob): string[] => job.steps.flatMap((s) => (s.type === 'shell' && s.role === 'install' ? [(s as ShellStep).run] : []));
const afterTraining = (job: PlanJob): boolean => job.id !== 'train' && job.steps.some((s) => s.type === 'download' && s.from === 'train');
/** The JSON text of a string, without its quotes: how a command appears inside JSON.stringify(unit). */
const json = (text: string) => JSON.stringify(text).slice(1, -1);

function githubUnits(): Unit[] {
  return only('github')
    .filter((f) => f.path.startsWith('.github/workflows/'))
    .flatMap((f) =>
      Object.entries((parse(f.content) as { jobs: Record<string, Doc> }).jobs).map(([name, job]) => {
        const container = job.container as string | { image?: string } | undefined;
        const image = typeof container === 'string' ? container : container?.image;
        const steps = (job.steps ?? []) as Doc[];
        const receivesTraining = steps.some((s) => String(s.uses ?? '').includes('download-artifact') && (s.with as Doc | undefined)?.name === 'train');
        return { name: `${f.path}:${name}`, text: JSON.stringify(job), ...(image ? { image } : {}), receivesTraining };
      }),
    );
}

function gitlabUnits(): Unit[] {
  const doc = parse(only('gitlab').find((f) => f.path === '.gitlab-ci.yml')!.content, { version: '1.1' }) as Record<string, Doc>;
  const defaultImage = (doc.default?.image ?? doc.image) as string | { name: string } | undefined;
  return Object.entries(doc)
    .filter(([name, job]) => !name.startsWith('.') && job && typeof job === 'object' && 'script' in job)
    .map(([name, job]) => {
      const image = (job.image ?? defaultImage) as string | { name: string } | undefined;
      const needs = (job.needs ?? []) as (string | { job: string; artifacts?: boolean })[];
      const receivesTraining = needs.some((n) => typeof n === 'object' && n.job === 'train' && n.artifacts !== false);
      return { name, text: JSON.stringify(job.script), ...(image ? { image: typeof image === 'string' ? image : image.name } : {}), receivesTraining };
    });
}

function azureUnits(): Unit[] {
  const doc = parse(only('azure').find((f) => f.path === 'azure-pipelines.yml')!.content) as Doc;
  const containers = new Map(((doc.resources as Doc | undefined)?.containers as { container: string; image: string }[] | undefined)?.map((c) => [c.container, c.image]) ?? []);
  const units: Unit[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const job = node as Doc;
    const name = (job.job ?? job.deployment) as string | undefined;
    if (name) {
      const container = job.container as string | { image?: string } | undefined;
      const text = JSON.stringify(job);
      // An image Azure cannot make a container job runs each step through docker run (src/targets/azure/image-run.ts).
      const bashes: string[] = [];
      const scripts = (n: unknown): void => {
        if (Array.isArray(n)) n.forEach(scripts);
        else if (n && typeof n === 'object') for (const [k, v] of Object.entries(n)) (k === 'bash' && typeof v === 'string' ? bashes.push(v) : scripts(v));
      };
      scripts(job);
      const dockerRun = [...new Set(bashes.flatMap((b) => /^docker run .* (\S+) -c /m.exec(b)?.[1] ?? []))];
      const image = typeof container === 'string' ? (containers.get(container) ?? container) : (container?.image ?? (dockerRun.length === 1 ? dockerRun[0] : undefined));
      const receivesTraining = /"(download|artifact|artifactName)":"train"/.test(text) || /"artifact":"train"/.test(text);
      units.push({ name, text, ...(image ? { image } : {}), receivesTraining });
      return;
    }
    Object.values(job).forEach(walk);
  };
  walk(doc.stages ?? doc.jobs);
  return units;
}

let jenkinsRun: StubOutcome;
let jenkinsStages: StubStage[] = [];
function jenkinsUnits(): Unit[] {
  const byStage = new Map<string, string[]>();
  for (const e of jenkinsRun.executed) byStage.set(e.where, [...(byStage.get(e.where) ?? []), e.script]);
  const flat = (stages: StubStage[]): StubStage[] => stages.flatMap((s) => [s, ...flat(s.parallel ?? []), ...flat(s.stages ?? [])]);
  const stages = new Map(flat(jenkinsStages).map((s) => [s.name, s]));
  return [...byStage].map(([name, scripts]) => {
    const stage = stages.get(name);
    const image = stage?.agent?.docker?.image;
    const receivesTraining = (stage?.steps ?? []).some((s) => s.step === 'unstash' && s.name === 'train');
    return { name, text: JSON.stringify(scripts), ...(image ? { image } : {}), receivesTraining };
  });
}

/** Printed jobs where an install command is missing or comes after the job's first manifest command. */
function installFindings(units: Unit[], jobs: PlanJob[], find: (units: Unit[], job: PlanJob) => Unit[]): string[] {
  return jobs.flatMap((job) =>
    find(units, job).flatMap((unit) => {
      const first = Math.min(...manifestCommands(job).map((c) => unit.text.indexOf(json(c))).filter((i) => i >= 0));
      return installs(job).flatMap((command) => {
        const at = unit.text.indexOf(json(command));
        return at >= 0 && at < first ? [] : [`${job.id} in ${unit.name}: ${command} ${at < 0 ? 'missing' : 'after its commands'}`];
      });
    }),
  );
}

const unitsOf: Record<TargetId, () => Unit[]> = { github: githubUnits, gitlab: gitlabUnits, azure: azureUnits, jenkins: jenkinsUnits };

/** The Jenkins stub's run of a release push (groovy: started only by the Jenkins tests). */
async function runJenkins(): Promise<void> {
  const event = { kind: 'push', branch: plan.releaseBranch } as const;
  const { scenario } = scenarioFor(plan, event, true);
  const text = only('jenkins').find((f) => f.path === 'Jenkinsfile')!.content;
  const [ran, shape] = await Promise.all([evaluateJenkinsfile(text, [{ ...scenario, id: 'release' }]), evaluateJenkinsfile(text)]);
  if (ran.error) throw new Error(ran.error);
  jenkinsRun = ran.outcomes!.release!;
  jenkinsStages = shape.pipeline!.stages;
}

describe("contract 1.1's complete example", () => {
  it('verbatim: the example generates as it is, and the fixture is the same text under its header', () => {
    const verbatim = generate(VERBATIM, { manifestPath: 'mlgen.yaml' });
    expect(verbatim.ok ? [] : verbatim.diagnostics).toEqual([]);
    expect(TEXT.split('\n').slice(3).join('\n')).toBe(VERBATIM);
  });

  it('generates every target: ci, predict, retrain and monitor, with a deploy image of its own', () => {
    expect(plan.pipelines).toEqual(['ci', 'predict', 'retrain', 'monitor']);
    expect(plan.jobs.find((j) => j.id === 'staging')!.runtime.image).toBe('alpine/k8s:1.31.2');
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['.github/workflows/mlgen-ci.yml', '.gitlab-ci.yml', 'azure-pipelines.yml', 'Jenkinsfile']));
  });

  it.each([
    ['github', githubHarness],
    ['gitlab', gitlabHarness],
    ['azure', azureHarness],
    ['jenkins', jenkinsHarness],
  ] as const)('%s: the platform tools accept the files', async (target, harness) => {
    const [findings] = await harness.validate([only(target)]);
    expect(findings).toEqual([]);
  }, 600_000);

  describe.each(['github', 'gitlab', 'azure', 'jenkins'] as const)('%s: every job', (target) => {
    beforeAll(async () => {
      if (target === 'jenkins') await runJenkins();
    }, 600_000);
    // Jenkins' units are the stub's run of the main Jenkinsfile for a release push: its jobs
    // (predict runs from jenkins/predict.Jenkinsfile, not read here).
    const releaseJobs = () => new Set(selectJobs(plan, { kind: 'push', branch: plan.releaseBranch }, true));
    const jobs = plan.jobs.filter((j) => manifestCommands(j).length > 0 && (target !== 'jenkins' || releaseJobs().has(j.id)));
    const find = (units: Unit[], job: PlanJob) => {
      const commands = manifestCommands(job);
      // A printed job belongs to the plan job when it runs one of the plan job's own commands.
      return units.filter((u) => commands.some((c) => u.text.includes(json(c))) && !(job.id !== 'predict' && /predict/.test(u.name) && !/predict/.test(job.id)));
    };

    it('runs the install before the manifest commands', () => {
      const units = unitsOf[target]();
      for (const job of jobs) expect(find(units, job).length, `${job.id} is printed`).toBeGreaterThan(0);
      expect(installFindings(units, jobs, find)).toEqual([]);
      // Control: the same check finds a job whose install line is gone.
      const train = jobs.find((j) => j.id === 'train')!;
      const broken = units.map((u) => (find([u], train).length > 0 ? { ...u, text: u.text.split(json(installs(train)[0]!)).join('') } : u));
      expect(installFindings(broken, [train], find).length).toBeGreaterThan(0);
    });

    it("runs in its section's runtime (image)", () => {
      const units = unitsOf[target]();
      for (const job of jobs) {
        // A job that builds images runs where Docker is: the runner (no image), or GitLab's docker CLI image with its dind service.
        const want = job.runtime.docker && target === 'gitlab' ? expect.stringMatching(/^docker:[\d.]+-cli$/) : job.runtime.image;
        for (const unit of find(units, job)) expect({ job: job.id, unit: unit.name, image: unit.image }).toEqual({ job: job.id, unit: unit.name, image: want });
      }
    });

    it("receives training's artifacts in every job after training", () => {
      const units = unitsOf[target]();
      const consumers = jobs.filter(afterTraining);
      expect(consumers.map((j) => j.id)).toEqual(['evaluate', 'package', 'staging', 'canary', 'production']);
      for (const job of consumers) {
        for (const unit of find(units, job)) expect({ job: job.id, unit: unit.name, receives: unit.receivesTraining }).toEqual({ job: job.id, unit: unit.name, receives: true });
      }
    });
  });
});

export type { Plan };
