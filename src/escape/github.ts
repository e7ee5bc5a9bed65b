/**
 * GitHub Actions expressions: the one place mlgen escapes text for GitHub's `${{ }}`
 * templates and for string literals inside expressions. YAML quoting is the serializer's
 * (src/files/yaml.ts); shell quoting is src/escape/shell.ts.
 */

/**
 * A manifest string placed where GitHub expands `${{ … }}` (almost every value in a workflow).
 * A literal `${{` is written as an expression that yields it, so GitHub never evaluates user text.
 * Commands need no escaping: the manifest forbids `${{` in them.
 */
export function literal(text: string): string {
  return text.replaceAll('${{', "${{ '${{' }}");
}

/** A string literal inside an expression: single quotes, a quote doubled. */
export function exprString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A value GitHub expands: `${{ expression }}`. */
export function template(expression: string): string {
  return `\${{ ${expression} }}`;
}

/** The expression for a secret of that name (names are `[A-Z_][A-Z0-9_]*`, checked by the manifest). */
export function secretRef(name: string): string {
  return template(`secrets.${name}`);
}
