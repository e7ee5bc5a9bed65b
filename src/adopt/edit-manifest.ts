/**
 * Adds an override delta to the manifest's `overrides:` section, keeping the person's file:
 * only the text of the `overrides` value is re-rendered (comments inside it survive through the
 * yaml Document API); every byte outside it stays as it was. A manifest without the section
 * gets one appended at the end.
 */
import { Document, isMap, isScalar, parseDocument, type Node, type Pair } from 'yaml';
import { isMapping, type Delta } from './delta.js';

const RENDER = { lineWidth: 0, minContentWidth: 0 } as const;

/** Renders a node on its own, quoting by YAML 1.1 rules so every YAML reader agrees. */
function renderNode(node: unknown): string {
  const doc = new Document(null, { version: '1.1' });
  doc.contents = node as Node;
  return doc.toString(RENDER);
}

/** A pair's key as plain data: parsed pairs hold Scalar keys, pairs added by setIn plain strings. */
const keyOf = (pair: Pair) => (isScalar(pair.key) ? pair.key.value : pair.key);

function applyDelta(doc: Document, path: string[], delta: Delta): void {
  for (const [key, value] of Object.entries(delta)) {
    const here = [...path, key];
    if (isMapping(value) && isMap(doc.getIn(here, true))) applyDelta(doc, here, value);
    else doc.setIn(here, doc.createNode(value));
  }
}

export function addOverride(manifestText: string, target: string, delta: Delta): string {
  const doc = parseDocument(manifestText);
  if (doc.errors.length > 0) throw new Error(`the manifest does not parse: ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents)) throw new Error('the manifest is not a mapping');
  const before = doc.contents.items.find((p) => keyOf(p) === 'overrides') as Pair<Node, Node | null> | undefined;
  const value = before?.value;
  const keyRange = isScalar(before?.key) ? before.key.range : undefined;
  if (value && !isMap(value) && !(isScalar(value) && value.value === null)) throw new Error('overrides: is not a mapping');

  if (before && !isMap(value)) before.value = doc.createNode({}) as Node;
  applyDelta(doc, ['overrides', target], delta);
  const after = doc.contents.items.find((p) => keyOf(p) === 'overrides')!;
  const newValue = after.value as Node;

  if (value && isMap(value) && value.range) {
    // Replace just the mapping's text; comments before and after it stay where they are.
    const [start, end] = value.range;
    const original = manifestText.slice(start, end);
    const column = start - (manifestText.lastIndexOf('\n', start - 1) + 1);
    const saved = { commentBefore: newValue.commentBefore, comment: newValue.comment };
    newValue.commentBefore = undefined;
    newValue.comment = undefined;
    let text = renderNode(newValue);
    Object.assign(newValue, saved);
    if (value.flow) text = text.trimEnd();
    else {
      const lines = text.replace(/\n$/, '').split('\n');
      text = lines.map((line, i) => (i === 0 || line === '' ? line : `${' '.repeat(column)}${line}`)).join('\n');
      if (original.endsWith('\n')) text += '\n';
    }
    return manifestText.slice(0, start) + text + manifestText.slice(end);
  }
  const body = renderNode(newValue).replace(/\n$/, '').split('\n').map((line) => `  ${line}`).join('\n');
  if (before && keyRange) {
    // `overrides:` with no value: put the mapping under it.
    const end = before.value?.range?.[1] ?? keyRange[1];
    const lineEnd = manifestText.indexOf('\n', end);
    const stop = lineEnd === -1 ? manifestText.length : lineEnd;
    return `${manifestText.slice(0, stop)}\n${body}${manifestText.slice(stop)}`;
  }
  const base = manifestText.endsWith('\n') || manifestText === '' ? manifestText : `${manifestText}\n`;
  return `${base}\noverrides:\n${body}\n`;
}
