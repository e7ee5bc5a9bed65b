/** Line numbers for values of a parsed YAML file, and the shell lines of a `script`/`run` value. */
import { isAlias, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Located } from './types.js';

export interface YamlSource {
  file: string;
  doc: Document;
  lineOf(node: unknown): number;
}

export function parseYamlSource(file: string, text: string): YamlSource | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  return {
    file,
    doc,
    lineOf: (node) => {
      const range = (node as Node | undefined)?.range;
      return range ? lineCounter.linePos(range[0]).line : 1;
    },
  };
}

/** The value node under `key` of a mapping (or index of a list), aliases resolved. */
export function nodeAt(source: YamlSource, parent: unknown, key: string | number): Node | undefined {
  const collection = parent as { get?: (k: unknown, keepScalar: boolean) => unknown } | undefined;
  return resolveAlias(source, collection?.get?.(key, true)) as Node | undefined;
}

/**
 * The shell lines of a script value: one string (a block scalar's lines each count) or a list
 * of them (nested lists, as YAML anchors of command lists produce, are flattened).
 */
export function shellLines(source: YamlSource, node: unknown): Located<string>[] {
  if (!node) return [];
  if (isSeq(node)) return node.items.flatMap((item) => shellLines(source, resolveAlias(source, item)));
  if (!isScalar(node) || typeof node.value !== 'string') return [];
  const start = source.lineOf(node);
  const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
  return node.value.split('\n').flatMap((text, index) => {
    const command = text.trim();
    if (command === '' || command.startsWith('#')) return [];
    return [{ file: source.file, line: start + (block ? index + 1 : 0), value: command }];
  });
}

export function resolveAlias(source: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(source.doc) : node;
}

export function scalarText(node: unknown): string | undefined {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) return String(node.value);
  return undefined;
}
