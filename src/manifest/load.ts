/**
 * Reads a manifest's text into a validated `Manifest`, or into diagnostics that each name
 * file:line:col. Pure: the caller reads the file.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import type { Diagnostic } from './diagnostics.js';
import { manifestSchema, type Manifest } from './schema.js';
import { closest } from './suggest.js';
import { findSecretLikeValues } from './secrets.js';

export type LoadResult = { ok: true; manifest: Manifest; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Bounds that keep a hostile file from costing unbounded time or memory. */
export const LIMITS = { bytes: 1_000_000, aliases: 100, depth: 64 } as const;

type Segment = string | number;

interface Located {
  node: Node | null | undefined;
  pair: Pair | undefined;
  /** How many path segments exist in the document. */
  depth: number;
}

function locate(doc: Document, path: readonly Segment[]): Located {
  let node = doc.contents as Node | null;
  let pair: Pair | undefined;
  let depth = 0;
  for (const segment of path) {
    if (isMap(node)) {
      const found = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!found) break;
      pair = found as Pair;
      node = found.value as Node | null;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      pair = undefined;
      node = node.items[segment] as Node | null;
    } else {
      break;
    }
    depth++;
  }
  return { node, pair, depth };
}

function rangeOf(node: { range?: [number, number, number] | null } | null | undefined): [number, number] | undefined {
  return node?.range ? [node.range[0], node.range[1]] : undefined;
}

export function makeDiagnostic(
  file: string,
  lines: LineCounter,
  range: [number, number] | undefined,
  message: string,
  path: Segment[],
  hint?: string,
): Diagnostic {
  const [start, end] = range ?? [0, 1];
  const { line, col } = lines.linePos(start);
  const diagnostic: Diagnostic = { file, line, column: col, length: Math.max(1, end - start), severity: 'error', message, path };
  if (hint) diagnostic.hint = hint;
  return diagnostic;
}

type ZodDef = Record<string, unknown>;
const defOf = (schema: z.ZodType): ZodDef => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;

/**
 * Unwraps optional/default/nullable wrappers and unions (to the first object-like option),
 * keeping the first description met on the way: `.describe()` often sits on a wrapper.
 */
function unwrap(schema: z.ZodType): { schema: z.ZodType; description?: string } {
  let current = schema;
  let description = current.description;
  for (let guard = 0; guard < 10; guard++) {
    const def = defOf(current);
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') {
      current = def.innerType as z.ZodType;
    } else if (def.type === 'union') {
      const options = def.options as z.ZodType[];
      const structured = options.find((o) => ['object', 'array'].includes(defOf(o).type as string));
      current = structured ?? options[0]!;
      if (!structured) break;
    } else break;
    description ??= current.description;
  }
  return description === undefined ? { schema: current } : { schema: current, description };
}

/** Walks the zod schema along a path, for descriptions and the keys allowed there. */
function schemaAt(schema: z.ZodType, path: readonly Segment[]): { schema: z.ZodType; description?: string } | undefined {
  let current = unwrap(schema);
  for (const segment of path) {
    const def = defOf(current.schema);
    let next: z.ZodType | undefined;
    if (def.type === 'object') next = (def.shape as Record<string, z.ZodType>)[String(segment)];
    else if (def.type === 'array') next = def.element as z.ZodType;
    else if (def.type === 'record') next = def.valueType as z.ZodType;
    if (!next) return undefined;
    current = unwrap(next);
  }
  return current;
}

function keysAt(path: readonly Segment[]): string[] {
  const schema = schemaAt(manifestSchema, path)?.schema;
  const def = schema ? (defOf(schema) as { type: string; shape?: Record<string, unknown> }) : undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape).filter((k) => k !== '$schema') : [];
}

function describeAt(path: readonly Segment[]): string | undefined {
  return schemaAt(manifestSchema, path)?.description;
}

function dotted(path: readonly Segment[]): string {
  return path.reduce<string>((out, s) => (typeof s === 'number' ? `${out}[${s}]` : out ? `${out}.${s}` : s), '');
}

