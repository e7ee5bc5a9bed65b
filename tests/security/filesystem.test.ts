/**
 * The file system, end to end through the CLI (dist/, built by `npx tsc -p .`) in scratch
 * directories: nothing is written outside --out, whatever the manifest path or the symlinks
 * inside --out; no write follows a symlink out of it; file modes survive regeneration. And
 * the manifest refuses paths that are absolute or climb with `..`, POSIX and Windows style.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../src/files/index.js';
import { loadManifest } from '../../src/manifest/index.js';
import { listFiles, runCli, scratch } from '../files/cli.js';
import { fixtureText } from '../support/harness.js';
import { STACK_TRACE } from '../fuzz/invariants.js';

const MANIFEST = fixtureText('spec-complete');

function project(): { root: string; outside: string } {
  const root = scratch('mlgen-fs-');
  mkdirSync(join(root, 'repo'));
  mkdirSync(join(root, 'outside'));
  writeFileSync(join(root, 'outside', 'precious.txt'), 'keep me\n');
  writeFileSync(join(root, 'repo', 'mlgen.yaml'), MANIFEST);
  return { root, outside: join(root, 'outside') };
}

describe('nothing is written outside --out', () => {
  it('a manifest named through ../ and an --out elsewhere: files land in --out only', async () => {
    const { root } = project();
    mkdirSync(join(root, 'work'));
    const run = await runCli(['generate', '--manifest', '../repo/mlgen.yaml', '--out', '../build/ci', '-q'], join(root, 'work'));
    expect(run.code, run.stderr).toBe(0);
    const all = listFiles(root);
    expect(all.filter((f) => !f.startsWith('build/ci/') && f !== 'repo/mlgen.yaml' && f !== 'outside/precious.txt')).toEqual([]);
    expect(all).toContain('build/ci/Jenkinsfile');
  });

  it.each([
    ['a directory', '.github', (outside: string) => outside],
    ['a file', 'Jenkinsfile', (outside: string) => join(outside, 'precious.txt')],
    ['a nested directory', '.github/workflows', (outside: string) => outside],
    ['a dangling link', 'azure-pipelines.yml', (outside: string) => join(outside, 'missing.yml')],
  ])('refuses to write through %s symlinked out of --out, and writes nothing', async (_, link, target) => {
    const { root, outside } = project();
    const out = join(root, 'repo');
    mkdirSync(join(out, '.github'), { recursive: true });
    if (link === '.github') rmdirSafe(join(out, '.github'));
    symlinkSync(target(outside), join(out, link));
    const before = listFiles(root).sort();
    const run = await runCli(['generate', '--out', '.'], out);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: refusing .*(symlink|outside)/m);
    expect(run.stdout + run.stderr).not.toMatch(STACK_TRACE);
    expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('keep me\n');
    expect(listFiles(outside)).toEqual(['precious.txt']);
    expect(listFiles(root).sort()).toEqual(before);
  });

  it('a symlink that stays inside --out is followed', async () => {
    const { root } = project();
    const out = join(root, 'repo');
    mkdirSync(join(out, 'ci-files'));
    symlinkSync(join(out, 'ci-files'), join(out, 'jenkins'));
    const run = await runCli(['generate', '-q'], out);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(out, 'ci-files', 'predict.Jenkinsfile'))).toBe(true);
  });
});

function rmdirSafe(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

describe('file modes', () => {
  it('an executable Jenkinsfile stays executable when regenerated', async () => {
    const { root } = project();
    const out = join(root, 'repo');
    expect((await runCli(['generate', '-q'], out)).code).toBe(0);
    chmodSync(join(out, 'Jenkinsfile'), 0o750);
    writeFileSync(join(out, 'mlgen.yaml'), MANIFEST.replace('ruff check .', 'ruff check src'));
    const run = await runCli(['generate', '--json'], out);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).files.find((f: { path: string }) => f.path === 'Jenkinsfile').action).toBe('write');
    expect(readFileSync(join(out, 'Jenkinsfile'), 'utf8')).toContain('ruff check src');
    expect(statSync(join(out, 'Jenkinsfile')).mode & 0o777).toBe(0o750);
  });
});

describe('manifest paths stay inside the repository', () => {
  const BAD = ['/etc/passwd', '../secrets', 'model/../../x', 'C:\\Users\\x', 'C:/x', 'c:x', '..\\up', 'a\\..\\..\\b', '\\\\server\\share', '\\root'];
  const PLACES: [string, (p: string) => object][] = [
    ['train.artifacts[0]', (p) => ({ train: { run: 'x', artifacts: [p] } })],
    ['train.paths[0]', (p) => ({ train: { run: 'x', paths: [p] } })],
    ['evaluate.metrics', (p) => ({ train: { run: 'x' }, evaluate: { metrics: p } })],
    ['evaluate.baseline.file', (p) => ({ train: { run: 'x' }, evaluate: { baseline: { file: p } } })],
    ['package.dockerfile', (p) => ({ train: { run: 'x' }, package: { image: 'ghcr.io/a/b', dockerfile: p } })],
  ];
  for (const [where, build] of PLACES) {
    it.each(BAD)(`${where}: refuses %j`, (path) => {
      const result = loadManifest(toYaml({ version: 1, name: 'm', ...build(path) }), 'mlgen.yaml');
      expect(result.ok).toBe(false);
      const d = result.diagnostics.find((x) => x.message.startsWith(`${where}:`));
      expect(d?.message).toMatch(/must be relative to the repository root|may not climb out of the repository/);
      expect(d!.line).toBeGreaterThan(1);
    });
  }

  it.each(['model/', 'a..b/c', '..hidden/x', 'x/..y', 'reports/eval.html', '.cache/x'])('accepts %j', (path) => {
    expect(loadManifest(toYaml({ version: 1, name: 'm', train: { run: 'x', artifacts: [path] } })).ok).toBe(true);
  });
});
