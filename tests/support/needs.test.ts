/**
 * Without the shared inputs beside the clone, the tests that need them fail with one line
 * naming the missing file, and no stack trace (the child run points MLGEN_SHARED at nothing).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKOUT, scratch } from '../files/cli.js';

describe('tests say what they need', () => {
  it('the Azure schema tests fail in one line naming the schema when ../shared is missing', () => {
    const nowhere = join(scratch('mlgen-no-shared-'), 'shared');
    const run = spawnSync(process.execPath, [join(CHECKOUT, 'node_modules/vitest/vitest.mjs'), 'run', 'tests/targets/azure/render.test.ts'], {
      cwd: CHECKOUT,
      env: { ...process.env, MLGEN_SHARED: nowhere, NO_COLOR: '1', CI: '1' },
      encoding: 'utf8',
    });
    const output = `${run.stdout}${run.stderr}`;
    expect(run.status).not.toBe(0);
    const lines = output.split('\n').filter((l) => l.includes('needs '));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toContain(`needs ${nowhere}/schemas/azure-pipelines.schema.json (Microsoft's Azure Pipelines YAML schema)`);
    expect(lines[0]).toContain('../shared');
    expect(output).not.toMatch(/^\s+at .*needs\.ts/m); // no stack trace
    expect(output).toMatch(/Tests\s+\d+ failed \| \d+ passed/); // only the tests that need it failed
  });
});