function kindOf(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return `${typeof value === 'number' ? 'the number' : typeof value === 'boolean' ? 'the boolean' : typeof value} ${String(value)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

function valueAt(data: unknown, path: readonly Segment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment as string];
  }
  return current;
}

function issueToDiagnostics(issue: z.core.$ZodIssue, data: unknown, doc: Document, file: string, lines: LineCounter): Diagnostic[] {
  const path = issue.path as Segment[];
  const where = dotted(path);
  const at = locate(doc, path);
  const exists = at.depth === path.length;
  // Point at the value when it is written; otherwise (missing, or an empty `key:`) at the key.
  const written = exists && !(isScalar(at.node) && at.node.value === null && at.node.range?.[0] === at.node.range?.[1]);
  const range = written ? (rangeOf(at.node) ?? rangeOf(at.pair?.key as Node)) : rangeOf(at.pair?.key as Node) ?? rangeOf(at.node);
  const describe = describeAt(path);

  // A key that is not there, whatever its rule (a literal's custom message would say "must be 1").
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && path.length > 0 && valueAt(data, path) === undefined) {
    const key = String(path[path.length - 1]);
    const parent = dotted(path.slice(0, -1));
    return [makeDiagnostic(file, lines, range, `missing required key "${key}"${parent ? ` in ${parent}` : ''}`, path, describe)];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = keysAt(path);
      return issue.keys.map((key) => {
        const keyNode = isMap(at.node) ? at.node.items.find((i) => isScalar(i.key) && String(i.key.value) === key)?.key : undefined;
        const guess = closest(key, known);
        const message = `unknown key "${key}"${where ? ` in ${where}` : ''}${guess ? `; did you mean "${guess}"?` : ''}`;
        return makeDiagnostic(file, lines, rangeOf(keyNode as Node) ?? range, message, [...path, key], known.length ? `the keys allowed here are: ${known.join(', ')}` : undefined);
      });
    }
    case 'invalid_type': {
      const value = valueAt(data, path);
      // Custom messages (e.g. python's) are more helpful than a generic one.
      const generic = issue.message.startsWith('Invalid input');
      const message = generic ? `${where} must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${kindOf(value)}` : `${where}: ${issue.message}`;
      return [makeDiagnostic(file, lines, range, message, path, describe)];
    }
    case 'invalid_union':
      return [makeDiagnostic(file, lines, range, `${where} has the wrong form: got ${kindOf(valueAt(data, path))}`, path, describe)];
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      const value = valueAt(data, path);
      const guess = typeof value === 'string' ? closest(value, issue.values.map(String)) : undefined;
      const custom = !issue.message.startsWith('Invalid');
      const message = custom ? `${where}: ${issue.message}` : `${where}: ${kindOf(value)} is not allowed; use one of ${allowed}${guess ? ` (did you mean "${guess}"?)` : ''}`;
      return [makeDiagnostic(file, lines, range, message, path, describe)];
    }
    case 'too_small':
    case 'too_big': {
      // zod's own wording ("Too small: expected array to have >=1 items") is replaced; custom messages stay.
      const generic = /^Too (small|big)/.test(issue.message);
      const message = generic ? `${where} ${sizeRule(issue)}` : `${where}: ${issue.message}`;
      return [makeDiagnostic(file, lines, range, message, path, describe)];
    }
    default:
      return [makeDiagnostic(file, lines, range, where ? `${where}: ${issue.message}` : issue.message, path, describe)];
  }
}

function sizeRule(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  switch (issue.origin) {
    case 'array':
      return small && limit === 1 ? 'cannot be an empty list: name at least one item, or leave the key out' : `takes at ${small ? 'least' : 'most'} ${limit} items`;
    case 'string':
      return small && limit === 1 ? 'cannot be empty' : `is at ${small ? 'least' : 'most'} ${limit} characters`;
    default:
      return `must be at ${small ? 'least' : 'most'} ${limit}`;
  }
}

function yamlErrorMessage(code: string, message: string): { message: string; hint?: string } {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  switch (code) {
    case 'DUPLICATE_KEY':
      return { message: 'this key appears twice in the same mapping', hint: 'keep one of them: YAML would silently use the last' };
    case 'TAB_AS_INDENT':
      return { message: first, hint: 'indent with spaces, not tabs' };
    default:
      return { message: `YAML syntax: ${first}` };
  }
}

/** Parses and validates manifest text. Never throws for a user's mistake. */
export function loadManifest(text: string, file = 'mlgen.yaml'): LoadResult {
  const lines = new LineCounter();
  const at = (message: string, hint?: string, range?: [number, number]) => makeDiagnostic(file, lines, range, message, [], hint);
  if (text.length > LIMITS.bytes) {
    return { ok: false, diagnostics: [at(`the manifest is ${text.length} bytes; mlgen reads at most ${LIMITS.bytes}`, 'a manifest describes a pipeline: keep data and scripts in their own files')] };
  }
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true, stringKeys: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      diagnostics: doc.errors.map((e) => {
        const { message, hint } = yamlErrorMessage(e.code, e.message);
        return makeDiagnostic(file, lines, e.pos, message, [], hint);
      }),
    };
  }
  const startHint = 'a minimal manifest is:\n    version: 1\n    name: my-model\n    train:\n      run: python train.py';
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return { ok: false, diagnostics: [at('the manifest is empty', startHint)] };
  }
  if (!isMap(doc.contents)) {
    return { ok: false, diagnostics: [at('the manifest must be a mapping of keys (version, name, ...)', startHint, rangeOf(doc.contents as Node))] };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: LIMITS.aliases });
  } catch (error) {
    return { ok: false, diagnostics: [at(`cannot expand YAML aliases: ${(error as Error).message}`, 'write the values out instead of using aliases')] };
  }
  if (nestingDepth(data) > LIMITS.depth) {
    return { ok: false, diagnostics: [at(`the manifest nests deeper than ${LIMITS.depth} levels`)] };
  }
  const parsed = manifestSchema.safeParse(data);
  const diagnostics = parsed.success ? [] : parsed.error.issues.flatMap((issue) => issueToDiagnostics(issue, data, doc, file, lines));
  for (const found of findSecretLikeValues(data)) {
    const located = locate(doc, found.path);
    diagnostics.push(
      makeDiagnostic(file, lines, rangeOf(located.node), `${dotted(found.path)} looks like a credential (${found.kind}); secret values never belong in the manifest`, found.path,
        'name the secret under `secrets:` (e.g. API_TOKEN), store its value in the CI system, and use "$API_TOKEN" in the command'),
    );
  }
  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  if (!parsed.success || diagnostics.length > 0) return { ok: false, diagnostics };
  return { ok: true, manifest: parsed.data, diagnostics: [] };
}

function nestingDepth(value: unknown, depth = 0): number {
  if (depth > LIMITS.depth || value === null || typeof value !== 'object') return depth;
  let deepest = depth;
  for (const child of Object.values(value as object)) deepest = Math.max(deepest, nestingDepth(child, depth + 1));
  return deepest;
}
