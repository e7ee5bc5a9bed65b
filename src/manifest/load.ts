/**
 * Reads a manifest's text into a validated `Manifest`, or into diagnostics that each name
 * file:line:col. Pure: the caller reads the file.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, YAMLParseError, type Document, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import type { Diagnostic } from './diagnostics.js';

import { manifestSchema, type Manifest } from './schema.js';
import { catalog } from '../targets/catalog.js';
import { findReservedKeys } from './reserved-keys.js';
import { closest } from './suggest.js';
import { findSecretLikeValues, NOT_A_SECRET, redactCredentials, secretKind } from './secrets.js';

export type LoadResult = { ok: true; manifest: Manifest; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Bounds that keep a hostile file from costing unbounded time or memory. */
export const LIMITS = { bytes: 1_000_000, aliases: 100, depth: 64 } as const;

/** At most this many problems are reported; a file with more gets a summary after them. */
const MAX_DIAGNOSTICS = 100;

/**
 * Flow collections (`[` and `{`) nested beyond this stop the file before the YAML parser
 * sees it: the parser recurses per level and runs out of stack near 800. The scan below
 * may count a bracket inside a plain scalar, so it allows far more than LIMITS.depth, which
 * is checked exactly once the file is parsed.
 */
const FLOW_DEPTH_SCAN = 256;

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
  const { line, col } = lines.linePos(Math.max(0, start));
  // Before (or without) parsing, the line counter knows no lines: position 0 is 1:1.
  const diagnostic: Diagnostic = { file, line: Math.max(1, line), column: Math.max(1, col), length: Math.max(1, end - start), severity: 'error', message, path };
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
  const schema = schemaAt(manifestSchema(), path)?.schema;
  const def = schema ? (defOf(schema) as { type: string; shape?: Record<string, unknown> }) : undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape).filter((k) => k !== '$schema') : [];
}

function describeAt(path: readonly Segment[]): string | undefined {
  return schemaAt(manifestSchema(), path)?.description;
}

function dotted(path: readonly Segment[]): string {
  return path.reduce<string>((out, s) => (typeof s === 'number' ? `${out}[${s}]` : out ? `${out}.${s}` : s), '');
}

