/**
 * Messages of the newcomer review: a secret written in mapping form is not printed back;
 * `plan --event push` says which branch it means.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratch } from '../files/cli.js';

describe('messages', () => {
  it('validate names a secret given as NAME: value, and does not print the value', async () => {
    const dir = scratch('mlgen-messages-');
    writeFileSync(join(dir, 'mlgen.yaml'), 'version: 1\nname: x\ntrain:\n  run: python t.py\nsecrets:\n  API_TOKEN: hunter2-very-secret\n');
    const run = await runCli(['validate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('mlgen.yaml:6:3 error');
    expect(run.stderr).toContain('API_TOKEN: ');
    expect(run.stderr).not.toContain('hunter2');
  });

  it('plan --event push says it is the release branch and how to name another', async () => {
    const dir = scratch('mlgen-messages-');
    writeFileSync(join(dir, 'mlgen.yaml'), 'version: 1\nname: x\ndefaults:\n  branch: release\ntrain:\n  run: python t.py\n');
    const run = await runCli(['plan', '--event', 'push'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('(--event push is a push to the release branch, release; for another branch: --event push:BRANCH)');
    expect(run.stdout).toContain('push:release: pipeline ci');
  });
});
