/**
 * A file changes only when its content does (issue 15): the header carries no hash of the
 * manifest's bytes, so on every example a comment, a reordered top-level key, or a change that
 * only one target reads rewrites no other file, byte for byte and mtime for mtime.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, isMap } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CHECKOUT, runCli, scratch, snapshotTree } from '../files/cli.js';

const EXAMPLES = ['house-prices', 'fraud-canary', 'churn-propensity'];

/** Paths whose bytes or mtime differ between two snapshots (mlgen's own ignored cache aside). */
function changed(before: ReturnType<typeof snapshotTree>, after: ReturnType<typeof snapshotTree>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths]
    .filter((p) => !p.startsWith('.mlgen/cache/'))
    .filter((p) => before.get(p)?.content !== after.get(p)?.content || before.get(p)?.mtimeMs !== after.get(p)?.mtimeMs)
    .sort();
}

async function generated(example: string): Promise<string> {
  const dir = scratch(`mlgen-quiet-${example}-`);
  cpSync(join(CHECKOUT, 'examples', example), dir, { recursive: true });
  const first = await runCli(['generate', '--quiet'], dir);
  expect(first.code, first.stderr).toBe(0);
  return dir;
}

describe.each(EXAMPLES)('regenerating %s after edits that change no file', (example) => {
  it('a comment-only edit changes no file (bytes and mtimes), and generate --check passes', async () => {
    const dir = await generated(example);
    const before = snapshotTree(dir);
    const manifest = join(dir, 'mlgen.yaml');
    writeFileSync(manifest, `# A comment a reviewer added.\n${readFileSync(manifest, 'utf8')}\n# And one at the end.\n`);
    const run = await runCli(['generate'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/wrote|removed/);
    const after = snapshotTree(dir);
    expect(changed(before, after)).toEqual(['mlgen.yaml']);
    expect((await runCli(['generate', '--check'], dir)).code).toBe(0);
  });

  it('reordering the top-level keys changes no file', async () => {
    const dir = await generated(example);
    const before = snapshotTree(dir);
    const manifest = join(dir, 'mlgen.yaml');
    const doc = parseDocument(readFileSync(manifest, 'utf8'));
    expect(isMap(doc.contents)).toBe(true);
    if (isMap(doc.contents)) doc.contents.items.reverse();
    const reordered = doc.toString();
    expect(reordered).not.toBe(readFileSync(manifest, 'utf8'));
    writeFileSync(manifest, reordered);
    const run = await runCli(['generate'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(changed(before, snapshotTree(dir))).toEqual(['mlgen.yaml']);
  });

  it('an override only GitLab reads rewrites .gitlab-ci.yml and nothing else', async () => {
    const dir = await generated(example);
    const manifest = join(dir, 'mlgen.yaml');
    const doc = parseDocument(readFileSync(manifest, 'utf8'));
    doc.setIn(['overrides', 'gitlab', 'variables', 'MLGEN_QUIET_TEST'], 'yes');
    doc.setIn(['targets'], doc.createNode(['github', 'gitlab', 'azure', 'jenkins'], { flow: true }));
    writeFileSync(manifest, doc.toString());
    await runCli(['generate', '--quiet'], dir); // the targets line may add files; the override test starts after it
    const before = snapshotTree(dir);
    doc.setIn(['overrides', 'gitlab', 'variables', 'MLGEN_QUIET_TEST'], 'changed');
    writeFileSync(manifest, doc.toString());
    const run = await runCli(['generate'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(changed(before, snapshotTree(dir))).toEqual(['.gitlab-ci.yml', '.mlgen/generated.json', 'mlgen.yaml']);
  });
});
