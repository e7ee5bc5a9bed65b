/**
 * zod (the truth) and ajv with the published JSON Schema judge documents alike.
 *
 * What JSON Schema cannot express stays zod-only: cron syntax, strictly increasing canary
 * steps, min <= max, tolerances only for gated metrics, unique check names, cross-section
 * rules (evaluate needs train, ...) and full URL parsing. So the comparison is restricted, honestly:
 *   1. whenever zod accepts, ajv accepts (an editor never flags a valid manifest);
 *   2. whenever zod finds a structural problem (wrong type, unknown key, missing key, value
 *      out of range or not matching its pattern, wrong enum value), ajv rejects too.
 * A document zod rejects only for refinements ("custom" issues, URL parsing) may go either way
 * in ajv. The mutations below are mostly structural; the test also checks that most mutated
 * documents do reach rule 2, so it cannot pass by rejecting nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { ValidateFunction } from 'ajv';
import { buildManifestJsonSchema } from '../../scripts/write-schema.js';
import { manifestSchema } from '../../src/manifest/schema.js';
import { validManifest } from '../support/arbitrary.js';
import { compileManifestSchema } from './ajv.js';

const { validate } = compileManifestSchema();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

function isStructural(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'custom') return false;
  if (issue.code === 'invalid_format' && issue.format === 'url') return false;
  return true;
}

function judge(document: unknown, check: ValidateFunction = validate) {
  const parsed = manifestSchema().safeParse(document);
  const issues = parsed.success ? [] : parsed.error.issues;
  const ajv = check(document) as boolean;
  return { zod: parsed.success, structural: issues.some(isStructural), ajv, issues, errors: check.errors };
}

/** Every place in the document: containers (for adding and deleting keys) and leaves. */
function places(document: Json, path: Path = []): { path: Path; value: Json }[] {
  const here = { path, value: document };
  if (Array.isArray(document)) return [here, ...document.flatMap((v, i) => places(v, [...path, i]))];
  if (document !== null && typeof document === 'object') return [here, ...Object.entries(document).flatMap(([k, v]) => places(v, [...path, k]))];
  return [here];
}

function parentOf(document: Json, path: Path): Json {
  return path.slice(0, -1).reduce<Json>((node, segment) => (node as Record<string | number, Json>)[segment]!, document);
}

const WRONG_TYPES: Json[] = [42, -1, 0.5, true, null, 'text', [], {}, ['a'], { x: 1 }];
const OUT_OF_RANGE: Json[] = [0, 100, -1, 1e9, 1.5, '', ' ', 'UPPER', 'a b', '/abs', '../up', 'echo ${{ x }}', 'x'.repeat(70), '3.1', '60', '@daily'];
const STRAY_KEYS = ['extra', 'trian', 'Run', 'runs', 'timeout_minutes', 'on', '0'];

type Mutation = { kind: 'retype' | 'range' | 'add-key' | 'delete-key'; place: number; choice: number };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('retype', 'range', 'add-key', 'delete-key'),
  place: fc.nat(),
  choice: fc.nat(),
});

/** Applies one mutation to a copy; places are picked by index, so shrinking stays simple. */
function mutate(document: Json, m: Mutation): Json {
  const copy = structuredClone(document);
  const all = places(copy);
  const objects = all.filter((p) => p.value !== null && typeof p.value === 'object' && !Array.isArray(p.value));
  const nonRoot = all.filter((p) => p.path.length > 0);
  const set = (path: Path, value: Json) => ((parentOf(copy, path) as Record<string | number, Json>)[path[path.length - 1]!] = value);
  switch (m.kind) {
    case 'retype': {
      const target = nonRoot[m.place % nonRoot.length]!;
      set(target.path, WRONG_TYPES[m.choice % WRONG_TYPES.length]!);
      break;
    }
    case 'range': {
      const leaves = nonRoot.filter((p) => typeof p.value === 'number' || typeof p.value === 'string');
      const target = leaves[m.place % leaves.length]!;
      set(target.path, OUT_OF_RANGE[m.choice % OUT_OF_RANGE.length]!);
      break;
    }
    case 'add-key': {
      const target = objects[m.place % objects.length]!.value as Record<string, Json>;
      target[STRAY_KEYS[m.choice % STRAY_KEYS.length]!] = 'stray';
      break;
    }
    case 'delete-key': {
      const target = objects[m.place % objects.length]!.value as Record<string, Json>;
      const keys = Object.keys(target);
      if (keys.length > 0) delete target[keys[m.choice % keys.length]!];
      break;
    }
  }
  return copy;
}

