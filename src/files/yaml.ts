/**
 * The one YAML serializer for every YAML target: block style, no line folding (a folded
 * command would be a different command), stable output.
 *
 * Strings are quoted by YAML 1.1's rules, so `yes`, `on`, `1:30` or `010` stay strings for
 * every reader, including GitLab's Ruby parser (YAML 1.1). The one exception is GitHub's
 * top-level `on:` key, which GitHub reads as a string and every hand-written workflow
 * leaves bare.
 */
import { Document, Scalar, visit } from 'yaml';

/** yaml's options for every YAML file mlgen writes (the benchmark's floor uses them too). */
export const STRINGIFY_OPTIONS = {
  version: '1.1',
  lineWidth: 0,
  minContentWidth: 0,
  // yaml 2.9 folds long double-quoted strings at their line breaks even with lineWidth 0, and
  // its folding turns a line holding one space into an escaped backslash ("a ' \n \n" read
  // back differently): one line per double-quoted string keeps every command as written.
  doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER,
  indent: 2,
  indentSeq: true,
  aliasDuplicateObjects: false,
} as const;

/**
 * Plain scalars YAML 1.2's core schema reads as something other than a string (GitHub and
 * Azure read YAML 1.2). Serializing as YAML 1.1 already quotes 1.1's specials; these differ.
 */
const YAML12_NOT_A_STRING =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|~|null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;

/**
 * A replacer for `new Document`: styles and comments go onto scalars as the document is built,
 * which is cheaper than a second pass over the finished document.
 */
function scalarReplacer(commentFor: YamlOptions['commentFor']) {
  return (key: unknown, value: unknown): unknown => {
    if (typeof value !== 'string') return value;
    const quote = YAML12_NOT_A_STRING.test(value);
    const comment = commentFor && typeof key === 'string' ? commentFor(key, value) : undefined;
    if (!quote && comment === undefined) return value;
    const scalar = new Scalar(value);
    if (quote) scalar.type = 'QUOTE_DOUBLE';
    if (comment !== undefined) scalar.comment = ` ${comment}`;
    return scalar;
  };
}

export interface YamlOptions {
  /** Top-level keys to leave unquoted even though YAML 1.1 would read them as booleans. */
  bareTopLevelKeys?: readonly string[];
  /** A comment for the end of the line of a mapping's string value, e.g. an action's version after its pinned SHA. */
  commentFor?: (key: string, value: string) => string | undefined;
}

/**
 * NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR are line breaks to YAML 1.1 readers (PyYAML,
 * GitLab's Ruby): raw in a plain scalar they break it, raw inside double quotes they fold to a
 * space. The yaml package writes them raw (its `\N`, `\L`, `\P` escapes only fire for
 * characters JSON.stringify escapes, which these are not), so every scalar holding one is
 * double-quoted and the characters, which then occur only inside double quotes, are escaped.
 */
const YAML11_BREAKS = /[\u0085\u2028\u2029]/;
const BREAK_ESCAPES: Record<string, string> = { '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };

function escapeYaml11Breaks(document: Document): string {
  visit(document, {
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && YAML11_BREAKS.test(scalar.value)) scalar.type = 'QUOTE_DOUBLE';
    },
  });
  return document.toString(STRINGIFY_OPTIONS).replace(/[\u0085\u2028\u2029]/g, (ch) => BREAK_ESCAPES[ch]!);
}

export function toYaml(value: unknown, options: YamlOptions = {}): string {
  const document = new Document(value, scalarReplacer(options.commentFor), STRINGIFY_OPTIONS);
  let text = document.toString(STRINGIFY_OPTIONS);
  if (YAML11_BREAKS.test(text)) text = escapeYaml11Breaks(document);
  for (const key of options.bareTopLevelKeys ?? []) {
    text = text.replace(new RegExp(`^"${key}":`, 'm'), `${key}:`);
  }
  return text;
}
