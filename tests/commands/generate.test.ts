/**
 * `mlgen generate` end to end: the built CLI (dist/) in scratch projects, with the real engine
 * and targets. Run `npx tsc -p .` first (npm test does).
 */
import { spawn } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUntouched, parseHeader } from '../../src/files/header.js';
import { BIN, listFiles, runCli, scratch, snapshotTree } from '../files/cli.js';

const EVALUATE = '\nevaluate:\n  metrics: metrics.json\n  gates:\n    - { metric: accuracy, min: 0.9 }\n';

/**
 * Each file is whole and current: its header parses, its body matches the header's content
 * hash, and the header names the manifest. (The CLI runs dist/, which other work
 * may rebuild meanwhile, so the files are judged by their headers, not by an in-process run.)
 */
function expectCurrent(dir: string, paths: readonly string[]): void {
  for (const path of paths) {
    const header = parseHeader(readFileSync(join(dir, path), 'utf8'));
    expect(header, path).toBeDefined();
    expect(isUntouched(header!), path).toBe(true);
    expect(header!.manifestPath, path).toBe('mlgen.yaml');
  }
}

async function generatedPaths(dir: string, args: string[] = []): Promise<string[]> {
  const run = await runCli(['generate', '--json', ...args], dir);
  expect(run.code, run.stderr).toBe(args.includes('--diff') ? 1 : 0); // --diff: 1 when something would change
  return (JSON.parse(run.stdout) as { files: { path: string; action: string }[] }).files.filter((f) => f.action !== 'remove').map((f) => f.path);
}

