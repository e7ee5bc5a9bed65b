/**
 * The test-side contract of a target: how the platform's own tools judge what mlgen wrote.
 * Each target's tests implement one `TargetHarness` (tests/support/harness-<target>.ts);
 * the cross-target conformance tests loop over all four.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * Generates one target's files from manifest text; throws with the diagnostics if invalid.
 *
 * MLGEN_FILES_FROM=<an older mlgen checkout, built> (unset: nothing changes): the files are what
 * that checkout's `bin/run.js generate --target <target>` writes for the same text in a temp
 * dir, while the plan stays today's (it says what should happen), so a test can be shown to fail
 * on an older mlgen's files. An older mlgen that refuses the manifest (say, contract 1.1 keys it
 * did not know) gives no files: `files` then throws that refusal on first use, so the test that
 * uses them fails on that version (and a module-level call fails only the tests that read it).
 */
export function generateFor(text: string, target: TargetId): { plan: Plan; files: GeneratedFile[] } {
  const result = generate(text, { manifestPath: 'mlgen.yaml', targets: [target] });
  if (!result.ok) throw new Error(`manifest invalid: ${result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('; ')}`);
  const older = process.env.MLGEN_FILES_FROM;
  return { plan: result.plan, files: older ? olderFiles(older, text, target) : result.files };
}

/** The mlgen CLI the tests run: today's, or MLGEN_FILES_FROM's (see generateFor). */
export function mlgenBin(): string {
  const older = process.env.MLGEN_FILES_FROM;
  return older ? join(older, 'bin/run.js') : new URL('../../bin/run.js', import.meta.url).pathname;
}

const olderCache = new Map<string, GeneratedFile[]>();
function olderFiles(checkout: string, text: string, target: TargetId): GeneratedFile[] {
  const key = `${checkout}\0${target}\0${text}`;
  const cached = olderCache.get(key);
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-files-from-'));
  try {
    writeFileSync(join(dir, 'mlgen.yaml'), text);
    const cli = spawnSync(process.execPath, [mlgenBin(), 'generate', '--manifest', join(dir, 'mlgen.yaml'), '--out', dir, '--target', target, '--json'], { encoding: 'utf8' });
    let report: { ok?: boolean; files?: { path: string; action?: string }[]; diagnostics?: { line: number; column: number; message: string }[] } = {};
    try {
      report = JSON.parse(cli.stdout) as typeof report;
    } catch {
      // not JSON: reported below with stderr
    }
    if (cli.status !== 0 || !report.ok) {
      const why = report.diagnostics?.map((d) => `${d.line}:${d.column} ${d.message}`).join('; ') || cli.stderr.trim() || `exit ${cli.status}`;
      const refusal = new Error(`MLGEN_FILES_FROM=${checkout} refuses the manifest for ${target}: ${why}`);
      return new Proxy([], { get: () => { throw refusal; } }) as GeneratedFile[];
    }
    const files = (report.files ?? []).filter((f) => f.action === 'write').map((f) => ({ path: f.path, content: readFileSync(join(dir, f.path), 'utf8') }));
    olderCache.set(key, files);
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
