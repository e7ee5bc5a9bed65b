/**
 * The end of every YAML target's render: the manifest's overrides merged into the document,
 * the document serialized, the target's comment block put first. The engine adds the
 * generated-file header after this (header.ts). A target passes hooks only where its
 * platform needs its own rule: a merge that keeps what its conditions read, a serializer
 * that spells a key its way.
 */
import { deepMerge } from './merge.js';
import type { RenderedFile } from './types.js';
import { toYaml } from './yaml.js';

type Mapping = Record<string, unknown>;

export interface YamlFileParts<D extends Mapping> {
  path: string;
  document: D;
  /** The manifest's `overrides.<target>`, if any. */
  overrides?: Mapping | undefined;
  /** How overrides merge; deepMerge by default (mappings key by key, lists replaced, null deletes). */
  merge?: (document: D, overrides: Mapping) => Mapping;
  serialize?: (document: Mapping) => string;
  /** The comment block above the document: whole lines, each already starting with `#`. */
  comment?: string;
}

export function renderYamlFile<D extends Mapping>(parts: YamlFileParts<D>): RenderedFile {
  const { path, document, overrides, merge = deepMerge, serialize = (d) => toYaml(d), comment = '' } = parts;
  const merged = overrides ? merge(document, overrides) : document;
  return { path, body: `${comment}${serialize(merged)}`, comment: '#' };
}
