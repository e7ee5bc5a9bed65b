/**
 * The MLGEN_FILES_FROM seam of generateFor (harness.ts): unset, the files are generate()'s;
 * set to a checkout, they are what that checkout's CLI writes, and a refusal throws.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import { fixtureText, generateFor, mlgenBin } from './harness.js';

const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
const saved = process.env.MLGEN_FILES_FROM;
afterEach(() => {
  if (saved === undefined) delete process.env.MLGEN_FILES_FROM;
  else process.env.MLGEN_FILES_FROM = saved;
});

describe('generateFor and MLGEN_FILES_FROM', () => {
  it('unset: the plan and files are generate()\'s, and the CLI is this checkout\'s', () => {
    delete process.env.MLGEN_FILES_FROM;
    const text = fixtureText('spec-complete');
    const want = generate(text, { manifestPath: 'mlgen.yaml', targets: ['gitlab'] });
    if (!want.ok) throw new Error('spec-complete does not generate');
    expect(generateFor(text, 'gitlab')).toEqual({ plan: want.plan, files: want.files });
    expect(mlgenBin()).toBe(join(ROOT, 'bin/run.js'));
  });

  it('set to this checkout: the files its CLI writes are the ones generate() returns, for every target', () => {
    const text = fixtureText('spec-complete');
    for (const target of ['github', 'gitlab', 'azure', 'jenkins'] as const) {
      delete process.env.MLGEN_FILES_FROM;
      const today = generateFor(text, target);
      process.env.MLGEN_FILES_FROM = ROOT;
      const viaCli = generateFor(text, target);
      expect(viaCli.plan).toEqual(today.plan);
      expect([...viaCli.files].sort((a, b) => a.path.localeCompare(b.path))).toEqual([...today.files].sort((a, b) => a.path.localeCompare(b.path)));
    }
  }, 120_000);

  it('an older CLI that refuses the manifest: its files throw the refusal, with its diagnostics, on first use', () => {
    const fake = mkdtempSync(join(tmpdir(), 'mlgen-old-'));
    mkdirSync(join(fake, 'bin'));
    const report = { ok: false, files: [], diagnostics: [{ line: 18, column: 1, message: 'unknown key "env"' }] };
    writeFileSync(join(fake, 'bin/run.js'), `process.stdout.write(${JSON.stringify(JSON.stringify(report))}); process.exitCode = 1;\n`);
    chmodSync(join(fake, 'bin/run.js'), 0o755);
    process.env.MLGEN_FILES_FROM = fake;
    const { plan, files } = generateFor(fixtureText('minimal'), 'github');
    expect(plan.jobs.length).toBeGreaterThan(0);
    const refusal = `MLGEN_FILES_FROM=${fake} refuses the manifest for github: 18:1 unknown key "env"`;
    expect(() => files.find((f) => f.path.endsWith('.yml'))).toThrow(refusal);
    expect(() => files.length).toThrow(refusal);
    expect(() => [...files]).toThrow(refusal);
  });
});
