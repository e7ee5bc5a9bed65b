import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/files/diff.js';

describe('unifiedDiff', () => {
  it('prints nothing for equal texts and a hunk with context for a change', () => {
    expect(unifiedDiff('a\n', 'a\n', 'x', 'y')).toBe('');
    const before = ['1', '2', '3', '4', '5', '6', '7', '8'].join('\n') + '\n';
    const after = before.replace('5\n', 'five\n');
    expect(unifiedDiff(before, after, 'a/f', 'b/f')).toBe(['--- a/f', '+++ b/f', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ''].join('\n'));
  });

  it('produces patches GNU patch applies exactly (random texts, batched into one property run)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlgen-diff-'));
    const line = fc.constantFrom('a', 'b', 'c', 'd', 'key: value', '');
    const text = fc.array(line, { maxLength: 25 }).map((lines) => lines.map((l) => `${l}\n`).join(''));
    fc.assert(
      fc.property(text, text, (before, after) => {
        const patch = unifiedDiff(before, after, 'a/f', 'b/f');
        if (before === after) return patch === '';
        writeFileSync(join(dir, 'f'), before);
        writeFileSync(join(dir, 'p'), patch);
        execFileSync('patch', ['-s', '--no-backup-if-mismatch', join(dir, 'f'), join(dir, 'p')]);
        return readFileSync(join(dir, 'f'), 'utf8') === after;
      }),
      { numRuns: 150 },
    );
  });
});
