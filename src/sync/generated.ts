/**
 * What a sync works from: the manifest, compiled, and the files mlgen generates for one
 * target, exactly as `mlgen generate` writes them (the lint must see the real content).
 */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { manifestPathFor } from '../engine/regenerate.js';
import { generate } from '../engine/generate.js';
import type { GeneratedFile } from '../files/index.js';
import type { Diagnostic } from '../manifest/index.js';
import type { Plan, TargetId } from '../plan/index.js';
import { SyncError } from './errors.js';

export type GeneratedForSync =
  | { ok: true; plan: Plan; files: GeneratedFile[] }
  | { ok: false; diagnostics: Diagnostic[]; text: string };

export async function generateForSync(manifestFile: string, target: TargetId): Promise<GeneratedForSync> {
  let text: string;
  try {
    text = await readFile(manifestFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SyncError(
      code === 'ENOENT'
        ? `${manifestFile} does not exist: run \`mlgen init\` to create a manifest, or pass --manifest PATH`
        : `cannot read ${manifestFile}: ${code ?? String(error)}`,
    );
  }
  // As `mlgen generate` names it: relative to the directory it generates into, the manifest's.
  const manifestPath = manifestPathFor(realpathSync(dirname(manifestFile)), manifestFile);
  const result = generate(text, { manifestPath, file: manifestFile, targets: [target] });
  if (!result.ok) return { ok: false, diagnostics: result.diagnostics, text };
  return { ok: true, plan: result.plan, files: result.files };
}
