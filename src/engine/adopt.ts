/**
 * `mlgen adopt`: a hand edit of a generated YAML file moved into the manifest as an override
 * (src/adopt computes it), checked against the rest of the output before anything is written,
 * then the manifest written and the files regenerated. The command only prints the outcome.
 */
import { readFile, realpath } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { adoptEdit, sameData } from '../adopt/index.js';
import { unifiedDiff } from '../files/diff.js';
import { parseHeader } from '../files/header.js';
import { safeTarget, writeFileAtomic } from '../files/write.js';
import type { Diagnostic } from '../manifest/index.js';
import { UserError } from './errors.js';
import { generate } from './generate.js';
import { manifestPathFor, readManifestText, regenerate, summarize } from './regenerate.js';

export interface AdoptResult {
  file: string;
  adopted: boolean;
  target?: string;
  changes: string[];
  alsoChanges: string[];
  manifestDiff: string;
  /** The file was rewritten in mlgen's style (its data unchanged by that). */
  rewritten: boolean;
}

export interface AdoptOptions {
  manifest: string;
  /** The output directory the file belongs to; the manifest's directory by default. */
  out?: string | undefined;
  file: string;
  dryRun: boolean;
}

export type AdoptRun =
  | { kind: 'nothing'; reason: string; result: AdoptResult }
  | { kind: 'invalid-manifest'; diagnostics: Diagnostic[]; manifestText: string }
  | { kind: 'cannot'; reason: string; details?: string | undefined; file: string }
  /** `messages` in the order a person reads them; on a dry run nothing was written. */
  | { kind: 'adopted'; result: AdoptResult; dryRun: boolean; messages: string[] };

export async function adoptFile(options: AdoptOptions): Promise<AdoptRun> {
  const { manifest, out: outFlag, file, dryRun } = options;
  const manifestText = await readManifestText(manifest);
  const out = await realpath(outFlag ?? dirname(manifest)).catch(() => {
    throw new UserError(`the output directory ${outFlag} does not exist`);
  });
  const manifestPath = manifestPathFor(out, manifest);
  const fileReal = await realpath(file).catch(() => {
    throw new UserError(`${file} does not exist`);
  });
  const path = relative(out, fileReal).split(sep).join('/');
  if (path.startsWith('../') || resolve(out, path) !== fileReal) throw new UserError(`${file} is outside the output directory ${out}`);
  // Git with core.autocrlf checks files out with CRLF: the same file (as generate sees it).
  const edited = (await readFile(fileReal, 'utf8')).replace(/\r\n/g, '\n');

  const outcome = adoptEdit({ manifestText, manifestFile: manifest, manifestPath, path, edited, engine: generate });
  const result: AdoptResult = { file: path, adopted: false, changes: [], alsoChanges: [], manifestDiff: '', rewritten: false };
  if (outcome.kind === 'nothing') return { kind: 'nothing', reason: outcome.reason, result };
  if (outcome.kind === 'same-data') {
    // Nothing to adopt, and nothing to lose: the file is written as generate writes it, so
    // generate and --check no longer take it for a hand edit.
    if (dryRun) return { kind: 'nothing', reason: `${outcome.reason}; without --dry-run adopt rewrites it as mlgen writes it (the same data)`, result };
    await writeFileAtomic(await safeTarget(out, path), outcome.generated);
    return { kind: 'nothing', reason: `${outcome.reason}; rewrote it as mlgen writes it (the same data)`, result: { ...result, rewritten: true } };
  }
  if (outcome.kind === 'invalid-manifest') return { kind: 'invalid-manifest', diagnostics: outcome.diagnostics, manifestText };
  if (outcome.kind === 'cannot') return { kind: 'cannot', reason: outcome.reason, details: outcome.details, file: path };

  // Before touching anything: regeneration must not meet another edit it would overwrite.
  const preview = await regenerate({ manifest, out: outFlag, text: outcome.manifestText, dryRun: true });
  if (preview.kind === 'invalid') throw new UserError(`the override would make ${manifest} invalid`);
  // Another file edited only in style (its data is what the new manifest generates) loses nothing either.
  const sameBody = (file: string, current: string | undefined, generated: string | undefined) => {
    const [a, b] = [current === undefined ? undefined : parseHeader(current.replace(/\r\n/g, '\n'))?.body, generated === undefined ? undefined : parseHeader(generated)?.body];
    return a !== undefined && b !== undefined && (a === b || (/\.ya?ml$/.test(file) && sameData(a, b)));
  };
  const blocking = preview.files.filter((f) => f.action === 'refuse' && f.path !== path && !sameBody(f.path, f.current, f.generated));
  const restyledOthers = preview.files
    .filter((f) => f.action === 'refuse' && f.path !== path && parseHeader(f.current ?? '')?.body !== parseHeader(f.generated ?? '')?.body)
    .map((f) => f.path);
  if (blocking.length > 0) {
    throw new UserError(`cannot adopt ${path} yet: regenerating would overwrite ${blocking.map((f) => `${f.path} (${f.reason})`).join(', ')}. Adopt or revert those first. Nothing was changed.`);
  }
  Object.assign(result, { adopted: true, target: outcome.target, changes: outcome.changes, alsoChanges: outcome.alsoChanges, rewritten: outcome.restyled });
  result.manifestDiff = unifiedDiff(manifestText, outcome.manifestText, `a/${manifest}`, `b/${manifest}`);
  if (dryRun) {
    return { kind: 'adopted', dryRun: true, result: { ...result, adopted: false }, messages: [`would add overrides.${outcome.target}: ${outcome.changes.join(', ')}`] };
  }

  await writeFileAtomic(resolve(manifest), outcome.manifestText);
  // Files whose data already is what the new manifest generates (the adopted one, whose data
  // adoptEdit checked, or the same edit made in another workflow) lose nothing: write them as
  // mlgen writes them.
  for (const f of preview.files) {
    if (f.generated !== undefined && (f.path === path || (f.action === 'refuse' && sameBody(f.path, f.current, f.generated)))) {
      await writeFileAtomic(await safeTarget(out, f.path), f.generated!);
    }
  }
  const after = await regenerate({ manifest, out: outFlag });
  const messages = [`adopted ${path} into ${manifest}: overrides.${outcome.target}: ${outcome.changes.join(', ')}`];
  const rewritten = [...(outcome.restyled ? [path] : []), ...restyledOthers];
  if (rewritten.length > 0) {
    messages.push(`${rewritten.join(', ')} ${rewritten.length === 1 ? 'is' : 'are'} now written as mlgen writes them: the same data, in mlgen's layout, quoting and key order, without added comments`);
  }
  if (outcome.alsoChanges.length > 0) {
    messages.push(`the override also changes ${outcome.alsoChanges.join(', ')}${outcome.target === 'github' ? ' (GitHub overrides apply to every workflow; a jobs: entry to every workflow with that job)' : ''}`);
  }
  if (after.kind === 'done') messages.push(summarize(after));
  return { kind: 'adopted', dryRun: false, result, messages };
}
