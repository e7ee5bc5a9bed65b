/**
 * Test support for the everyday-workflow tests: run the built CLI (dist/, from `npx tsc -p .`)
 * in a scratch directory, and list the files there.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHECKOUT = new URL('../../', import.meta.url).pathname;
export const BIN = join(CHECKOUT, 'bin/run.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string, input?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export function scratch(prefix = 'mlgen-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every file below `dir` (relative paths), skipping .git. */
export function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.name === '.git') return [];
      return e.isDirectory() ? listFiles(dir, rel) : [rel];
    })
    .sort();
}

/** Content and mtime of every file, to prove a run changed no byte and touched no file. */
export function snapshotTree(dir: string): Map<string, { content: string; mtimeMs: number; mode: number }> {
  return new Map(
    listFiles(dir).map((f) => {
      const s = statSync(join(dir, f));
      return [f, { content: readFileSync(join(dir, f), 'utf8'), mtimeMs: s.mtimeMs, mode: s.mode }];
    }),
  );
}
