/**
 * A generated YAML file read as data, the way adopt compares it (issue 15): style carries no
 * meaning. Flow or block collections, quoting, indentation, the order of a mapping's keys,
 * comments, anchors and aliases (and `<<` merges) all read back as the same data; only what
 * the data says is compared. Lists keep their order (it is data).
 *
 * "The data" must be the same for every reader of the file: GitLab reads YAML 1.1 (Ruby's
 * Psych), GitHub and Azure read YAML 1.2. mlgen writes strings quoted by 1.1's rules so both
 * agree; a plain scalar an edit adds that the two read differently (`yes`, `on`, `010`, `1:30`,
 * a date) is refused at its line and column rather than guessed.
 *
 * Positions are the file's: the body starts below the two header lines.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Scalar } from 'yaml';
import { deepEqual, isMapping } from './delta.js';

const HEADER_LINES = 2;
const ALIAS_LIMIT = 100;

/** `line:col` in the file of an offset in the body. */
export function positionIn(body: string, offset: number): string {
  const before = body.slice(0, offset).split('\n');
  return `${before.length + HEADER_LINES}:${before[before.length - 1]!.length + 1}`;
}

export type ReadResult = { ok: true; doc: Document; data: Record<string, unknown> } | { ok: false; reason: string };

const parse = (body: string, version: '1.1' | '1.2') => parseDocument(body, { version, merge: true, keepSourceTokens: false });

/**
 * Reads an edited body as data, or says at `path:line:col` why it cannot be read: not YAML,
 * a tag adopt does not know, an alias bomb, a plain scalar YAML 1.1 and 1.2 read differently
 * (unless `fresh`, what mlgen wrote, has the same one at the same place: GitHub's bare `on:`).
 */
export function readEdited(path: string, body: string, freshBody?: string): ReadResult {
  const doc = parse(body, '1.2');
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const where = positionIn(body, problem.pos[0]);
    const what = doc.errors.length > 0 ? 'is not valid YAML after the edit' : 'cannot be read as plain data';
    return { ok: false, reason: `${path}:${where}: ${path} ${what}: ${problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: ALIAS_LIMIT }) as unknown;
  } catch (error) {
    // The yaml package throws a bare ReferenceError on an alias bomb (finding 26): say where.
    return {
      ok: false,
      reason: `${path}:${firstAliasAt(doc, body)}: the edit cannot be read: ${(error as Error).message.replace(/\s+/g, ' ').trim()} (more than ${ALIAS_LIMIT} alias expansions); write the values out instead of using aliases`,
    };
  }
  const known = new Set(freshBody === undefined ? [] : ambiguousScalars(parse(freshBody, '1.2'), parse(freshBody, '1.1')).map((a) => a.place));
  const ambiguous = ambiguousScalars(doc, parse(body, '1.1')).find((a) => !known.has(a.place));
  if (ambiguous) {
    const { node, v11 } = ambiguous;
    return {
      ok: false,
      reason: `${path}:${positionIn(body, node.range?.[0] ?? 0)}: ${String(node.source ?? node.value)} is ${describe(v11)} to YAML 1.1 readers (GitLab's) and ${describe(node.value)} to YAML 1.2 readers: quote it, or write the value so both read it alike`,
    };
  }
  if (!isMapping(data)) return { ok: false, reason: `${path} is not a YAML mapping` };
  return { ok: true, doc, data };
}

function describe(value: unknown): string {
  if (value instanceof Date) return `the date ${value.toISOString()}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return String(value);
}

interface Ambiguous {
  node: Scalar;
  v11: unknown;
  /** Where it is, as data: key or value, and the key path. */
  place: string;
}

/** Plain scalars the two YAML versions read as different values (both documents parse the same text). */
function ambiguousScalars(doc12: Document, doc11: Document): Ambiguous[] {
  const collect = (doc: Document) => {
    const found: { node: Scalar; role: unknown; ancestors: readonly unknown[] }[] = [];
    visit(doc, {
      Scalar(role, node, ancestors) {
        found.push({ node, role, ancestors });
      },
    });
    return found;
  };
  const a = collect(doc12);
  const b = collect(doc11);
  if (a.length !== b.length) return [];
  const out: Ambiguous[] = [];
  a.forEach(({ node, role, ancestors }, i) => {
    const v11 = b[i]!.node.value;
    if (node.type !== 'PLAIN' || node.tag !== undefined || deepEqual(node.value, v11)) return;
    out.push({ node, v11, place: `${role === 'key' ? 'key' : 'value'} ${JSON.stringify(dataPath(ancestors, node))}` });
  });
  return out;
}

/** The key path of a node from visit()'s ancestors (pairs give their key, sequences the index). */
function dataPath(ancestors: readonly unknown[], node: unknown): string[] {
  const path: string[] = [];
  ancestors.forEach((a, i) => {
    const child = ancestors[i + 1] ?? node;
    if (isPair(a)) path.push(String(isScalar(a.key) ? a.key.value : a.key));
    else if (isSeq(a)) path.push(String(a.items.indexOf(child as Node)));
  });
  return path;
}

/**
 * The offset of the node at a key path in a parsed document (following aliases and `<<`
 * merges), or of the deepest node on the way that exists.
 */
export function offsetOf(doc: Document, path: readonly string[]): number {
  let node: unknown = doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const key of path) {
    while (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    if (isMap(node)) next = findInMap(doc, node, key);
    else if (isSeq(node)) next = node.items[Number(key)];
    if (next === undefined || next === null) break;
    node = next;
    const range = (isPair(node) ? node.value ?? node.key : node) as Node | null;
    if (range?.range) offset = range.range[0];
    if (isPair(node)) node = node.value;
  }
  return offset;
}

function findInMap(doc: Document, map: { items: unknown[] }, key: string, depth = 0): unknown {
  if (depth > ALIAS_LIMIT) return undefined;
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key) return pair;
  }
  for (const pair of map.items) {
    // `<<: *base` or `<<: [*a, *b]`: the key may come from what is merged in.
    if (!isPair(pair) || !isScalar(pair.key) || typeof pair.key.value !== 'symbol') continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (let source of sources) {
      while (isAlias(source)) source = source.resolve(doc);
      if (!isMap(source)) continue;
      const found = findInMap(doc, source, key, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The first key path where two data values differ, or undefined when they are equal. */
export function firstDifference(a: unknown, b: unknown, path: string[] = []): string[] | undefined {
  if (deepEqual(a, b)) return undefined;
  if (isMapping(a) && isMapping(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(a[key], b[key], [...path, key]);
      if (found) return found;
    }
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const found = firstDifference(a[i], b[i], [...path, String(i)]);
      if (found) return found;
    }
  }
  return path;
}

/**
 * Whether two YAML texts hold the same data for YAML 1.1 and 1.2 readers alike (for files adopt
 * did not read in full: another file whose edit only re-styled it). Text that does not parse is
 * compared as text.
 */
export function sameData(a: string, b: string): boolean {
  if (a === b) return true;
  for (const version of ['1.2', '1.1'] as const) {
    const [x, y] = [parse(a, version), parse(b, version)];
    if (x.errors.length + y.errors.length + x.warnings.length + y.warnings.length > 0) return false;
    try {
      if (!deepEqual(x.toJS({ maxAliasCount: ALIAS_LIMIT }), y.toJS({ maxAliasCount: ALIAS_LIMIT }))) return false;
    } catch {
      return false;
    }
  }
  return true;
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
  return offset === undefined ? `${HEADER_LINES + 1}:1` : positionIn(body, offset);
}
