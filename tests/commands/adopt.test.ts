/**
 * `mlgen adopt` end to end with the real GitHub, GitLab and Azure targets: after adopting,
 * regeneration reproduces each edited file (byte for byte when it was edited in mlgen's style,
 * its data when re-styled) and `--check` passes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHeader } from '../../src/files/header.js';
import { runCli, scratch, snapshotTree } from '../files/cli.js';

const SPEC = readFileSync(new URL('../fixtures/manifests/spec-complete.yaml', import.meta.url), 'utf8');
const bodyOf = (dir: string, path: string) => parseHeader(readFileSync(join(dir, path), 'utf8'))?.body;

function editFile(dir: string, path: string, from: string | RegExp, to: string | ((match: string, ...groups: string[]) => string)): string {
  const text = readFileSync(join(dir, path), 'utf8');
  const edited = typeof to === 'string' ? text.replace(from, to) : text.replace(from, to);
  expect(edited, `the edit of ${path} applies`).not.toBe(text);
  writeFileSync(join(dir, path), edited);
  return parseHeader(edited)!.body;
}

describe('mlgen adopt (end to end)', () => {
  it('adopts edits of GitHub, GitLab and Azure files; regeneration reproduces them and --check passes', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'mlgen.yaml'), SPEC);
    expect((await runCli(['generate', '-q'], dir)).code).toBe(0);

    // GitHub: the manifest already overrides train's timeout (240); the edit changes it again.
    const ciBody = editFile(dir, '.github/workflows/mlgen-ci.yml', 'timeout-minutes: 240', 'timeout-minutes: 300');
    const github = await runCli(['adopt', '.github/workflows/mlgen-ci.yml'], dir);
    expect(github.code, github.stderr).toBe(0);
    expect(github.stdout).toContain('overrides.github: jobs.train.timeout-minutes');
    expect(github.stdout).toContain('also changes .github/workflows/mlgen-retrain.yml');
    expect(bodyOf(dir, '.github/workflows/mlgen-ci.yml')).toBe(ciBody);
    expect(bodyOf(dir, '.github/workflows/mlgen-retrain.yml')).toContain('timeout-minutes: 300');
    const manifest = readFileSync(join(dir, 'mlgen.yaml'), 'utf8');
    const at = SPEC.indexOf('overrides:');
    expect(manifest.slice(0, at)).toBe(SPEC.slice(0, at)); // every byte before overrides: kept
    expect(manifest.slice(at)).toContain('# escape hatch'); // and the comment on it

    const gitlabBody = editFile(dir, '.gitlab-ci.yml', /^( {2}timeout: )1h$/m, '$12h');
    const gitlab = await runCli(['adopt', '.gitlab-ci.yml'], dir);
    expect(gitlab.code, gitlab.stderr).toBe(0);
    expect(bodyOf(dir, '.gitlab-ci.yml')).toBe(gitlabBody);

    const azureBody = editFile(dir, 'azure-pipelines.yml', /^pr:\n {2}branches:\n {4}include:\n {6}- "\*"\n/m, 'pr:\n  branches:\n    include:\n      - main\n');
    const azure = await runCli(['adopt', 'azure-pipelines.yml'], dir);
    expect(azure.code, azure.stderr).toBe(0);
    expect(bodyOf(dir, 'azure-pipelines.yml')).toBe(azureBody);

    const check = await runCli(['generate', '--check'], dir);
    expect(check.code, check.stdout).toBe(0);
    const again = snapshotTree(dir);
    expect((await runCli(['generate'], dir)).code).toBe(0);
    expect(snapshotTree(dir)).toEqual(again);
  });

  it('says why and changes nothing when an edit cannot be an override', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'mlgen.yaml'), SPEC);
    expect((await runCli(['generate', '-q'], dir)).code).toBe(0);
    editFile(dir, 'Jenkinsfile', /$/, '// my note\n');
    editFile(dir, '.gitlab-ci.yml', /^(train:\n(?: {2}.*\n)*? {2}timeout: )3h$/m, '$1~');
    const line = readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8').split('\n').indexOf('  timeout: ~') + 1;
    const before = snapshotTree(dir);
    const [jenkins, nulled] = await Promise.all([runCli(['adopt', 'Jenkinsfile'], dir), runCli(['adopt', '.gitlab-ci.yml'], dir)]);
    expect(jenkins.code).toBe(1);
    expect(jenkins.stderr).toMatch(/cannot adopt Jenkinsfile: .*not a YAML document adopt can diff.*Nothing was changed/);
    expect(nulled.code).toBe(1);
    expect(nulled.stderr).toContain(`.gitlab-ci.yml:${line}:12: train.timeout is set to null`);
    expect(snapshotTree(dir)).toEqual(before);
  });

  it('takes a re-styled file as the same data: no override, the file written as mlgen writes it, no complaint from adopt or --check', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'mlgen.yaml'), SPEC);
    expect((await runCli(['generate', '-q'], dir)).code).toBe(0);
    const generated = readFileSync(join(dir, '.github/workflows/mlgen-retrain.yml'), 'utf8');
    // Flow style, single quotes and a comment, and no change of data.
    editFile(dir, '.github/workflows/mlgen-retrain.yml', /^permissions:\n {2}contents: read\n/m, "permissions: { contents: 'read' }   # least privilege\n");
    // A real change written in flow style, with a comment, in another file.
    const gitlab = readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8');
    editFile(dir, '.gitlab-ci.yml', /^stages:\n((?: {2}- .*\n)+)/m, (_: string, items: string) => `stages: [${items.trim().split('\n').map((l) => l.replace(/^ *- /, '')).join(', ')}]  # ours\n`);
    editFile(dir, '.gitlab-ci.yml', /^(train:\n(?: {2}.*\n)*? {2}timeout: )3h$/m, "$1'4h'");

    const dry = await runCli(['adopt', '.github/workflows/mlgen-retrain.yml', '--dry-run'], dir);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('holds the data mlgen.yaml generates');
    const restyled = await runCli(['adopt', '.github/workflows/mlgen-retrain.yml'], dir);
    expect(restyled.code, restyled.stderr).toBe(0);
    expect(restyled.stdout).toMatch(/holds the data mlgen\.yaml generates.*no override.*rewrote it as mlgen writes it/);
    expect(readFileSync(join(dir, 'mlgen.yaml'), 'utf8')).toBe(SPEC);
    expect(readFileSync(join(dir, '.github/workflows/mlgen-retrain.yml'), 'utf8')).toBe(generated);

    const changed = await runCli(['adopt', '.gitlab-ci.yml'], dir);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('overrides.gitlab: train.timeout');
    expect(changed.stdout).toContain('.gitlab-ci.yml is now written as mlgen writes them');
    // mlgen's block style back, with the adopted value in it.
    expect(bodyOf(dir, '.gitlab-ci.yml')).toBe(parseHeader(gitlab)!.body.replace(/^(train:\n(?: {2}.*\n)*? {2}timeout: )3h$/m, '$14h'));
    const check = await runCli(['generate', '--check'], dir);
    expect(check.code, check.stdout).toBe(0);
  });
});
