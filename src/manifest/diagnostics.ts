import { maskCredentials } from './secrets.js';

/**
 * Problems found in a manifest, each tied to a place in the file. Formatting is plain text
 * here; colour is the CLI's business.
 */
export interface Diagnostic {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  /** Characters to underline from `column` (at least 1). */
  length: number;
  severity: 'error' | 'warning';
  message: string;
  /** How to fix it, when there is more to say than the message. */
  hint?: string;
  /** The manifest key path the problem is about, e.g. ["train", "timeout"]. */
  path: (string | number)[];
}

export interface FormatStyle {
  bold(text: string): string;
  red(text: string): string;
  dim(text: string): string;
}

const plain: FormatStyle = { bold: (t) => t, red: (t) => t, dim: (t) => t };

/**
 * Under `secrets:` a line `NAME: value` is someone writing a secret's value where only its name
 * belongs (the mapping form): the quoted line keeps the name and hides the value.
 */
function maskSecretValue(d: Diagnostic, line: string): string {
  if (d.path[0] !== 'secrets') return line;
  return line.replace(/^(\s*(?:-\s+)?(?!name\s*:|to\s*:)[A-Za-z_][A-Za-z0-9_]*\s*:\s+)([^\s#].*)$/, (_, key: string, value: string) => `${key}${'*'.repeat(Math.min(8, value.length))}`);
}

/** `mlgen.yaml:12:5 error: message`, then the line with a caret under the place, then the hint. */
export function formatDiagnostic(d: Diagnostic, source: string | undefined, style: FormatStyle = plain): string {
  const out = [`${style.bold(`${d.file}:${d.line}:${d.column}`)} ${style.red(d.severity)}: ${d.message}`];
  // The quoted line never repeats a credential, nor sends control characters to a terminal.
  const raw = source?.split(/\r?\n/)[d.line - 1];
  const text = raw === undefined ? undefined : maskSecretValue(d, maskCredentials(raw)).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
  if (text !== undefined && text.length <= 500) {
    const gutter = String(d.line);
    out.push(style.dim(`${gutter} | `) + text);
    const caretWidth = Math.max(1, Math.min(d.length, text.length - d.column + 1));
    out.push(style.dim(`${' '.repeat(gutter.length)} | `) + ' '.repeat(Math.max(0, d.column - 1)) + style.red('^'.repeat(caretWidth)));
  }
  if (d.hint) out.push(`  hint: ${d.hint}`);
  return out.join('\n');
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, style?: FormatStyle): string {
  return diagnostics.map((d) => formatDiagnostic(d, sources.get(d.file), style)).join('\n\n');
}