const explain = (document: unknown, verdict: ReturnType<typeof judge>) =>
  `${JSON.stringify(document)}\nzod: ${JSON.stringify(verdict.issues)}\najv: ${JSON.stringify(verdict.errors)}`;

/** Rules 1 and 2 on mutated valid manifests; returns the first counterexample's story, if any. */
function checkMutations(check: ValidateFunction, numRuns: number, seed?: number) {
  const tally = { zodAccepts: 0, structural: 0, refinementsOnly: 0 };
  const result = fc.check(
    fc.property(validManifest(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (manifest, mutations) => {
      const document = mutations.reduce<Json>((doc, m) => mutate(doc, m), manifest as Json);
      const verdict = judge(document, check);
      if (verdict.zod) {
        tally.zodAccepts++;
        if (!verdict.ajv) throw new Error(`zod accepts, ajv rejects:\n${explain(document, verdict)}`);
      } else if (verdict.structural) {
        tally.structural++;
        if (verdict.ajv) throw new Error(`zod finds a structural problem, ajv accepts:\n${explain(document, verdict)}`);
      } else {
        tally.refinementsOnly++;
      }
    }),
    seed === undefined ? { numRuns } : { numRuns, seed },
  );
  const error = result.failed ? `${(result.errorInstance as Error | undefined)?.message}\n(fast-check seed ${result.seed}, path "${result.counterexamplePath}")` : undefined;
  return { failure: error, tally };
}

describe('zod and the JSON Schema agree', () => {
  it('on valid manifests: both accept', () => {
    fc.assert(
      fc.property(validManifest(), (manifest) => {
        const verdict = judge(manifest);
        expect(verdict.zod, explain(manifest, verdict)).toBe(true);
        expect(verdict.ajv, explain(manifest, verdict)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('on mutated manifests: ajv accepts what zod accepts and rejects every structural problem', () => {
    const result = checkMutations(validate, 400);
    expect(result.failure, result.failure).toBeUndefined();
    // The comparison must have had teeth: most mutations are structural problems.
    expect(result.tally.structural).toBeGreaterThan(200);
    expect(result.tally.zodAccepts).toBeGreaterThan(10);
  });

  it('notices a schema that is too loose or too strict', () => {
    const loose = structuredClone(buildManifestJsonSchema()) as { properties: Record<string, Record<string, unknown>> };
    delete loose.properties.train!.additionalProperties; // unknown keys in train pass
    expect(checkMutations(compileManifestSchema(loose).validate, 400, 1).failure).toMatch(/structural problem, ajv accepts/);
    const strict = structuredClone(buildManifestJsonSchema()) as { properties: Record<string, Record<string, unknown>> };
    strict.properties.name!.maxLength = 3; // refuses names zod accepts
    expect(checkMutations(compileManifestSchema(strict).validate, 400, 1).failure).toMatch(/zod accepts, ajv rejects/);
  });

  it('on refinements the JSON Schema restates: both reject', () => {
    const base = { version: 1, name: 'm', train: { run: 'python train.py' } };
    const documents = [
      { ...base, checks: [{ name: 'x', run: 'echo ${{ github.token }}' }] },
      { ...base, evaluate: { gates: [{ metric: 'r2' }] } },
      { ...base, secrets: ['MLGEN_TOKEN'] },
      { ...base, train: { run: 'x', artifacts: ['C:\\model'] } },
      { ...base, defaults: { timeout: '1.5h' } },
    ];
    for (const document of documents) {
      const verdict = judge(document);
      expect([verdict.zod, verdict.ajv], explain(document, verdict)).toEqual([false, false]);
    }
  });
});
