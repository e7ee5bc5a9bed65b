/**
 * adopt: a hand edit of a generated YAML file becomes an `overrides:` entry in the manifest,
 * so regeneration reproduces the edited file byte for byte. Pure: the engine is passed in,
 * the command reads and writes.
 *
 * The edit is diffed structurally against what mlgen generates now, the delta is added to the
 * manifest's override for the file's target, and the manifest is regenerated to prove the
 * result: only an edit the regenerated file reproduces exactly is adopted. Anything else
 * (comments, key order, formatting, non-YAML files) is explained and nothing changes.
 */
import { catalogEntry } from '../targets/catalog.js';
import { parseDocument, visit, type Document } from 'yaml';
import type { GenerateOptions, GenerateResult } from '../engine/generate.js';
import { unifiedDiff } from '../files/diff.js';
import { parseHeader } from '../files/header.js';
import type { GeneratedFile } from '../files/types.js';
import type { Diagnostic } from '../manifest/index.js';
import type { TargetId } from '../plan/index.js';
import { computeDelta, deepEqual, deltaPaths, isMapping, type Delta } from './delta.js';
import { addOverride } from './edit-manifest.js';

export type Engine = (text: string, options: GenerateOptions) => GenerateResult;

export interface AdoptInput {
  manifestText: string;
  /** The manifest's file name, for diagnostics. */
  manifestFile: string;
  /** The manifest as headers name it (relative to the output directory). */
  manifestPath: string;
  /** The edited file, relative to the output directory. */
  path: string;
  /** The edited file's content. */
  edited: string;
  engine: Engine;
}

export type AdoptOutcome =
  | {
      kind: 'adopted';
      target: TargetId;
      delta: Delta;
      /** Key paths the override sets or deletes, e.g. jobs.train.timeout-minutes. */
      changes: string[];
      manifestText: string;
      files: GeneratedFile[];
      /** Other files whose content changes too (GitHub applies an override to every workflow with the job). */
      alsoChanges: string[];
    }
  | { kind: 'nothing'; reason: string }
  | { kind: 'invalid-manifest'; diagnostics: Diagnostic[] }
  | { kind: 'cannot'; reason: string; details?: string };

const bodyOf = (content: string) => parseHeader(content)?.body;

/** Every comment in a document, for spotting the ones an edit added. */
function commentsOf(doc: Document): string[] {
  const comments: (string | null | undefined)[] = [doc.commentBefore, doc.comment];
  visit(doc, (_key, node) => {
    const n = node as { commentBefore?: string | null; comment?: string | null };
    comments.push(n.commentBefore, n.comment);
  });
  return comments.filter((c): c is string => Boolean(c)).flatMap((c) => c.split('\n').map((line) => line.trim()));
}

/** Comments in `edited` that `fresh` does not have (as a multiset). */
function addedComments(fresh: Document, edited: Document): string[] {
  const available = new Map<string, number>();
  for (const c of commentsOf(fresh)) available.set(c, (available.get(c) ?? 0) + 1);
  return commentsOf(edited).filter((c) => {
    const n = available.get(c) ?? 0;
    if (n > 0) available.set(c, n - 1);
    return n === 0;
  });
}

