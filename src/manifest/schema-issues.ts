/**
 * The schema's issues as diagnostics a person can act on: what is wrong at the key, what was
 * expected, the keys allowed there and the closest one to a typo.
 */
import { isMap, isScalar, LineCounter, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { Diagnostic } from './diagnostics.js';
import { locate, makeDiagnostic, rangeOf, type Segment } from './positions.js';
import { manifestSchema } from './schema.js';
import { closest } from './suggest.js';
import { secretKind } from './secrets.js';

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

export function dotted(path: readonly Segment[]): string {
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

export function issueToDiagnostics(issue: z.core.$ZodIssue, data: unknown, doc: Document, file: string, lines: LineCounter): Diagnostic[] {
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
