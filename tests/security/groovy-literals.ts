/**
 * The string literals of a Groovy file, with their quotes: enough of Groovy's lexer to tell
 * single-quoted strings (plain text) from double-quoted ones (GStrings, which interpolate).
 * Comments are skipped; slashy strings do not occur in generated Jenkinsfiles.
 */
export interface GroovyLiteral {
  quote: "'" | "'''" | '"' | '"""';
  /** The source text between the quotes, escapes not applied. */
  body: string;
}

export function groovyLiterals(source: string): GroovyLiteral[] {
  const literals: GroovyLiteral[] = [];
  let i = 0;
  while (i < source.length) {
    if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end;
      continue;
    }
    if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      continue;
    }
    const ch = source[i];
    if (ch !== "'" && ch !== '"') {
      i++;
      continue;
    }
    const quote = (source.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch) as GroovyLiteral['quote'];
    let j = i + quote.length;
    let depth = 0; // ${ … } inside a GString may hold quotes of its own
    while (j < source.length) {
      if (source[j] === '\\') {
        j += 2;
        continue;
      }
      if (quote.startsWith('"') && source.startsWith('${', j)) depth++;
      else if (depth > 0 && source[j] === '}') depth--;
      else if (depth === 0 && source.startsWith(quote, j)) break;
      j++;
    }
    literals.push({ quote, body: source.slice(i + quote.length, j) });
    i = j + quote.length;
  }
  return literals;
}
