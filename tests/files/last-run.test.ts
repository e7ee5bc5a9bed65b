/**
 * A generate whose manifest bytes and mlgen are unchanged skips loading and rendering: the
 * engine is counted through a spy around the real one, in process.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { scratch } from './cli.js';

const calls = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/engine/generate.js', async (original) => {
  const real = await original<typeof import('../../src/engine/generate.js')>();
  return { ...real, generate: (...args: Parameters<typeof real.generate>) => (calls.count++, real.generate(...args)) };
});
const { regenerate } = await import('../../src/engine/regenerate.js');

const MANIFEST = 'version: 1\nname: demo\ntargets: [gitlab, github]\ntrain:\n  run: python train.py\n';

describe('the last run stands while nothing it depends on changed', () => {
  let dir: string;
  let manifest: string;
  beforeEach(async () => {
    dir = scratch('mlgen-last-run-');
    manifest = join(dir, 'mlgen.yaml');
    writeFileSync(manifest, MANIFEST);
    await regenerate({ manifest });
    calls.count = 0;
  });

  it('renders nothing for the same bytes, in a write, a --check and a --diff', async () => {
    for (const dryRun of [false, true]) {
      const result = await regenerate({ manifest, dryRun });
      expect(result.kind).toBe('done');
      if (result.kind === 'done') expect(result.files.map((f) => f.status)).toEqual(result.files.map(() => 'unchanged'));
    }
    expect(calls.count).toBe(0);
  });

  it('renders again after a comment (once: the run after it stands again)', async () => {
    writeFileSync(manifest, `${MANIFEST}# note\n`);
    await regenerate({ manifest });
    await regenerate({ manifest });
    expect(calls.count).toBe(1);
  });

  it('renders again, and refuses, when a generated file was edited by hand', async () => {
    const file = join(dir, '.gitlab-ci.yml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}# mine\n`);
    const result = await regenerate({ manifest });
    expect(calls.count).toBe(1);
    expect(result.kind).toBe('refused');
  });

  it('renders again when the record no longer says what the last run wrote, or a file is gone', async () => {
    const record = join(dir, '.mlgen/generated.json');
    writeFileSync(record, readFileSync(record, 'utf8').replace(/"[0-9a-f]{64}"/, `"${'0'.repeat(64)}"`));
    await regenerate({ manifest, dryRun: true });
    expect(calls.count).toBe(1);
  });

  it('keeps its cache out of Git: the cache directory ignores itself', () => {
    expect(readFileSync(join(dir, '.mlgen/cache/.gitignore'), 'utf8')).toMatch(/^\*$/m);
  });
});
