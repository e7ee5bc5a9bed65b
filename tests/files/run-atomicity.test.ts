/**
 * The file system side of the security review (findings 5, 11, 17, 18, 19, 21, 25): a run is
 * all or nothing, mlgen deletes only what it wrote, the record is checked before anything is
 * written and survives concurrent runs. The built CLI in scratch directories; disk failures
 * are injected into the real process by a preload (support/inject-fs-failure.mjs), and the
 * interleaving of two concurrent runs is forced by another (support/pause-record-write.mjs).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, listFiles, runCli, scratch, snapshotTree, type CliRun } from './cli.js';

const MANIFEST = readFileSync(new URL('../fixtures/manifests/spec-complete.yaml', import.meta.url), 'utf8');
const INJECT = new URL('./support/inject-fs-failure.mjs', import.meta.url).pathname;
const RECORD = '.mlgen/generated.json';

function project(text = MANIFEST): string {
  const dir = scratch('mlgen-atomic-');
  writeFileSync(join(dir, 'mlgen.yaml'), text);
  return dir;
}

/** The CLI with one file system call failing as MLGEN_TEST_FS_FAIL says. */
function runFailing(args: string[], cwd: string, failure: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', INJECT, BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', MLGEN_TEST_FS_FAIL: failure },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const contents = (dir: string) => new Map([...snapshotTree(dir)].map(([path, s]) => [path, s.content]));
const leftovers = (dir: string) => listFiles(dir).filter((f) => /\.mlgen-(tmp|old)$/.test(f));
const noStack = (run: CliRun) => expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at |node:internal/);

