/**
 * generate: manifest text in, every generated file out, or diagnostics. Pure: reading the
 * manifest and writing the files are the commands' business (see files/write).
 */
import { addHeader, type GeneratedFile } from '../files/index.js';
import { renderGateScript } from '../gate/index.js';
import { loadManifest, type Diagnostic, type Manifest } from '../manifest/index.js';
import { compilePlan, type Plan, type TargetId } from '../plan/index.js';
import { targetFor } from '../targets/registry.js';
import { TargetInputError } from '../targets/types.js';
import { LineCounter, parseDocument } from 'yaml';
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
  let rendered;
  try {
    rendered = targets.flatMap((id) => targetFor(id).render(plan));
  } catch (error) {
    if (error instanceof TargetInputError) return { ok: false, diagnostics: [diagnosticAt(text, options.file ?? options.manifestPath, error)] };
    throw error;
  }
  if (plan.gate && rendered.length > 0) rendered.push(renderGateScript(plan.gate));
  const info = { manifestPath: options.manifestPath, version: VERSION };
  const files = rendered.map((file) => addHeader(file, info)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: true, manifest: loaded.manifest, plan, files, targets, diagnostics: [] };
}

/** A target's refusal as a diagnostic at the place in the manifest it names (the nearest existing key). */
function diagnosticAt(text: string, file: string, error: TargetInputError): Diagnostic {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  let node: { range?: [number, number, number] | null } | undefined;
  for (let n = error.path.length; n > 0 && !node?.range; n--) node = doc.getIn(error.path.slice(0, n), true) as typeof node;
  const [start, end] = node?.range ?? [0, 1];
  const { line, col } = lines.linePos(start);
  const diagnostic: Diagnostic = { file, line: Math.max(1, line), column: Math.max(1, col), length: Math.max(1, end - start), severity: 'error', message: error.message, path: error.path };
  if (error.hint) diagnostic.hint = error.hint;
  return diagnostic;
}
