/**
 * Where a manifest's bytes stop being UTF-8 (security review, finding 15). Node's decoder would
 * turn a bad byte into U+FFFD and mlgen would write that into every generated file; the reader
 * refuses the file instead, at the line and column of the first bad byte.
 */

export interface Utf8Problem {
  /** 1-based, as diagnostics count. */
  line: number;
  column: number;
  /** The first byte that is not valid here, e.g. `0xff`. */
  byte: string;
}

/** Length of the UTF-8 sequence at `i`, or 0 when it is invalid (overlong, surrogate, > U+10FFFF, truncated). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no surrogates
  if (b === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** The first invalid byte's position, or undefined when `bytes` is valid UTF-8. Columns count characters. */
export function findInvalidUtf8(bytes: Uint8Array): Utf8Problem | undefined {
  let line = 1;
  let column = 1;
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes, i);
    if (length === 0) return { line, column, byte: `0x${bytes[i]!.toString(16).padStart(2, '0')}` };
    if (bytes[i] === 0x0a) {
      line++;
      column = 1;
    } else {
      column++;
    }
    i += length;
  }
  return undefined;
}