export function adoptEdit(input: AdoptInput): AdoptOutcome {
  const options = { manifestPath: input.manifestPath, file: input.manifestFile };
  const base = input.engine(input.manifestText, options);
  if (!base.ok) return { kind: 'invalid-manifest', diagnostics: base.diagnostics };
  const fresh = base.files.find((f) => f.path === input.path);
  if (!fresh) {
    return { kind: 'cannot', reason: `${input.path} is not generated from ${input.manifestFile}; adopt works on files mlgen generates (${base.files.map((f) => f.path).join(', ') || 'none yet'})` };
  }
  const owners = base.targets.filter((id) => {
    const one = input.engine(input.manifestText, { ...options, targets: [id] });
    return one.ok && one.files.some((f) => f.path === input.path);
  });
  if (owners.length !== 1) {
    return { kind: 'cannot', reason: `${input.path} is shared by every target (it comes from the manifest's sections, not from a target's document): change ${input.manifestFile} instead` };
  }
  const target = owners[0]!;
  if (!catalogEntry(target)?.adopt) {
    return { kind: 'cannot', reason: `${input.path} is not a YAML document adopt can diff: ${catalogEntry(target)?.displayName ?? target} overrides are the typed keys under overrides.${target} in ${input.manifestFile}; write the change there` };
  }
  const editedBody = bodyOf(input.edited);
  if (editedBody === undefined) {
    return { kind: 'cannot', reason: `${input.path} lost its two mlgen header lines: put them back (adopt compares the body below them)` };
  }
  const freshBody = bodyOf(fresh.content)!;
  if (editedBody === freshBody) return { kind: 'nothing', reason: `${input.path} has no hand edit: it is what ${input.manifestFile} generates` };

  const editedDoc = parseDocument(editedBody);
  if (editedDoc.errors.length > 0) {
    const e = editedDoc.errors[0]!;
    return { kind: 'cannot', reason: `${input.path} is not valid YAML after the edit (line ${(e.linePos?.[0].line ?? 0) + 2}): ${e.message.split('\n')[0]}` };
  }
  const freshDoc = parseDocument(freshBody);
  const comments = addedComments(freshDoc, editedDoc);
  if (comments.length > 0) {
    return {
      kind: 'cannot',
      reason: `the edit adds comments (${comments.map((c) => `# ${c}`).join(', ')}), and overrides carry data, not comments: remove them (a comment next to the override in ${input.manifestFile} keeps the note)`,
    };
  }
  const freshData = freshDoc.toJS({ maxAliasCount: 100 }) as unknown;
  let editedData: unknown;
  try {
    editedData = editedDoc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    // The yaml package throws a bare ReferenceError on an alias bomb (finding 26): say where.
    return { kind: 'cannot', reason: `${input.path}:${firstAliasAt(editedDoc, editedBody)}: the edit cannot be read: ${(error as Error).message.replace(/\s+/g, ' ').trim()} (more than 100 alias expansions); write the values out instead of using aliases` };
  }
  if (!isMapping(freshData) || !isMapping(editedData)) return { kind: 'cannot', reason: `${input.path} is not a YAML mapping` };
  const computed = computeDelta(freshData, editedData);
  if (!computed.ok) return { kind: 'cannot', reason: `the edit cannot be expressed as an override: ${computed.problems.join('; ')}` };
  if (Object.keys(computed.delta).length === 0) {
    return {
      kind: 'cannot',
      reason: `the edit changes only formatting or the order of keys, which an override cannot express (mlgen writes keys in its own order)`,
      details: unifiedDiff(freshBody, editedBody, `generated/${input.path}`, `edited/${input.path}`),
    };
  }

  let manifestText: string;
  try {
    manifestText = addOverride(input.manifestText, target, computed.delta);
  } catch (error) {
    return { kind: 'cannot', reason: `cannot edit ${input.manifestFile}: ${(error as Error).message}` };
  }
  const after = input.engine(manifestText, options);
  if (!after.ok) {
    return { kind: 'cannot', reason: `the override would make ${input.manifestFile} invalid: ${after.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('; ')}` };
  }
  const regenerated = after.files.find((f) => f.path === input.path);
  const regeneratedBody = regenerated ? bodyOf(regenerated.content) : undefined;
  if (regeneratedBody !== editedBody) {
    const sameData = regeneratedBody !== undefined && deepEqual(parseDocument(regeneratedBody).toJS(), editedData);
    return {
      kind: 'cannot',
      reason: sameData
        ? 'the override reproduces the data but not the text: the edit also changes key order or formatting (new keys go last in their mapping; move them there and run adopt again)'
        : `the ${target} target does not reproduce this edit from an override`,
      details: unifiedDiff(regeneratedBody ?? '', editedBody, `regenerated/${input.path}`, `edited/${input.path}`),
    };
  }
  const bodies = new Map(base.files.map((f) => [f.path, bodyOf(f.content)]));
  const alsoChanges = after.files
    .filter((f) => f.path !== input.path && bodies.get(f.path) !== bodyOf(f.content))
    .map((f) => f.path)
    .concat(base.files.filter((f) => !after.files.some((g) => g.path === f.path)).map((f) => f.path))
    .sort();
  return { kind: 'adopted', target, delta: computed.delta, changes: deltaPaths(computed.delta), manifestText, files: after.files, alsoChanges };
}

/** "line:col" of the first alias in `doc` (file lines: the two header lines come first). */
function firstAliasAt(doc: Document, body: string): string {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  if (offset === undefined) return '1:1';
  const before = body.slice(0, offset).split('\n');
  return `${before.length + 2}:${before[before.length - 1]!.length + 1}`;
}
