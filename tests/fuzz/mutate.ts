/**
 * Mutations of manifests written by someone else (examples/*, tests/fixtures/manifests/*):
 * the kinds of damage files really suffer (a key deleted, a value of the wrong type, an
 * editor's BOM or CR, a paste of odd unicode, a truncated save, a flipped byte) plus the
 * hostile kinds (huge strings, control characters, expression syntax, credential shapes).
 * Each mutation is a fast-check value, so a failure shrinks to a short list of them.
 */
import fc from 'fast-check';
import { isMap, isSeq, parseDocument, type Node } from 'yaml';
import { exampleManifests, fixtureNames, fixtureText } from '../support/harness.js';

export interface Seed {
  name: string;
  text: string;
}

/** Every manifest written by hand in the repository: the examples and the shared fixtures. */
export function seeds(): Seed[] {
  return [...exampleManifests().map((e) => ({ name: `examples/${e.name}`, text: e.text })), ...fixtureNames().map((n) => ({ name: `fixtures/${n}`, text: fixtureText(n) }))];
}

/** Characters editors, terminals and pastes put into files. */
export const ODD_CHARACTERS = ['\0', '\uFEFF', '\r', '\r\n', '\u2028', '\u2029', '\t', '\x1b[31m', '\x7f', '\uFFFF', '\uD800', '\u202E', '\u0085', '\u00A0', '\v', '\f'];

/** Values that are wrong, odd or hostile wherever they land. */
const ODD_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  3.1,
  '',
  ' ',
  [],
  {},
  [[]],
  { a: { b: { c: 1 } } },
  'x'.repeat(2_000),
  'é日本🚀'.repeat(100),
  'a\0b',
  'line\r\nbreak',
  'para\u2028graph',
  '${{ secrets.GITHUB_TOKEN }}',
  '$(System.AccessToken)',
  '$[ variables.x ]',
  '/etc/passwd',
  '../../outside',
  'C:\\Windows\\x',
  '..\\up',
  '~',
  'null',
  'ghp_' + 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5',
  "'; rm -rf / #",
  '"""\'\'\'${x}$/',
];

export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip-byte'; at: number; bit: number }
  | { kind: 'insert-text'; at: number; text: string | { repeat: string; times: number } }
  | { kind: 'delete-line'; at: number }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'delete-key'; at: number }
  | { kind: 'replace-value'; at: number; value: unknown }
  | { kind: 'add-key'; at: number; key: string; value: unknown };

/** Positions are fractions of the text (or of the node list), so one mutation fits any seed. */
const where = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

const insertion = fc.oneof(
  fc.constantFrom(...ODD_CHARACTERS),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('{', '[', ']', '}', ': ', '- ', '&a ', '*a', '!!binary ', '%YAML 1.1\n', '---\n', '...\n', '? ', '|', '>', '#', '"', "'", '@', '`', '<<: *a\n'),
  // Described, not spelled out, so a failure report stays readable.
  fc.constantFrom({ repeat: 'x', times: 100_000 }, { repeat: '🚀', times: 10_000 }, { repeat: 'a: ', times: 1000 }),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: where }),
  fc.record({ kind: fc.constant('flip-byte' as const), at: where, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert-text' as const), at: where, text: insertion }),
  fc.record({ kind: fc.constant('delete-line' as const), at: where }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: where }),
  fc.record({ kind: fc.constant('delete-key' as const), at: where }),
  fc.record({ kind: fc.constant('replace-value' as const), at: where, value: fc.oneof(fc.constantFrom(...ODD_VALUES), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.integer()) }),
  fc.record({ kind: fc.constant('add-key' as const), at: where, key: fc.constantFrom('run', 'extra', 'timout', 'on', 'y', '<<', '', '$schema', 'train'), value: fc.constantFrom(...ODD_VALUES) }),
);

const index = (fraction: number, length: number) => Math.min(length - 1, Math.floor(fraction * length));

/** Pairs of every mapping in document order (keys and values both count as places to change). */
function pairsOf(text: string) {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  const pairs: { map: { items: unknown[] }; index: number; value: Node | null }[] = [];
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      node.items.forEach((item, i) => {
        pairs.push({ map: node, index: i, value: item.value as Node | null });
        walk(item.value);
      });
    } else if (isSeq(node)) node.items.forEach(walk);
  };
  walk(doc.contents);
  return { doc, pairs };
}

/** Applies one mutation; structural ones fall back to a text edit when the text no longer parses. */
export function applyMutation(text: string, m: Mutation): string {
  const lines = text.split('\n');
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, Math.floor(m.at * text.length));
    case 'flip-byte': {
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length === 0) return text;
      const i = index(m.at, bytes.length);
      bytes[i] = bytes[i]! ^ (1 << m.bit);
      return bytes.toString('utf8'); // invalid UTF-8 becomes U+FFFD, as a file read would
    }
    case 'insert-text': {
      const i = Math.floor(m.at * (text.length + 1));
      const inserted = typeof m.text === 'string' ? m.text : m.text.repeat.repeat(m.text.times);
      return text.slice(0, i) + inserted + text.slice(i);
    }
    case 'delete-line':
      lines.splice(index(m.at, lines.length), 1);
      return lines.join('\n');
    case 'duplicate-line': {
      const i = index(m.at, lines.length);
      lines.splice(i, 0, lines[i]!);
      return lines.join('\n');
    }
    case 'delete-key':
    case 'replace-value':
    case 'add-key': {
      const parsed = pairsOf(text);
      if (!parsed || parsed.pairs.length === 0) return applyMutation(text, { kind: 'delete-line', at: m.at });
      const { doc, pairs } = parsed;
      const target = pairs[index(m.at, pairs.length)]!;
      if (m.kind === 'delete-key') target.map.items.splice(target.index, 1);
      else if (m.kind === 'replace-value') (target.map.items[target.index] as { value: unknown }).value = doc.createNode(m.value);
      else {
        const host = isMap(target.value) ? target.value : (target.map as typeof target.map & { items: unknown[] });
        (host.items as unknown[]).push(doc.createPair(m.key, m.value));
      }
      // Scalars keep their quoting; a node built from a value gets the serializer's.
      try {
        return doc.toString({ lineWidth: 0 });
      } catch {
        return applyMutation(text, { kind: 'delete-line', at: m.at }); // e.g. an alias left without its anchor
      }
    }
    default: {
      const unknown: never = m;
      throw new Error(`unknown mutation ${JSON.stringify(unknown)}`);
    }
  }
}

export function applyMutations(text: string, mutations: readonly Mutation[]): string {
  return mutations.reduce(applyMutation, text);
}
