/**
 * The test-side contract of a target: how the platform's own tools judge what mlgen wrote.
 * Each target's tests implement one `TargetHarness` (tests/support/harness-<target>.ts);
 * the cross-target conformance tests loop over all four.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '../../src/engine/generate.js';
import type { GeneratedFile } from '../../src/files/index.js';
import type { Plan, PlanEvent, TargetId } from '../../src/plan/index.js';

export interface TargetHarness {
  id: TargetId;
  /**
   * Validates many generated file sets with the platform's tools in as few tool starts as
   * possible. Returns one list of findings per set (empty: the tools accept it).
   */
  validate(sets: readonly GeneratedFile[][]): Promise<string[][]>;
  /**
   * The plan job ids that run for an event, as the platform decides it from the generated
   * files (its rules, conditions, triggers), given whether a file of `train.paths` changed.
   * Native helper jobs (approval gates, rollback, notification) map to their plan job or
   * are left out.
   */
  jobsFor(files: readonly GeneratedFile[], plan: Plan, event: PlanEvent, pathsChanged: boolean): Promise<string[]>;
  /**
   * Every shell script in the files, read back the way the platform hands it to the shell
   * (YAML parse; Groovy evaluation for Jenkins).
   */
  scripts(files: readonly GeneratedFile[]): Promise<string[]>;
}

export const FIXTURES = new URL('../fixtures/manifests/', import.meta.url);

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(`${name}.yaml`, FIXTURES), 'utf8');
}

/** Example projects under examples/ that have a manifest. */
export function exampleManifests(): { name: string; text: string }[] {
  const root = new URL('../../examples/', import.meta.url).pathname;
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      return [{ name, text: readFileSync(join(root, name, 'mlgen.yaml'), 'utf8') }];
    } catch {
      return [];
    }
  });
}

/** Generates one target's files from manifest text; throws with the diagnostics if invalid. */
export function generateFor(text: string, target: TargetId): { plan: Plan; files: GeneratedFile[] } {
  const result = generate(text, { manifestPath: 'mlgen.yaml', targets: [target] });
  if (!result.ok) throw new Error(`manifest invalid: ${result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('; ')}`);
  return { plan: result.plan, files: result.files };
}
