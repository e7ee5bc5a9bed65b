/**
 * The one way mlgen writes a word for a POSIX shell (sh, dash, bash): bare when every character
 * is one the shell reads as itself, else in single quotes, where nothing is special but the
 * quote, written as '\''. Manifest commands are never passed through here: they are the user's
 * shell text and reach the shell verbatim; this is for values mlgen puts into its own scripts.
 */
const PLAIN = /^[A-Za-z0-9_./:=@%+,-]+$/;

export function shellWord(text: string): string {
  return PLAIN.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Several words, each quoted on its own, joined by spaces. */
export function shellWords(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}