describe('mlgen generate (end to end)', () => {
  it('init -> generate -> regenerate (byte-identical) -> --check; a change fails --check; a hand edit is refused and kept; --force overwrites; no temporary files remain', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'requirements.txt'), 'scikit-learn\n');
    writeFileSync(join(dir, 'train.py'), 'print("train")\n');

    const init = await runCli(['init', '--yes', '--name', 'demo', '--targets', 'github,gitlab,azure,jenkins'], dir);
    expect(init.code, init.stderr).toBe(0);
    // A gate section makes the shared gate script part of the output too.
    writeFileSync(join(dir, 'mlgen.yaml'), readFileSync(join(dir, 'mlgen.yaml'), 'utf8') + EVALUATE);
    const files = await generatedPaths(dir, ['--diff']); // a dry run: what generate will write
    expect(files).toContain('.mlgen/gate.py');
    expect(files.length).toBeGreaterThan(1);

    const first = await runCli(['generate'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`${files.length} written`);
    expect(listFiles(dir).filter((f) => files.includes(f))).toEqual([...files].sort());
    expectCurrent(dir, files);

    const before = snapshotTree(dir);
    const again = await runCli(['generate'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`${files.length} unchanged`);
    expect(snapshotTree(dir)).toEqual(before); // every byte and every mtime

    const check = await runCli(['generate', '--check'], dir);
    expect(check.code, check.stderr).toBe(0);

    writeFileSync(join(dir, 'mlgen.yaml'), readFileSync(join(dir, 'mlgen.yaml'), 'utf8').replace('python train.py', 'python train.py --epochs 3'));
    const stale = await runCli(['generate', '--check'], dir);
    expect(stale.code).toBe(1);
    const staleLines = stale.stdout.trim().split('\n');
    // Every file that runs the training command is stale; the gate script does not run it, so it is not.
    expect(staleLines.length).toBe(files.length - 1);
    expect(staleLines.every((l) => l.includes(': stale: '))).toBe(true);
    expect(stale.stdout).not.toContain('.mlgen/gate.py');

    const victim = files.find((f) => f !== '.mlgen/gate.py')!;
    const edited = `${readFileSync(join(dir, victim), 'utf8')}\n# my own note\n`;
    writeFileSync(join(dir, victim), edited);
    const untouched = snapshotTree(dir);
    const refused = await runCli(['generate'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${victim}: edited by hand`);
    expect(refused.stderr).toContain(`mlgen adopt ${victim}`);
    expect(snapshotTree(dir)).toEqual(untouched); // nothing written, not even the stale files

    const checkEdited = await runCli(['generate', '--check'], dir);
    expect(checkEdited.code).toBe(1);
    expect(checkEdited.stdout).toContain(`${victim}: hand-edited:`);

    const forced = await runCli(['generate', '--force'], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, victim), 'utf8')).not.toContain('# my own note');
    expectCurrent(dir, files);
    expect((await runCli(['generate', '--check'], dir)).code).toBe(0);
    expect(listFiles(dir).filter((f) => f.includes('.mlgen-tmp'))).toEqual([]);
  });

  it('two runs at once leave every file whole', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'mlgen.yaml'), readFileSync(new URL('../fixtures/manifests/spec-complete.yaml', import.meta.url), 'utf8'));
    for (const round of [1, 2]) {
      if (round > 1) writeFileSync(join(dir, 'mlgen.yaml'), `${readFileSync(join(dir, 'mlgen.yaml'), 'utf8')}# round ${round}\n`);
      const runs = await Promise.all([runCli(['generate'], dir), runCli(['generate'], dir)]);
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      const check = await runCli(['generate', '--check', '--json'], dir);
      expect(check.code, check.stdout).toBe(0);
      const paths = (JSON.parse(check.stdout) as { files: { path: string }[] }).files.map((f) => f.path);
      expect(paths.length).toBeGreaterThan(0);
      expectCurrent(dir, paths);
    }
    expect(listFiles(dir).filter((f) => f.includes('.mlgen-tmp'))).toEqual([]);
  });

  it('removes the files of a target that is gone, prints a diff, and speaks JSON and quiet', async () => {
    const dir = scratch();
    const spec = readFileSync(new URL('../fixtures/manifests/spec-complete.yaml', import.meta.url), 'utf8');
    writeFileSync(join(dir, 'mlgen.yaml'), spec);
    expect((await runCli(['generate', '--quiet'], dir)).stdout).toBe('');
    writeFileSync(join(dir, 'mlgen.yaml'), spec.replace('targets: [github, gitlab, azure, jenkins]', 'targets: [github, gitlab, azure]'));
    const jenkinsFiles = listFiles(dir).filter((f) => f.endsWith('Jenkinsfile'));
    expect(jenkinsFiles.length).toBeGreaterThan(0);

    const check = await runCli(['generate', '--check', '--json'], dir);
    expect(check.code).toBe(1);
    const json = JSON.parse(check.stdout) as { files: { path: string; status: string }[] };
    expect(json.files.filter((f) => f.status === 'orphaned').map((f) => f.path).sort()).toEqual(jenkinsFiles);

    const diff = await runCli(['generate', '--diff'], dir);
    expect(diff.code).toBe(1); // something would change
    expect(diff.stdout).toContain('--- a/Jenkinsfile\n+++ /dev/null\n');
    // Only the Jenkins files go; no other file's content depends on the Jenkins target.
    expect([...diff.stdout.matchAll(/^--- a\/(\S+)$/gm)].map((m) => m[1]).sort()).toEqual(jenkinsFiles);

    const write = await runCli(['generate'], dir);
    expect(write.stdout).toContain('removed Jenkinsfile');
    expect(listFiles(dir).filter((f) => f.endsWith('Jenkinsfile'))).toEqual([]);
  });

  it('reports an invalid manifest with file:line:col and writes nothing; a bad --target is a usage error', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'mlgen.yaml'), 'version: 1\nname: demo\ntrain:\n  rnu: python train.py\n');
    const bad = await runCli(['generate'], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/mlgen\.yaml:4:3 error: .*rnu/);
    expect(listFiles(dir)).toEqual(['mlgen.yaml']);
    const usage = await runCli(['generate', '--target', 'github,circleci'], dir);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown: circleci');
  });

  it('--watch regenerates on each save (also when the editor replaces the file), survives invalid states, and stops on SIGINT', async () => {
    const dir = scratch();
    const manifest = join(dir, 'mlgen.yaml');
    writeFileSync(manifest, 'version: 1\nname: demo\ntargets: [gitlab]\ntrain:\n  run: python train.py\n');
    const child = spawn(process.execPath, [BIN, 'generate', '--watch'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const waitFor = async (what: () => boolean, label: string) => {
      for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
      if (!what()) throw new Error(`never saw ${label}; stdout:\n${stdout}\nstderr:\n${stderr}`);
    };
    try {
      await waitFor(() => stdout.includes('watching'), 'the watch start');
      expect(stdout).toContain('wrote .gitlab-ci.yml (new)');

      writeFileSync(manifest, 'version: 1\nname: demo\ntargets: [gitlab]\ntrain:\n  run: [\n');
      await waitFor(() => stderr.includes('nothing was written'), 'the invalid manifest reported');

      // Editors save by renaming a new file over the old one.
      writeFileSync(`${manifest}.swp`, 'version: 1\nname: demo\ntargets: [gitlab]\ntrain:\n  run: python train.py --fast\n');
      renameSync(`${manifest}.swp`, manifest);
      await waitFor(() => stdout.includes('wrote .gitlab-ci.yml (stale)'), 'the regeneration');
      expect(readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8')).toContain('python train.py --fast');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stdout).toContain('stopped watching');
  });
});
