import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKOUT, listFiles, runCli, scratch } from '../files/cli.js';

describe('mlgen init', () => {
  it('writes only what it found: a note where no requirements file is, no "-" as the training command, and says which existing CI keeps running', async () => {
    const dir = scratch('mlgen-init-found-');
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, '.github/workflows/ci.yml'), 'on: push\njobs: {}\n');
    writeFileSync(join(dir, '.gitlab-ci.yml'), 'test:\n  script: [pytest]\n');
    writeFileSync(join(dir, 'dvc.yaml'), 'stages: {}\n'); // DVC files, but dvc is no dependency
    const dash = await runCli(['init', '--yes', '--train', '-'], dir);
    expect(dash.code).toBe(2);
    expect(dash.stderr).toContain('the training command is required');
    const run = await runCli(['init', '--yes', '--no-import', '--name', 'demo', '--targets', 'github,gitlab'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("note: .github/workflows/ci.yml will keep running beside mlgen's workflows");
    expect(run.stdout).toContain('note: .gitlab-ci.yml exists and was not written by mlgen');
    expect(run.stdout).toContain('mlgen generate --replace');
    const text = readFileSync(join(dir, 'mlgen.yaml'), 'utf8');
    expect(text).toContain('# No requirements.txt or pyproject.toml was found');
    expect(text).not.toMatch(/^\s+pull: dvc pull/m);
    expect((await runCli(['validate'], dir)).code).toBe(0);
  });

  it('points $schema at the schema installed with mlgen, relative to the manifest, so editors work offline', async () => {
    const project = scratch('mlgen-init-schema-');
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(CHECKOUT, join(project, 'node_modules/mlgen')); // what `npm install` of a clone or tarball puts there
    mkdirSync(join(project, 'ml'));
    const run = await runCli(['init', '--yes', '--name', 'demo', '--targets', 'github'], join(project, 'ml'));
    expect(run.code, run.stderr).toBe(0);
    const manifest = join(project, 'ml/mlgen.yaml');
    const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(manifest, 'utf8'))?.[1];
    expect(ref).toBe('../node_modules/mlgen/schemas/mlgen.schema.json');
    const schema = JSON.parse(readFileSync(resolve(dirname(manifest), ref!), 'utf8')) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['version', 'name', 'train']));
  });

  it('--yes writes a valid, commented manifest from what it detects, and never overwrites one without --force', async () => {
    const dir = scratch();
    execFileSync('git', ['init', '-q', '-b', 'trunk', dir]);
    writeFileSync(join(dir, 'requirements.txt'), 'torch\ndvc[s3]==3.59.1\n');
    writeFileSync(join(dir, 'dvc.yaml'), 'stages: {}\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM python:3.11\n');

    const first = await runCli(['init', '--yes', '--targets', 'github', '--train', 'python train.py --note "a: b # c"', '--json'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).detected).toEqual(['requirements', 'dvc', 'dockerfile', 'git-branch']);
    const text = readFileSync(join(dir, 'mlgen.yaml'), 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=node_modules/mlgen/schemas/mlgen.schema.json\n')).toBe(true);
    expect(text).toContain('  branch: trunk');
    expect(text).toContain('  pull: dvc pull');
    expect(text).toContain('# package:');
    const valid = await runCli(['validate'], dir);
    expect(valid.code, valid.stderr).toBe(0);

    const again = await runCli(['init', '--yes', '--name', 'other'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('mlgen.yaml already exists');
    expect(readFileSync(join(dir, 'mlgen.yaml'), 'utf8')).toBe(text);

    const forced = await runCli(['init', '--yes', '--force', '--name', 'other', '--image', 'ghcr.io/acme/other'], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(dir, 'mlgen.yaml'), 'utf8')).toContain('name: other\n');
    expect(readFileSync(join(dir, 'mlgen.yaml'), 'utf8')).toContain('  image: ghcr.io/acme/other\n');
    expect((await runCli(['validate'], dir)).code).toBe(0);
    expect(listFiles(dir).filter((f) => f.includes('mlgen-tmp'))).toEqual([]);
  });

  it('without a terminal and without --yes, or with a bad answer, it is a usage error and writes nothing', async () => {
    const dir = scratch();
    const [noTty, badName] = await Promise.all([runCli(['init'], dir), runCli(['init', '--yes', '--name', 'Bad Name'], dir)]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('pass --yes');
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('--name "Bad Name"');
    expect(listFiles(dir)).toEqual([]);
  });
});
