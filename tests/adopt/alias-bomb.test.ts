/** `adopt` on a generated file edited into an alias bomb (security review, finding 26): one positioned line, exit 1. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratch } from '../files/cli.js';

describe('finding 26: adopt on an alias bomb', () => {
  it('names the file, line and column of the first alias, and no ReferenceError reaches the user bare', async () => {
    const dir = scratch('mlgen-adopt-bomb-');
    writeFileSync(join(dir, 'mlgen.yaml'), 'version: 1\nname: m\ntargets: [gitlab]\ntrain:\n  run: python train.py\n');
    expect((await runCli(['generate'], dir)).code).toBe(0);
    const generated = readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8');
    const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`)];
    writeFileSync(join(dir, '.gitlab-ci.yml'), `${generated}${bomb.join('\n')}\n`);
    const firstAliasLine = generated.split('\n').length + 1;
    const run = await runCli(['adopt', '.gitlab-ci.yml'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^error: cannot adopt \\.gitlab-ci\\.yml: \\.gitlab-ci\\.yml:${firstAliasLine}:10: the edit cannot be read: .*write the values out instead of using aliases\\. Nothing was changed\\.\\n$`));
    expect(run.stderr).not.toMatch(/^\s*ReferenceError/m);
  });
});
