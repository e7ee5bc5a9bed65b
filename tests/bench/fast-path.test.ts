/**
 * bin/run.js runs `validate` and `generate` from bundles (dist/mlgen-<command>.cjs) instead of
 * oclif. Users must not be able to tell: for each argv, the bundle and oclif
 * (MLGEN_NO_BUNDLE=1) print the same stdout and stderr, exit with the same code and leave the
 * same files. Argv the bundle declines (help, usage errors) must reach oclif.
 *
 * Like tests/commands/validate.test.ts, the CLI is built into a private copy of the package
 * (its own dist/ and bundles), so other builds of dist/ cannot race this test.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../files/cli.js';
import { buildPackageCopy } from '../support/package-copy.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FULL = readFileSync(join(ROOT, 'tests/fixtures/manifests/spec-complete.yaml'), 'utf8');
const BAD = 'version: 1\nname: house-prices\ntrain:\n  run: python train.py\n  timout: 3h\n';
let packageCopy: string;
let cli: string;
let scratchRoot: string;
let hook: string; // reports on exit whether oclif was loaded

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  oclif: boolean;
}

function mlgen(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', hook, cli, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) => {
      const oclif = stderr.includes('\n<oclif loaded>');
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.replace('\n<oclif loaded>', ''), oclif });
    });
  });
}

let dirCount = 0;
function scratch(files: Record<string, string>): string {
  const dir = join(scratchRoot, `d${String(dirCount++).padStart(3, '0')}`);
  mkdirSync(dir);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

function tree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/**
 * Runs argv with the bundle and with oclif, each in its own copy of the same starting
 * directory (`files`, then `setup`), and expects the same outcome.
 */
async function expectSame(argv: string[], files: Record<string, string>, env: Record<string, string> = {}, setup?: (dir: string) => Promise<void>) {
  const dirs = [scratch(files), scratch(files)];
  if (setup) await Promise.all(dirs.map(setup));
  const [fast, oclif] = await Promise.all([mlgen(argv, dirs[0]!, env), mlgen(argv, dirs[1]!, { ...env, MLGEN_NO_BUNDLE: '1' })]);
  const normalise = (run: Run, dir: string) => ({ code: run.code, stdout: run.stdout.replaceAll(dir, '<dir>'), stderr: run.stderr.replaceAll(dir, '<dir>') });
  expect(oclif.oclif).toBe(true);
  expect(normalise(fast, dirs[0]!)).toEqual(normalise(oclif, dirs[1]!));
  expect(tree(dirs[0]!)).toEqual(tree(dirs[1]!));
  return fast;
}

beforeAll(() => {
  packageCopy = buildPackageCopy('mlgen-fast-', ['src/commands/validate.ts', 'src/commands/generate.ts', 'src/cli/fast.ts']);
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-bundle.mjs'), join(packageCopy, 'dist')], { stdio: 'pipe' });
  cli = join(packageCopy, 'bin/run.js');
  hook = join(packageCopy, 'report-oclif.cjs');
  writeFileSync(hook, "process.on('exit', () => { if (Object.keys(require.cache).some((k) => k.includes('@oclif'))) process.stderr.write('\\n<oclif loaded>'); });\n");
  scratchRoot = mkdtempSync(join(tmpdir(), 'mlgen-fast-runs-'));
}, 900_000);

afterAll(() => {
  for (const dir of [packageCopy, scratchRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('the bundled fast path of bin/run.js', () => {
  it('runs validate and generate without loading oclif', async () => {
    const dir = scratch({ 'mlgen.yaml': FULL });
    const validate = await mlgen(['validate'], dir);
    const generate = await mlgen(['generate', '-q'], dir);
    expect([validate.code, validate.oclif, generate.code, generate.oclif]).toEqual([0, false, 0, false]);
    expect(listFiles(dir)).toContain('Jenkinsfile');
  });

  it.each([
    [['validate']],
    [['validate', '--json']],
    [['validate', 'bad.yaml']],
    [['validate', 'bad.yaml', '--json']],
    [['validate', 'mlgen.yaml', 'bad.yaml', '-q']],
    [['validate', 'missing.yaml']],
    [['validate', '--json', 'missing.yaml']],
    [['validate', '--strict-mode']],
    [['validate', '--help']],
  ])('validate: %j prints and exits as with oclif', async (argv) => {
    const run = await expectSame(argv, { 'mlgen.yaml': FULL, 'bad.yaml': BAD });
    expect(run.oclif).toBe(argv.includes('--strict-mode') || argv.includes('--help'));
  });

  it('validate: MLGEN_CONTENT_TYPE=json means --json, as with oclif', async () => {
    const run = await expectSame(['validate', 'bad.yaml'], { 'bad.yaml': BAD }, { MLGEN_CONTENT_TYPE: 'json' });
    expect(JSON.parse(run.stdout)).toMatchObject({ valid: false });
  });

  it.each([
    [['generate']],
    [['generate', '--json']],
    [['generate', '--fail-on-change']],
    [['generate', '--target', 'github,gitlab', '--out', 'build', '-q']],
    [['generate', '--target=github,circleci']],
    [['generate', '-t', 'circleci', '--json']],
    [['generate', '-m', 'missing.yaml']],
    [['generate', '--manifest', 'bad.yaml']],
    [['generate', '--manifest=bad.yaml', '--json']],
    [['generate', '--check', '--watch']],
    [['generate', '--bogus']],
  ])('generate from scratch: %j prints, exits and writes as with oclif', async (argv) => {
    const run = await expectSame(argv, { 'mlgen.yaml': FULL, 'bad.yaml': BAD });
    expect(run.oclif).toBe(argv.includes('--watch') || argv.includes('--bogus'));
  });

  it.each([
    [['generate', '--check']],
    [['generate', '--check', '--json']],
    [['generate', '--diff']],
    [['generate']],
    [['generate', '--force', '--json']],
  ])('generate after a hand edit and a manifest change: %j prints, exits and writes as with oclif', async (argv) => {
    const run = await expectSame(argv, { 'mlgen.yaml': FULL }, {}, async (dir) => {
      await mlgen(['generate', '-q'], dir, { MLGEN_NO_BUNDLE: '1' });
      writeFileSync(join(dir, 'Jenkinsfile'), `${readFileSync(join(dir, 'Jenkinsfile'), 'utf8')}// a hand edit\n`);
      writeFileSync(join(dir, 'mlgen.yaml'), FULL.replace('name: house-prices', 'name: house-prices-2'));
    });
    expect(run.code).toBe(argv.includes('--force') ? 0 : 1); // --diff: 1, something would change
    expect(run.oclif).toBe(false);
  });
});
