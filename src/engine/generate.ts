/**
 * generate: manifest text in, every generated file out, or diagnostics. Pure: reading the
 * manifest and writing the files are the commands' business (see files/write).
 */
import { addHeader, shortHash, type GeneratedFile } from '../files/index.js';
import { renderGateScript } from '../gate/index.js';
import { loadManifest, type Diagnostic, type Manifest } from '../manifest/index.js';
import { compilePlan, type Plan, type TargetId } from '../plan/index.js';
import { targetFor } from '../targets/registry.js';
import { VERSION } from '../version.js';

export interface GenerateOptions {
  /** The manifest's path as headers should name it, relative to the output directory. */
  manifestPath: string;
  /** The file name diagnostics use. */
  file?: string;
  /** Only these targets (default: the manifest's). */
  targets?: TargetId[];
}

export type GenerateResult =
  | { ok: true; manifest: Manifest; plan: Plan; files: GeneratedFile[]; targets: TargetId[]; diagnostics: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

export function generate(text: string, options: GenerateOptions): GenerateResult {
  const loaded = loadManifest(text, options.file ?? options.manifestPath);
  if (!loaded.ok) return loaded;
  const plan = compilePlan(loaded.manifest);
  const targets = options.targets ?? plan.targets;
  const rendered = targets.flatMap((id) => targetFor(id).render(plan));
  if (plan.gate && rendered.length > 0) rendered.push(renderGateScript(plan.gate));
  const info = { manifestPath: options.manifestPath, manifestHash: shortHash(text), version: VERSION };
  const files = rendered.map((file) => addHeader(file, info)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: true, manifest: loaded.manifest, plan, files, targets, diagnostics: [] };
}
