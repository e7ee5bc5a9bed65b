/**
 * In-process fuzzing of validate and generate (src/engine/generate.ts): over 1000 mutated
 * manifests per run, from the hand-written examples and fixtures and from arbitrary valid
 * manifests. Whatever the damage, generate never throws, and either rejects the file with
 * diagnostics that each point into it and say something, or produces files at safe paths whose
 * YAML parses, the same bytes every time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import { loadManifest } from '../../src/manifest/index.js';
import { validManifestText } from '../support/arbitrary.js';
import { outputProblems, rejectionProblems } from './invariants.js';
import { applyMutations, mutation, seeds, type Mutation } from './mutate.js';

const FILE = 'mlgen.yaml';
const SEEDS = seeds();

interface Tally {
  accepted: number;
  rejected: number;
}

/** Runs one text through validate and generate; returns what went wrong (nothing, ideally). */
function judge(text: string, tally: Tally): string[] {
  const loaded = loadManifest(text, FILE);
  const result = generate(text, { manifestPath: FILE });
  if (loaded.ok !== result.ok) return [`validate says ${loaded.ok}, generate says ${result.ok}`];
  if (!result.ok) {
    tally.rejected++;
    return rejectionProblems(text, FILE, result.diagnostics);
  }
  tally.accepted++;
  return outputProblems(result.files);
}

const describeCase = (text: string, mutations: readonly Mutation[]) =>
  `${JSON.stringify(mutations).slice(0, 400)}\n--- text (first 600 chars) ---\n${text.slice(0, 600)}`;

describe('fuzzing validate and generate in process', () => {
  it('the examples and fixtures, mutated 1 to 3 times (800 cases): never a crash, every rejection placed', () => {
    expect(SEEDS.length).toBeGreaterThanOrEqual(7);
    const tally: Tally = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.nat({ max: SEEDS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (seed, mutations) => {
        const text = applyMutations(SEEDS[seed]!.text, mutations);
        const problems = judge(text, tally);
        if (problems.length > 0) throw new Error(`${SEEDS[seed]!.name}: ${problems.join('; ')}\n${describeCase(text, mutations)}`);
      }),
      { numRuns: 800 },
    );
    // Both outcomes are exercised: a fuzzer that only ever hits the YAML parser proves little.
    expect(tally.rejected).toBeGreaterThan(200);
    expect(tally.accepted).toBeGreaterThan(50);
  });

  it('arbitrary valid manifests, mutated once (250 cases), and the unmutated ones generate identical bytes twice', () => {
    const tally: Tally = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(validManifestText(), fc.option(mutation, { freq: 4 }), (text, m) => {
        const mutations = m ? [m] : [];
        const mutated = applyMutations(text, mutations);
        const problems = judge(mutated, tally);
        if (problems.length > 0) throw new Error(`${problems.join('; ')}\n${describeCase(mutated, mutations)}`);
        if (!m) {
          const [a, b] = [generate(text, { manifestPath: FILE }), generate(text, { manifestPath: FILE })];
          expect(a.ok && b.ok && a.files.map((f) => f.content).join('\0') === b.files.map((f) => f.content).join('\0')).toBe(true);
        }
      }),
      { numRuns: 250 },
    );
    expect(tally.accepted).toBeGreaterThan(50);
  });
});
