/** Small helpers for manifest tests: inline manifests as lines, diagnostics as "line:col message". */
import { expect } from 'vitest';
import { loadManifest, type Diagnostic, type Manifest } from '../../src/manifest/index.js';

export const text = (...lines: string[]) => `${lines.join('\n')}\n`;

/** Loads text that must be valid; fails with the diagnostics otherwise. */
export function accepts(source: string): Manifest {
  const result = loadManifest(source, 'mlgen.yaml');
  expect(result.ok, result.diagnostics.map(at).join('\n')).toBe(true);
  if (!result.ok) throw new Error('unreachable');
  return result.manifest;
}

/** Loads text that must be invalid and returns its diagnostics. */
export function diagnose(source: string): Diagnostic[] {
  const result = loadManifest(source, 'mlgen.yaml');
  expect(result.ok, 'the manifest should have been refused').toBe(false);
  expect(result.diagnostics.length).toBeGreaterThan(0);
  return result.diagnostics;
}

/** The one diagnostic of an invalid manifest. */
export function only(source: string): Diagnostic {
  const diagnostics = diagnose(source);
  expect(diagnostics.map(at)).toHaveLength(1);
  return diagnostics[0]!;
}

export const at = (d: Diagnostic) => `${d.line}:${d.column} ${d.message}`;

/** A valid base manifest's lines, to which a test appends one section. */
export const BASE = ['version: 1', 'name: m', 'train:', '  run: python train.py'];
