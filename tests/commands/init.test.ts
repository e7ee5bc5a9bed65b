import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles, runCli, scratch } from '../files/cli.js';

describe('mlgen init', () => {
  it('--yes writes a valid, commented manifest from what it detects, and never overwrites one without --force', async () => {
    const dir = scratch();
    execFileSync('git', ['init', '-q', '-b', 'trunk', dir]);
    writeFileSync(join(dir, 'requirements.txt'), 'torch\n');
    writeFileSync(join(dir, 'dvc.yaml'), 'stages: {}\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM python:3.11\n');

    const first = await runCli(['init', '--yes', '--targets', 'github', '--train', 'python train.py --note "a: b # c"', '--json'], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).detected).toEqual(['requirements', 'dvc', 'dockerfile', 'git-branch']);
    const text = readFileSync(join(dir, 'mlgen.yaml'), 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=https://unpkg.com/mlgen/schemas/mlgen.schema.json\n')).toBe(true);
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
