/**
 * `mlgen validate` as users run it: the real CLI (bin/run.js, oclif) on files in a temp dir.
 *
 * The CLI is compiled into a private copy of the package (its own dist/), so this test neither
 * races other builds of dist/ nor depends on one being fresh.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackageCopy } from '../support/package-copy.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let cli: string; // the private bin/run.js
let work: string; // where the manifests live
let packageCopy: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function mlgen(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: work, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const VALID = 'version: 1\nname: house-prices\ntrain:\n  run: python train.py\n';
const INVALID = 'version: 1\nname: house-prices\ntrain:\n  run: python train.py\n  timout: 3h\n';
const STACK_FRAME = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

beforeAll(() => {
  packageCopy = buildPackageCopy('mlgen-cli-', ['src/commands/validate.ts']);
  cli = join(packageCopy, 'bin/run.js');
  work = mkdtempSync(join(tmpdir(), 'mlgen-validate-'));
  writeFileSync(join(work, 'mlgen.yaml'), VALID);
  writeFileSync(join(work, 'bad.yaml'), INVALID);
});

afterAll(() => {
  for (const dir of [packageCopy, work]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mlgen validate', () => {
  it('exits 0 for a valid manifest, ./mlgen.yaml by default', async () => {
    const run = await mlgen(['validate']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe('mlgen.yaml is valid\n');
    expect((await mlgen(['validate', '--quiet'])).stdout).toBe('');
  });

  it('exits 1 with file:line:col, the line, a hint, and no stack trace', async () => {
    const run = await mlgen(['validate', 'bad.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('bad.yaml:5:3 error: unknown key "timout" in train; did you mean "timeout"?');
    expect(run.stderr).toContain('5 |   timout: 3h');
    expect(run.stderr).toContain('hint: the keys allowed here are:');
    expect(run.stderr).toContain('1 problem in 1 of 1 manifest');
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stdout).toBe('');
  });

  it('checks several files and counts the bad ones', async () => {
    const run = await mlgen(['validate', 'mlgen.yaml', 'bad.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('1 problem in 1 of 2 manifests');
  });

  it('--json prints the diagnostics as data', async () => {
    const bad = await mlgen(['validate', 'bad.yaml', '--json']);
    expect(bad.code).toBe(1);
    const result = JSON.parse(bad.stdout);
    expect(result).toMatchObject({ valid: false, files: [{ file: 'bad.yaml', valid: false }] });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ file: 'bad.yaml', line: 5, column: 3, severity: 'error', path: ['train', 'timout'], message: 'unknown key "timout" in train; did you mean "timeout"?' }),
    ]);
    const good = await mlgen(['validate', '--json']);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({ valid: true, files: [{ file: 'mlgen.yaml', valid: true }], diagnostics: [] });
  });

  it('writes no escape codes when not on a terminal, or with NO_COLOR', async () => {
    const envs: Record<string, string>[] = [{}, { NO_COLOR: '1' }, { FORCE_COLOR: '1' }];
    const runs = await Promise.all(envs.map((env) => mlgen(['validate', 'bad.yaml'], env)));
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stderr + run.stdout).not.toMatch(/\u001b\[/);
    }
  });

  it.skipIf(!existsSync('/usr/bin/script'))('colours on a terminal, and not with NO_COLOR', () => {
    const onTerminal = (env: Record<string, string>) =>
      execFileSync('/usr/bin/script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} validate bad.yaml`, '/dev/null'], {
        cwd: work,
        env: { ...process.env, TERM: 'xterm', ...env },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).toString();
    const run = (env: Record<string, string>) => {
      try {
        return onTerminal(env);
      } catch (error) {
        return String((error as { stdout?: string }).stdout);
      }
    };
    expect(run({})).toMatch(/\u001b\[31m/);
    expect(run({ NO_COLOR: '1' })).not.toMatch(/\u001b\[/);
  });

  it('exits 1 for a missing file, saying what to do', async () => {
    const run = await mlgen(['validate', 'missing.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('missing.yaml does not exist: run `mlgen init` to create a manifest, or name one');
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('exits 2 for an unknown flag', async () => {
    const run = await mlgen(['validate', '--strict-mode']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/strict-mode/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('reports a YAML syntax error like any other problem', async () => {
    writeFileSync(join(work, 'syntax.yaml'), 'version: 1\nname: m\nname: n\n');
    const run = await mlgen(['validate', 'syntax.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('syntax.yaml:3:1 error: this key appears twice in the same mapping');
  });
});