/** A pid no process has now: the pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}

describe('finding 11: a run is all or nothing (injected ENOSPC and EROFS, --out naming a file)', () => {
  const changed = MANIFEST.replace('pytest tests/unit', 'pytest tests/unit -q');

  it.each([
    ['write:Jenkinsfile:ENOSPC', 'cannot write Jenkinsfile: ENOSPC (no space left on device); nothing was changed'],
    // Jenkinsfile sorts after .github/, .gitlab-ci.yml and .mlgen/: those are renamed already and must be put back.
    ['rename:Jenkinsfile:EROFS', 'cannot write Jenkinsfile: EROFS (read-only file system); nothing was changed'],
    ['write:generated.json:ENOSPC', 'cannot write .mlgen/generated.json: ENOSPC (no space left on device); nothing was changed'],
  ])('%s: every file and the record stay as they were, no temporary file is left, one line names file and errno', async (failure, message) => {
    const dir = project();
    expect((await runCli(['generate'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'mlgen.yaml'), changed);
    const before = contents(dir);

    const text = await runFailing(['generate'], dir, failure);
    expect(text.stderr).toBe(`error: ${message}\n`);
    expect(text.code).toBe(1);
    noStack(text);
    expect(contents(dir)).toEqual(before);
    expect(leftovers(dir)).toEqual([]);

    const json = await runFailing(['generate', '--json'], dir, failure);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ error: message });
    expect(contents(dir)).toEqual(before);

    // Negative control: without the injected failure the same run writes the change.
    expect((await runCli(['generate'], dir)).code).toBe(0);
    expect(contents(dir)).not.toEqual(before);
  });

  it('--out naming a file: one line, exit 1, JSON with --json', async () => {
    const dir = project();
    writeFileSync(join(dir, 'afile'), 'x');
    const text = await runCli(['generate', '--out', 'afile'], dir);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error: cannot use afile as the output directory: (EEXIST|ENOTDIR) \([^)]+\)\n$/);
    noStack(text);
    const json = await runCli(['generate', '--out', 'afile', '--json'], dir);
    expect(JSON.parse(json.stdout).error).toMatch(/^cannot use afile as the output directory/);
  });
});

describe('finding 5: mlgen deletes only what it wrote', () => {
  it('a backup copy of a generated file is not removed when the manifest changes; the real orphan is', async () => {
    const dir = project();
    expect((await runCli(['generate'], dir)).code).toBe(0);
    copyFileSync(join(dir, '.gitlab-ci.yml'), join(dir, '.gitlab-ci.v1.yml'));
    copyFileSync(join(dir, 'Jenkinsfile'), join(dir, 'Jenkinsfile.disabled'));
    writeFileSync(join(dir, 'mlgen.yaml'), MANIFEST.replace('targets: [github, gitlab, azure, jenkins]', 'targets: [github, gitlab, azure]'));
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, '.gitlab-ci.v1.yml'))).toBe(true);
    expect(existsSync(join(dir, 'Jenkinsfile.disabled'))).toBe(true);
    expect(existsSync(join(dir, 'Jenkinsfile'))).toBe(false); // recorded, untouched: removed
    expect(run.stdout).not.toContain('.gitlab-ci.v1.yml');
    expect((await runCli(['generate', '--check'], dir)).code).toBe(0);
  });
});

describe('finding 17: temporary files a killed run left are removed, by name and pid', () => {
  it('a truncated record temp and a staged file of a dead pid go; one of a running process stays; --check passes', async () => {
    const dir = project();
    expect((await runCli(['generate'], dir)).code).toBe(0);
    const dead = await deadPid();
    const header = readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8').slice(0, 200);
    const deadRecord = `.mlgen/.generated.json.${dead}.0badc0de.mlgen-tmp`;
    const deadStaged = `.Jenkinsfile.${dead}.deadbeef.mlgen-tmp`;
    const alive = `.Jenkinsfile.${process.pid}.cafef00d.mlgen-tmp`;
    for (const f of [deadRecord, deadStaged, alive]) writeFileSync(join(dir, f), header);
    expect((await runCli(['generate', '--check'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'mlgen.yaml'), MANIFEST.replace('ruff check .', 'ruff check src'));
    expect((await runCli(['generate'], dir)).code).toBe(0);
    expect(leftovers(dir)).toEqual([alive]);
    expect((await runCli(['generate', '--check'], dir)).code).toBe(0);
  });
});

describe('finding 18: a tampered record is named in the error, before anything is written', () => {
  it.each([
    ['a ../ entry', '{"manifests": {"mlgen.yaml": ["../outside.txt"]}}', /^error: \.mlgen\/generated\.json lists "\.\.\/outside\.txt" for "mlgen\.yaml", a path outside the output directory: restore it from Git/],
    ['a Git conflict', '<<<<<<< HEAD\n{"manifests": {}}\n=======\n{}\n>>>>>>> x\n', /^error: \.mlgen\/generated\.json is not valid JSON/],
    ['a bad hash', '{"manifests": {"mlgen.yaml": {"Jenkinsfile": "0"}}}', /^error: \.mlgen\/generated\.json gives "Jenkinsfile" the hash "0", not a sha256/],
  ])('%s', async (_what, record, message) => {
    const dir = project();
    mkdirSync(join(dir, '.mlgen'));
    writeFileSync(join(dir, RECORD), record);
    const before = contents(dir);
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(contents(dir)).toEqual(before);
  });

  it('a record that is a symlink leading outside: refused before any file is written', async () => {
    const dir = project();
    const outside = scratch('mlgen-outside-');
    writeFileSync(join(outside, 'generated.json'), '{"manifests": {}}');
    mkdirSync(join(dir, '.mlgen'));
    symlinkSync(join(outside, 'generated.json'), join(dir, RECORD));
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: \.mlgen\/generated\.json cannot be used: refusing/);
    expect(listFiles(dir)).toEqual(['.mlgen/generated.json', 'mlgen.yaml']);
  });
});

describe('finding 19: two manifests generated at once into one --out keep both record entries', () => {
  /**
   * Left alone, the two runs collide only when both read the record before either writes it,
   * which at c4e22b8 happened in a third of the runs. Here the collision is forced: one run is
   * held (support/pause-record-write.mjs) just before it renames its new record into place,
   * after reading the record it updates; the other run then goes as far as it can: to its end,
   * where nothing keeps it from reading the record that lacks the held run's entry and writing
   * one without it, or until it waits for the held run's lock. Only then is the held run let go.
   * Each round holds the other manifest's run.
   */
  const PAUSE = new URL('./support/pause-record-write.mjs', import.meta.url).pathname;
  interface Paced {
    /** Resolves with `word` once the run says it on fd 3, or with 'exited' if it ends first. */
    until(word: 'paused' | 'waiting'): Promise<string>;
    done: Promise<CliRun>;
    kill(): void;
  }
  const paced = (args: string[], cwd: string, release?: string): Paced => {
    const child = spawn(process.execPath, ['--import', PAUSE, BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...(release ? { MLGEN_TEST_RELEASE_FIFO: release } : {}) },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let said = '';
    const listeners = new Set<() => void>();
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      said += d.toString();
      for (const l of listeners) l();
    });
    const done = new Promise<CliRun>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    return {
      done,
      until: (word) =>
        new Promise((resolve) => {
          const check = () => said.split('\n').includes(word) && resolve(word);
          listeners.add(check);
          check();
          void done.then(() => (check(), resolve('exited')));
        }),
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  };

  it('one run held just before its record write while the other runs: both entries are in the record, every round', async () => {
    const dir = scratch('mlgen-concurrent-');
    // No evaluate section, so no shared .mlgen/gate.py: the two runs write disjoint files.
    const small = (sub: string, round: number) => `version: 1\nname: model-${sub}\ntrain:\n  run: python train.py --round ${round}\n`;
    const args = { a: ['generate', '--manifest', 'a/mlgen.yaml', '--out', 'out', '--target', 'github'], b: ['generate', '--manifest', 'b/mlgen.yaml', '--out', 'out', '--target', 'gitlab'] };
    for (const sub of ['a', 'b']) mkdirSync(join(dir, sub));
    const order: ['a' | 'b', 'a' | 'b'][] = [['a', 'b'], ['b', 'a'], ['a', 'b']];
    for (const [round, [held, free]] of order.entries()) {
      for (const sub of ['a', 'b']) writeFileSync(join(dir, sub, 'mlgen.yaml'), small(sub, round));
      const release = join(dir, `release-${round}`);
      execFileSync('mkfifo', [release]);
      const first = paced(args[held], dir, release);
      let second: Paced | undefined;
      try {
        expect(await first.until('paused'), `round ${round}: the ${held} run reaches its record write`).toBe('paused');
        second = paced(args[free], dir);
        const howFar = await second.until('waiting');
        await writeFile(release, 'go\n');
        const runs = await Promise.all([first.done, second.done]);
        expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);
        const record = JSON.parse(readFileSync(join(dir, 'out', RECORD), 'utf8')) as { manifests: Record<string, Record<string, string>> };
        expect(Object.keys(record.manifests).sort(), `round ${round}: ${held} held, ${free} ${howFar === 'waiting' ? 'waited for its lock' : 'ran to its end'}`).toEqual(['../a/mlgen.yaml', '../b/mlgen.yaml']);
        // It can only be so because the free run waited for the held one.
        expect(howFar, `round ${round}`).toBe('waiting');
      } finally {
        first.kill();
        second?.kill();
        unlinkSync(release);
      }
    }
    expect(leftovers(dir)).toEqual([]);
    expect(existsSync(join(dir, 'out', `${RECORD}.lock`))).toBe(false);
  });
});

describe('finding 21: an invalid manifest creates nothing', () => {
  it('generate --out new/dir with an invalid manifest leaves no new/ behind', async () => {
    const dir = project('version: 1\nname: Bad Name\n');
    const run = await runCli(['generate', '--out', 'new/dir'], dir);
    expect(run.code).toBe(1);
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });
});

describe('finding 25: reading never waits on an endless file', () => {
  it('validate /dev/zero and generate --manifest /dev/zero end at once with one line', async () => {
    const dir = project();
    for (const args of [['validate', '/dev/zero'], ['generate', '--manifest', '/dev/zero']]) {
      const run = await runCli(args, dir);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toBe('error: /dev/zero is not a regular file: name the manifest file itself\n');
    }
  });

  it('generate --out /proc/self ends (with an error, as /proc is not writable)', async () => {
    const run = await runCli(['generate', '--out', '/proc/self'], project());
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    noStack(run);
  });
});
