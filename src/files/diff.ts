/**
 * A small unified line diff for `mlgen generate --diff` (no dependency has one installed).
 * Common prefix and suffix are trimmed first, so a typical regeneration compares a few lines;
 * the longest common subsequence of what is left decides the hunks.
 */

type Edit = { kind: ' ' | '-' | '+'; line: string };

/** Above this many cells the LCS table is skipped and the middle is shown as replaced. */
const MAX_CELLS = 4_000_000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function editScript(a: string[], b: string[]): Edit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head: Edit[] = a.slice(0, start).map((line) => ({ kind: ' ', line }));
  const tail: Edit[] = a.slice(endA).map((line) => ({ kind: ' ', line }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  const middle: Edit[] = [];
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    middle.push(...midA.map((line): Edit => ({ kind: '-', line })), ...midB.map((line): Edit => ({ kind: '+', line })));
  } else {
    // lcs[i][j]: length of the LCS of midA[i..] and midB[j..]
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = midA[i] === midB[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        middle.push({ kind: ' ', line: midA[i]! });
        i++;
        j++;
      } else if (j === m || (i < n && lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
        middle.push({ kind: '-', line: midA[i]! });
        i++;
      } else {
        middle.push({ kind: '+', line: midB[j]! });
        j++;
      }
    }
  }
  return [...head, ...middle, ...tail];
}

/** A unified diff (`diff -u` style) of two texts; '' when they are equal. */
export function unifiedDiff(before: string, after: string, beforeName: string, afterName: string, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const edits = editScript(a, b);
  const out = [`--- ${beforeName}`, `+++ ${afterName}`];
  const changed = edits.map((e, index) => (e.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  let k = 0;
  while (k < changed.length) {
    const first = changed[k]!;
    let last = first;
    while (k + 1 < changed.length && changed[k + 1]! - last <= 2 * context) last = changed[++k]!;
    k++;
    const from = Math.max(0, first - context);
    const to = Math.min(edits.length - 1, last + context);
    let lineA = 1;
    let lineB = 1;
    for (let x = 0; x < from; x++) {
      if (edits[x]!.kind !== '+') lineA++;
      if (edits[x]!.kind !== '-') lineB++;
    }
    const hunk = edits.slice(from, to + 1);
    const countA = hunk.filter((e) => e.kind !== '+').length;
    const countB = hunk.filter((e) => e.kind !== '-').length;
    out.push(`@@ -${countA === 0 ? lineA - 1 : lineA},${countA} +${countB === 0 ? lineB - 1 : lineB},${countB} @@`);
    for (const e of hunk) out.push(`${e.kind}${e.line}`);
  }
  const noNewline = (text: string) => text !== '' && !text.endsWith('\n');
  if (noNewline(before) || noNewline(after)) out.push('\\ (a file does not end with a newline)');
  return `${out.join('\n')}\n`;
}
