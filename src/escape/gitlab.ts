/**
 * GitLab's own languages inside .gitlab-ci.yml: the string literals of `rules:if` expressions
 * and the values of `variables`, which GitLab expands (`$NAME`) before any shell sees them.
 * YAML itself is the shared serializer's business (files/yaml.ts); shell words are escape/shell.ts.
 */

/**
 * A double-quoted string literal of a `rules:if` expression. GitLab's expression lexer reads
 * `"..."` up to the next `"` with no escapes at all, so a value holding `"` cannot be written:
 * refuse it rather than write an expression that means something else.
 */
export function gitlabStringLiteral(value: string): string {
  if (value.includes('"')) throw new Error(`a GitLab rules expression cannot hold ${JSON.stringify(value)}: it contains a double quote`);
  return `"${value}"`;
}

/** A variable value GitLab must pass through as written: `expand: false` when it holds a `$`. */
export type GitLabVariable = string | { value: string; expand: false };

export function literalVariable(value: string): GitLabVariable {
  return value.includes('$') ? { value, expand: false } : value;
}
