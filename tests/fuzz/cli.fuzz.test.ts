/**
 * The same fuzzing through the real CLI (`node bin/run.js`, built with `npx tsc -p .`): 30
 * mutated manifests per run: all of them through one `validate --json`, then each alone through
 * `validate` or `generate --json --out` (alternately), in scratch directories. Exit codes are 0 or 1 only, output never
 * holds a stack trace, every rejection names file:line:col inside the file, and generate writes
 * only below --out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/manifest/index.js';
import { listFiles, runCli, scratch, type CliRun } from '../files/cli.js';
import { rejectionProblems, STACK_TRACE } from './invariants.js';
import { applyMutations, mutation, seeds } from './mutate.js';

const CASES = 30;
const PARALLEL = 3;

async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => work(item, i + j)))));
  return results;
}

function jsonOf(run: CliRun): Record<string, unknown> {
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`--json printed something that is not one JSON document:\n${run.stdout.slice(0, 500)}\n${run.stderr.slice(0, 500)}`);
  }
}

describe('fuzzing the CLI', () => {
  it(`${CASES} mutated manifests through validate --json, then validate or generate --json: exit 0 or 1, placed diagnostics, no stack trace, no write outside --out`, async () => {
    const all = seeds();
    const seed = Date.now() % 2 ** 31;
    const texts = fc.sample(
      fc.tuple(fc.nat({ max: all.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([i, m]) => applyMutations(all[i]!.text, m)),
      { numRuns: CASES, seed },
    );
    const dirs = texts.map((text) => {
      const dir = scratch('mlgen-fuzz-cli-');
      mkdirSync(join(dir, 'project'));
      writeFileSync(join(dir, 'project', 'mlgen.yaml'), text);
      return dir;
    });
    // One validate --json over every file (one process) gives each file's verdict and diagnostics.
    const batch = await runCli(['validate', '--json', ...dirs.map((d) => join(d, 'project', 'mlgen.yaml'))], dirs[0]!);
    expect([0, 1]).toContain(batch.code);
    expect(batch.stdout + batch.stderr).not.toMatch(STACK_TRACE);
    const verdicts = batch.code === 0 ? undefined : (jsonOf(batch) as { files: { file: string; valid: boolean }[]; diagnostics: Diagnostic[] });

    // Then each file alone: even cases through validate, odd ones through generate --json --out.
    const outcomes = await inBatches(texts, PARALLEL, async (text, index) => {
      const dir = dirs[index]!;
      const file = join(dir, 'project', 'mlgen.yaml');
      const valid = verdicts ? verdicts.files[index]!.valid : true;
      const diagnostics = (verdicts?.diagnostics ?? []).filter((d) => d.file === file);
      const problems: string[] = [];
      if (!valid) problems.push(...rejectionProblems(text, file, diagnostics));
      const cwd = join(dir, 'project');
      const viaGenerate = index % 2 === 1;
      const run = viaGenerate ? await runCli(['generate', '--manifest', 'mlgen.yaml', '--out', '../out', '--json'], cwd) : await runCli(['validate', 'mlgen.yaml'], cwd);
      if (run.code !== (valid ? 0 : 1)) problems.push(`exited ${run.code} for a manifest validate --json called ${valid ? 'valid' : 'invalid'}`);
      if (STACK_TRACE.test(run.stdout + run.stderr)) problems.push(`printed a stack trace:\n${(run.stdout + run.stderr).slice(0, 800)}`);
      if (!viaGenerate && !valid && !/^mlgen\.yaml:\d+:\d+ error: \S/m.test(run.stderr)) problems.push(`validate rejected without mlgen.yaml:line:col:\n${run.stderr.slice(0, 500)}`);
      if (viaGenerate && !valid) {
        const fromGenerate = (jsonOf(run).diagnostics as Diagnostic[] | undefined) ?? [];
        problems.push(...rejectionProblems(text, 'mlgen.yaml', fromGenerate));
        if (fromGenerate.length !== diagnostics.length) problems.push('generate and validate report different diagnostics');
      }
      // Nothing but the manifest in the project; whatever was generated lies below out/.
      const written = listFiles(dir);
      const outside = written.filter((f) => f !== 'project/mlgen.yaml' && !f.startsWith('out/'));
      if (outside.length > 0) problems.push(`written outside --out: ${outside.join(', ')}`);
      if (viaGenerate && run.code === 0 && !written.some((f) => f.startsWith('out/'))) problems.push('generate succeeded but wrote nothing');
      if (!viaGenerate && written.length !== 1) problems.push(`validate wrote files: ${written.join(', ')}`);
      return { index, valid, problems };
    });
    const failed = outcomes.filter((o) => o.problems.length > 0);
    expect(failed.map((o) => `case ${o.index} (fast-check seed ${seed}):\n${o.problems.join('\n')}`)).toEqual([]);
    // Both outcomes happen in a batch of 30.
    expect(outcomes.some((o) => !o.valid)).toBe(true);
  });
});