function kindOf(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    if (secretKind(value) !== undefined) return 'a credential-looking text (not shown)';
    return `the text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  }
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
      // One lookup table, not a search per key: a file may hold 100 000 unknown keys.
      const keyNodes = new Map<string, Node>();
      if (isMap(at.node)) for (const item of at.node.items) if (isScalar(item.key)) keyNodes.set(String(item.key.value), item.key);
      return issue.keys.map((key) => {
        const keyNode = keyNodes.get(key);
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
/** `# mlgen: not-a-secret` after the value, on the line where the value ends (secrets.ts). */
function markedNotASecret(text: string, range: [number, number] | undefined): boolean {
  if (!range) return false;
  const end = text.indexOf('\n', range[1]);
  return NOT_A_SECRET.test(text.slice(range[1], end === -1 ? undefined : end));
}

export function loadManifest(text: string, file = 'mlgen.yaml'): LoadResult {
  const lines = lineStarts(text);
  try {
    return finish(load(text, file, lines));
  } catch (error) {
    // The last guard against a file built to exhaust the stack somewhere not foreseen.
    if (!(error instanceof RangeError)) throw error;
    return { ok: false, diagnostics: [makeDiagnostic(file, lines, undefined, `the manifest is too deeply nested or too large to read (${error.message})`, [], NESTING_HINT)] };
  }
}

const NESTING_HINT = 'a manifest describes a pipeline: write it as plain keys and lists, a few levels deep';

/** Caps the number of problems and removes credential-looking text from everything shown. */
function finish(result: LoadResult): LoadResult {
  if (result.ok) return result;
  let diagnostics = result.diagnostics;
  if (diagnostics.length > MAX_DIAGNOSTICS) {
    const next = diagnostics[MAX_DIAGNOSTICS]!;
    const more = diagnostics.length - MAX_DIAGNOSTICS;
    const summary: Diagnostic = { file: next.file, line: next.line, column: next.column, length: next.length, severity: 'error', path: [],
      message: `${more} further problem${more === 1 ? ' is' : 's are'} not shown; fix the ones above first` };
    diagnostics = [...diagnostics.slice(0, MAX_DIAGNOSTICS), summary];
  }
  return {
    ok: false,
    diagnostics: diagnostics.map((d) => {
      const clean: Diagnostic = { ...d, message: redactCredentials(d.message), path: d.path.map((p) => (typeof p === 'string' ? redactCredentials(p) : p)) };
      if (d.hint !== undefined) clean.hint = redactCredentials(d.hint);
      return clean;
    }),
  };
}

function load(text: string, file: string, lines: LineCounter): LoadResult {
  const at = (message: string, hint?: string, range?: [number, number]) => makeDiagnostic(file, lines, range, message, [], hint);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > LIMITS.bytes) {
    return { ok: false, diagnostics: [at(`the manifest is ${bytes} bytes; mlgen reads at most ${LIMITS.bytes}`, 'a manifest describes a pipeline: keep data and scripts in their own files')] };
  }
  const deep = deepFlowAt(text);
  if (deep !== undefined) {
    return { ok: false, diagnostics: [at(`the manifest nests deeper than ${LIMITS.depth} levels`, NESTING_HINT, [deep, deep + 1])] };
  }
  // uniqueKeys is checked below: the parser's own check compares every pair of keys.
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, strict: true, stringKeys: false });
  if (doc.errors.length === 0) doc.errors.push(...duplicateKeyErrors(doc));
  if (doc.errors.length > 0) {
    const syntax = doc.errors.map((e) => {
      // The parser catches its own stack overflow and reports it as a syntax error.
      if (/call stack/i.test(e.message)) return makeDiagnostic(file, lines, e.pos, `the manifest nests deeper than ${LIMITS.depth} levels`, [], NESTING_HINT);
      const { message, hint } = yamlErrorMessage(e.code, e.message);
      return makeDiagnostic(file, lines, e.pos, message, [], hint);
    });
    const diagnostics = [...syntax, ...problemsBefore(doc, file, lines, Math.min(...doc.errors.map((e) => e.pos[0])))];
    return { ok: false, diagnostics: diagnostics.sort((a, b) => a.line - b.line || a.column - b.column) };
  }
  const startHint = 'a minimal manifest is:\n    version: 1\n    name: my-model\n    train:\n      run: python train.py';
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return { ok: false, diagnostics: [at('the manifest is empty', startHint)] };
  }
  if (!isMap(doc.contents)) {
    return { ok: false, diagnostics: [at('the manifest must be a mapping of keys (version, name, ...)', startHint, rangeOf(doc.contents as Node))] };
  }
  const reserved = findReservedKeys(doc);
  if (reserved.length > 0) {
    return {
      ok: false,
      diagnostics: reserved.map((r) =>
        makeDiagnostic(file, lines, r.range, `${r.path.join('.')}: the key ${JSON.stringify(r.key)} is reserved (JavaScript objects treat it specially), so mlgen refuses it`, r.path, 'rename or remove the key'),
      ),
    };
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
  const parsed = manifestSchema().safeParse(data);
  const diagnostics = parsed.success ? [] : parsed.error.issues.flatMap((issue) => issueToDiagnostics(issue, data, doc, file, lines));
  for (const found of findSecretLikeValues(data)) {
    const located = locate(doc, found.path);
    const range = found.inKey ? rangeOf(located.pair?.key as Node) : rangeOf(located.node);
    if (markedNotASecret(text, range)) continue;
    const what = found.inKey ? `a key in ${dotted(found.path.slice(0, -1))}` : dotted(found.path);
    diagnostics.push(
      makeDiagnostic(file, lines, range, `${what} looks like a credential (${found.kind}); secret values never belong in the manifest`, found.path,
        'name the secret under `secrets:` (e.g. API_TOKEN), store its value in the CI system, and use "$API_TOKEN" in the command'),
    );
  }
  diagnostics.push(...expressionDiagnostics(data, doc, file, lines, diagnostics));
  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  if (!parsed.success || diagnostics.length > 0) return { ok: false, diagnostics };
  return { ok: true, manifest: parsed.data, diagnostics: [] };
}

/**
 * The manifest's other problems when it also has a syntax error (newcomer review: "1 problem",
 * then 6 once it is fixed): what the parser read before the first syntax error is checked as
 * usual, and a problem is kept when the value it names is there and ends before the error. Missing keys
 * are not reported: they may well be below the error.
 */
function problemsBefore(doc: ReturnType<typeof parseDocument>, file: string, lines: LineCounter, firstError: number): Diagnostic[] {
  if (!isMap(doc.contents) || findReservedKeys(doc).length > 0) return [];
  try {
    const data = doc.toJS({ maxAliasCount: LIMITS.aliases });
    if (nestingDepth(data) > LIMITS.depth) return [];
    const parsed = manifestSchema().safeParse(data);
    if (parsed.success) return [];
    return parsed.error.issues
      .flatMap((issue) => issueToDiagnostics(issue, data, doc, file, lines))
      .filter((d) => {
        // A value that reaches the error (an unclosed list, say) is the error's own doing.
        const node = locate(doc, d.path).node as Node | undefined;
        const end = node?.range?.[2];
        // An empty value just above the error is most likely what the error swallowed (a tab, a bad indent).
        if (node === undefined || (isScalar(node) && node.value === null)) return false;
        return d.path.length > 0 && end !== undefined && end < firstError && d.line < lines.linePos(firstError).line;
      });
  } catch {
    return [];
  }
}

