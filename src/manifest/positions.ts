/**
 * Where a manifest's values are in its text: a path to its node, a node to its range, a range
 * to file:line:col in a diagnostic.
 */
import { isMap, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from 'yaml';
import type { Diagnostic } from './diagnostics.js';

export type Segment = string | number;

export interface Located {
  node: Node | null | undefined;
  pair: Pair | undefined;
  /** How many path segments exist in the document. */
  depth: number;
}

export function locate(doc: Document, path: readonly Segment[]): Located {
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

export function rangeOf(node: { range?: [number, number, number] | null } | null | undefined): [number, number] | undefined {
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

/**
 * Where each line starts, counted from the text itself (every "\n"). The parser's own line
 * counter misses line breaks it skips while recovering from a syntax error, and then places
 * later errors beyond the end of their line.
 */
export function lineStarts(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}
