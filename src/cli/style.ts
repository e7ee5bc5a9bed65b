/** Colour only for people: on a TTY, and never with NO_COLOR (https://no-color.org). */
import type { FormatStyle } from '../manifest/index.js';

export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && process.env.TERM !== 'dumb';
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export function styleFor(stream: NodeJS.WriteStream = process.stdout): FormatStyle & { green(t: string): string; yellow(t: string): string } {
  if (!useColour(stream)) {
    const same = (t: string) => t;
    return { bold: same, red: same, dim: same, green: same, yellow: same };
  }
  return { bold: wrap(1, 22), red: wrap(31, 39), dim: wrap(2, 22), green: wrap(32, 39), yellow: wrap(33, 39) };
}
