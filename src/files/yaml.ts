/**
 * The one YAML serializer for every YAML target: block style, no line folding (a folded
 * command would be a different command), stable output.
 *
 * Strings are quoted by YAML 1.1's rules, so `yes`, `on`, `1:30` or `010` stay strings for
 * every reader, including GitLab's Ruby parser (YAML 1.1). The one exception is GitHub's
 * top-level `on:` key, which GitHub reads as a string and every hand-written workflow
 * leaves bare.
 */
import { Document } from 'yaml';

const STRINGIFY_OPTIONS = {
  version: '1.1',
  lineWidth: 0,
  minContentWidth: 0,
  indent: 2,
  indentSeq: true,
  aliasDuplicateObjects: false,
} as const;

export interface YamlOptions {
  /** Top-level keys to leave unquoted even though YAML 1.1 would read them as booleans. */
  bareTopLevelKeys?: readonly string[];
  /** Adds comments or styles to the document's nodes before it is printed. */
  annotate?: (document: Document) => void;
}

export function toYaml(value: unknown, options: YamlOptions = {}): string {
  const document = new Document(value, null, STRINGIFY_OPTIONS);
  options.annotate?.(document);
  let text = document.toString(STRINGIFY_OPTIONS);
  for (const key of options.bareTopLevelKeys ?? []) {
    text = text.replace(new RegExp(`^"${key}":`, 'm'), `${key}:`);
  }
  return text;
}
