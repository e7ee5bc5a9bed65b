/**
 * Escaping for the three languages a manifest string can land in inside a workflow: GitHub's
 * `${{ }}` templates, expression string literals, and the shell.
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

/** One word for a POSIX shell: bare when it holds only harmless characters, else single-quoted. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
