/**
 * For the per-field grammar tests: load a manifest, expect it refused at one key path, and check
 * the diagnostic is placed on the offending value (file:line:col of its first character) and
 * says what is wrong, as the CLI prints it.
 */
import { expect } from 'vitest';
import { formatDiagnostic, loadManifest, type Diagnostic } from '../../src/manifest/index.js';

export const FILE = 'mlgen.yaml';

/** A minimal manifest with a train section; `extra` lines are appended at the top level. */
export const manifest = (...extra: string[]) => ['version: 1', 'name: m', 'train:', '  run: python train.py', ...extra, ''].join('\n');
/** The same with lines inside the train section. */
export const withTrain = (...lines: string[]) => ['version: 1', 'name: m', 'train:', '  run: python train.py', ...lines, ''].join('\n');

/** Line and column (1-based) of the first occurrence of `needle` in `text`. */
export function positionOf(text: string, needle: string): { line: number; column: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`${needle} is not in the manifest`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/**
 * Expects `source` refused with a diagnostic at `path`, placed where `written` (the value as it
 * appears in the file) starts, whose message matches `what`. Returns the printed diagnostic.
 */
export function expectRefusedAt(source: string, path: string, written: string, what: RegExp): string {
  const loaded = loadManifest(source, FILE);
  expect(loaded.ok, `accepted:\n${source}`).toBe(false);
  const found = loaded.diagnostics.filter((d: Diagnostic) => d.path.join('.') === path);
  expect(found.map((d) => d.message), `diagnostics: ${JSON.stringify(loaded.diagnostics.map((d) => [d.path.join('.'), d.message]))}`).toHaveLength(1);
  const d = found[0]!;
  expect({ line: d.line, column: d.column }).toEqual(positionOf(source, written));
  expect(d.message).toMatch(what);
  const printed = formatDiagnostic(d, source);
  const dotted = path.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  expect(printed.split('\n')[0]!.startsWith(`${FILE}:${d.line}:${d.column} error: ${dotted}: `), printed).toBe(true);
  return printed;
}

export function expectAccepted(source: string): void {
  const loaded = loadManifest(source, FILE);
  expect(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([]);
  expect(loaded.ok).toBe(true);
}
