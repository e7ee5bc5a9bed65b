/**
 * The one way text reaches a Jenkinsfile: single-quoted Groovy strings, which never
 * interpolate (`$x` and `${…}` stay text). Groovy still reads backslash escapes in them, so `\`
 * is doubled first and then every `'` is escaped (ci-idioms §12). Line breaks and other control
 * characters become escapes too: each string stays on one line, so the indentation Handlebars
 * gives a partial can never reach into a command.
 */
export function escapeGroovy(text: string): string {
  let out = '';
  for (const char of text) {
    switch (char) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default: {
        const code = char.codePointAt(0)!;
        out += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : char;
      }
    }
  }
  return out;
}

/** `text` as a single-quoted Groovy string literal. */
export function groovyString(text: string): string {
  return `'${escapeGroovy(text)}'`;
}

/** A Groovy list of single-quoted strings. */
export function groovyList(texts: readonly string[]): string {
  return `[${texts.map(groovyString).join(', ')}]`;
}
