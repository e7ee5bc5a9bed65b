/**
 * A project that already has CI switches to mlgen: `generate` refuses a foreign file and says
 * how to proceed; `--replace` moves it to PATH.mlgen-backup in the same all-or-nothing run and
 * writes the generated file; later runs, and orphan cleanup, never delete the backup.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHeader } from '../../src/files/header.js';
import { listFiles, runCli, scratch, snapshotTree } from '../files/cli.js';

const HAND_WRITTEN = 'stages: [test]\nunit:\n  stage: test\n  script: [pytest]\n';
const manifest = (targets: string) => `version: 1\nname: demo\ntargets: [${targets}]\ntrain:\n  run: python train.py\n`;

function project(targets = 'gitlab, github'): string {
  const dir = scratch('mlgen-replace-');
  writeFileSync(join(dir, 'mlgen.yaml'), manifest(targets));
  writeFileSync(join(dir, '.gitlab-ci.yml'), HAND_WRITTEN);
  return dir;
}

describe('generate over an existing hand-written CI file', () => {
  it('refuses, changes nothing, and names --replace, adopt does the same', async () => {
    const dir = project();
    const before = snapshotTree(dir);
    const run = await runCli(['generate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('.gitlab-ci.yml: exists and was not written by mlgen');
    expect(run.stderr).toContain('mlgen generate --replace (moves it to .gitlab-ci.yml.mlgen-backup');
    expect(run.stderr).not.toContain('mlgen adopt');
    expect(snapshotTree(dir)).toEqual(before);

    const check = await runCli(['generate', '--check'], dir);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('mlgen generate --replace');

    const adopt = await runCli(['adopt', '.gitlab-ci.yml'], dir);
    expect(adopt.code).toBe(1);
    expect(adopt.stderr).toMatch(/not written by mlgen.*mlgen generate --replace/);
  });

  it('--replace keeps the old file as .gitlab-ci.yml.mlgen-backup and writes the generated one', async () => {
    const dir = project();
    const run = await runCli(['generate', '--replace'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('moved .gitlab-ci.yml to .gitlab-ci.yml.mlgen-backup');
    expect(readFileSync(join(dir, '.gitlab-ci.yml.mlgen-backup'), 'utf8')).toBe(HAND_WRITTEN);
    expect(parseHeader(readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8'))).toBeDefined();
    expect(readFileSync(join(dir, '.mlgen/generated.json'), 'utf8')).not.toContain('mlgen-backup');
    expect((await runCli(['generate', '--check'], dir)).code).toBe(0);

    // Dropping the GitLab target removes the generated .gitlab-ci.yml (an orphan), never the backup.
    writeFileSync(join(dir, 'mlgen.yaml'), manifest('github'));
    const drop = await runCli(['generate'], dir);
    expect(drop.code, drop.stderr).toBe(0);
    expect(drop.stdout).toContain('removed .gitlab-ci.yml');
    expect(readFileSync(join(dir, '.gitlab-ci.yml.mlgen-backup'), 'utf8')).toBe(HAND_WRITTEN);
  });

  it('a second --replace picks the next free backup name; --replace with --force is a usage error', async () => {
    const dir = project();
    writeFileSync(join(dir, '.gitlab-ci.yml.mlgen-backup'), 'older backup\n');
    const run = await runCli(['generate', '--replace', '--quiet'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(dir, '.gitlab-ci.yml.mlgen-backup'), 'utf8')).toBe('older backup\n');
    expect(readFileSync(join(dir, '.gitlab-ci.yml.mlgen-backup-2'), 'utf8')).toBe(HAND_WRITTEN);
    const both = await runCli(['generate', '--replace', '--force'], dir);
    expect(both.code).toBe(2);
  });

  it('--replace also keeps a hand-edited generated file as its backup; the refusal names adopt, --force and --replace', async () => {
    const dir = project('gitlab, github');
    expect((await runCli(['generate', '--replace', '--quiet'], dir)).code).toBe(0);
    const workflow = join(dir, '.github/workflows/mlgen-ci.yml');
    const edited = `${readFileSync(workflow, 'utf8')}# my note\n`;
    writeFileSync(workflow, edited);
    const refused = await runCli(['generate'], dir);
    expect(refused.stderr).toContain('mlgen adopt .github/workflows/mlgen-ci.yml');
    expect(refused.stderr).toContain('--replace, which keeps each old file');
    const replaced = await runCli(['generate', '--replace'], dir);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(readFileSync(`${workflow}.mlgen-backup`, 'utf8')).toBe(edited);
    expect(readFileSync(workflow, 'utf8')).not.toContain('# my note');
    // GitHub runs only .yml and .yaml files under .github/workflows: the backup is inert there.
    expect(listFiles(dir).filter((f) => f.startsWith('.github/workflows/') && /\.ya?ml$/.test(f))).not.toContain('.github/workflows/mlgen-ci.yml.mlgen-backup');
  });

  it('--diff exits 1 when something would change or be refused, 0 when nothing would', async () => {
    const dir = project();
    const refused = await runCli(['generate', '--diff'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('would be refused');
    expect((await runCli(['generate', '--replace', '--quiet'], dir)).code).toBe(0);
    const same = await runCli(['generate', '--diff'], dir);
    expect(same.code).toBe(0);
    expect(same.stdout).not.toContain('---');
    writeFileSync(join(dir, 'mlgen.yaml'), manifest('gitlab, github').replace('train.py', 'train.py --fast'));
    const differs = await runCli(['generate', '--diff'], dir);
    expect(differs.code).toBe(1);
    expect(differs.stdout).toContain('+++ b/.gitlab-ci.yml');
    expect(existsSync(join(dir, '.gitlab-ci.yml.mlgen-backup-2'))).toBe(false);
  });
});
