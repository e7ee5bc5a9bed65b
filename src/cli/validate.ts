/**
 * `mlgen validate` as a plain function: the oclif command (commands/validate.ts) and the
 * bundled fast path (cli/fast.ts) both call it and differ only in how they exit.
 */
import { loadManifest, type Diagnostic } from '../manifest/index.js';
import { printDiagnostics, say, type Output } from './output.js';
import { readManifestFile } from '../engine/read-manifest.js';

export interface ValidateResult {
  valid: boolean;
  files: { file: string; valid: boolean }[];
  diagnostics: Diagnostic[];
}

/** Checks each file; prints the problems (or, with --json, nothing: the caller prints the result). */
export async function validateFiles(files: readonly string[], output: Output): Promise<{ result: ValidateResult; exitCode: 0 | 1 }> {
  const result: ValidateResult = { valid: true, files: [], diagnostics: [] };
  const sources = new Map<string, string>();
  for (const file of files) {
    const text = readManifestFile(file, 'run `mlgen init` to create a manifest, or name one');
    sources.set(file, text);
    const loaded = loadManifest(text, file);
    result.files.push({ file, valid: loaded.ok });
    result.diagnostics.push(...loaded.diagnostics);
    if (!loaded.ok) result.valid = false;
  }
  printDiagnostics(output, result.diagnostics, sources);
  const bad = result.files.filter((f) => !f.valid).length;
  if (bad > 0) {
    if (!output.json) process.stderr.write(`\n${result.diagnostics.length} problem${result.diagnostics.length === 1 ? '' : 's'} in ${bad} of ${files.length} manifest${files.length === 1 ? '' : 's'}\n`);
    return { result, exitCode: 1 };
  }
  say(output, files.length === 1 ? `${files[0]} is valid` : `${files.length} manifests are valid`);
  return { result, exitCode: 0 };
}