function nestingDepth(value: unknown, depth = 0): number {
  if (depth > LIMITS.depth || value === null || typeof value !== 'object') return depth;
  let deepest = depth;
  for (const child of Object.values(value as object)) deepest = Math.max(deepest, nestingDepth(child, depth + 1));
  return deepest;
}

/**
 * Where flow collections first nest deeper than FLOW_DEPTH_SCAN, skipping quoted scalars and
 * comments; undefined when they never do. Linear, and cheap next to parsing.
 */
function deepFlowAt(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const tokenStart = i === 0 || /[\s[{,:]/.test(text[i - 1]!);
    if (ch === '[' || ch === '{') {
      if (++depth > FLOW_DEPTH_SCAN) return i;
    } else if (ch === ']' || ch === '}') {
      depth = Math.max(0, depth - 1);
    } else if (tokenStart && ch === '#') {
      const end = text.indexOf('\n', i);
      if (end < 0) return undefined;
      i = end;
    } else if (tokenStart && (ch === '"' || ch === "'")) {
      for (i++; i < text.length; i++) {
        if (ch === '"' && text[i] === '\\') i++;
        else if (text[i] === ch) {
          if (ch === "'" && text[i + 1] === "'") i++;
          else break;
        }
      }
    }
  }
  return undefined;
}

/** Keys whose values are passed through as written: an override is the user's own platform syntax. */
const VERBATIM = new Set(['overrides', '$schema']);
/** Keys whose values become parts of a runtime's configuration, not shell text. */
const CONFIGURATION_KEYS = new Set(['image', 'runner']);

/**
 * A platform expression written into a value where no target can escape it. `${{` is refused
 * everywhere (GitHub and Azure evaluate it in any field before anything runs); `$(` and `$[`
 * (Azure macros and runtime expressions) in images and runner labels, which Azure reads as
 * configuration rather than as a script mlgen can protect. Commands are the schema's business.
 */
function expressionDiagnostics(data: unknown, doc: Document, file: string, lines: LineCounter, known: readonly Diagnostic[]): Diagnostic[] {
  const reported = new Set(known.map((d) => JSON.stringify(d.path)));
  const out: Diagnostic[] = [];
  // The catalog says which platform evaluates what, and where.
  const everywhere = [...new Set(catalog().flatMap((e) => e.expressionOpeners))];
  const inConfiguration = [...new Set(catalog().flatMap((e) => e.configurationOpeners))];
  const platformsFor = (opener: string) =>
    catalog()
      .filter((e) => e.expressionOpeners.includes(opener) || e.configurationOpeners.includes(opener))
      .map((e) => e.displayName.split(' ')[0])
      .join(' and ');
  const visit = (value: unknown, path: Segment[], configuration: boolean): void => {
    if (typeof value === 'string') {
      const found = everywhere.find((opener) => value.includes(opener)) ?? (configuration ? inConfiguration.find((opener) => value.includes(opener)) : undefined);
      if (found === undefined || reported.has(JSON.stringify(path))) return;
      const platforms = platformsFor(found);
      const located = locate(doc, path);
      out.push(
        makeDiagnostic(file, lines, rangeOf(located.node), `${dotted(path)} may not contain "${found}": ${platforms} would evaluate it as an expression instead of using the text`, path,
          everywhere.includes(found) ? 'mlgen writes platform expressions itself; read values from environment variables in commands, e.g. "$MLGEN_VERSION"' : 'name the image or runner label literally'),
      );
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, [...path, i], configuration));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (path.length === 0 && VERBATIM.has(key)) continue;
        visit(child, [...path, key], configuration || CONFIGURATION_KEYS.has(key));
      }
    }
  };
  visit(data, [], false);
  return out;
}

/** Keys written twice in one mapping, as the parser's uniqueKeys option reports them, in linear time. */
function duplicateKeyErrors(doc: Document): YAMLParseError[] {
  const errors: YAMLParseError[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const item of map.items) {
        // Scalars compare by value and type (1 and "1" differ, as in the parser); other keys are refused by the schema anyway.
        if (!isScalar(item.key)) continue;
        const identity = `${typeof item.key.value}:${String(item.key.value)}`;
        if (seen.has(identity)) {
          const start = item.key.range?.[0] ?? 0;
          errors.push(new YAMLParseError([start, start + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
        }
        seen.add(identity);
      }
    },
  });
  return errors;
}

/**
 * Where each line starts, counted from the text itself (every "\n"). The parser's own line
 * counter misses line breaks it skips while recovering from a syntax error, and then places
 * later errors beyond the end of their line.
 */
function lineStarts(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}
