/**
 * Writing and cleaning up, in real temp directories, with a stand-in engine (one file per
 * pipeline) so orphans and stale files do not depend on any target's output.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { regenerate, type Engine } from '../../src/engine/regenerate.js';
import { generate } from '../../src/engine/generate.js';
import { RECORD_PATH } from '../../src/files/cleanup.js';
import { addHeader, sha256, shortHash } from '../../src/files/header.js';
import { safeTarget, writeFileAtomic } from '../../src/files/write.js';
import { toYaml } from '../../src/files/yaml.js';
import { jobsIn } from '../../src/plan/index.js';
import { listFiles, scratch } from './cli.js';

/** One YAML file per pipeline, listing its jobs: enough to make files appear, change and vanish. */
const perPipeline: Engine = (text, options) => {
  const result = generate(text, options);
  if (!result.ok) return result;
  const info = { manifestPath: options.manifestPath, version: 'test' };
  const files = result.plan.pipelines.map((p) =>
    addHeader({ path: `ci/${p}.yml`, body: toYaml({ jobs: jobsIn(result.plan, p).map((j) => j.id) }), comment: '#' }, info),
  );
  return { ...result, files };
};

const manifest = (extra = '') => `version: 1\nname: demo\ntrain:\n  run: python train.py\n${extra}`;
const predict = 'pipelines:\n  predict:\n    schedule: "0 6 * * *"\n    run: python predict.py\n';

function project(text: string): string {
  const dir = scratch();
  writeFileSync(join(dir, 'mlgen.yaml'), text);
  return dir;
}

const run = (dir: string, extra: Partial<Parameters<typeof regenerate>[0]> = {}) =>
  regenerate({ manifest: join(dir, 'mlgen.yaml'), engine: perPipeline, ...extra });

describe('regenerate (stand-in engine)', () => {
  it('writes, then on a second run writes nothing and touches nothing', async () => {
    const dir = project(manifest(predict));
    const first = await run(dir);
    expect(first).toMatchObject({ kind: 'done', written: ['ci/ci.yml', 'ci/predict.yml'] });
    const stat = statSync(join(dir, 'ci/ci.yml'));
    const second = await run(dir);
    expect(second).toMatchObject({ kind: 'done', written: [], unchanged: ['ci/ci.yml', 'ci/predict.yml'] });
    expect(statSync(join(dir, 'ci/ci.yml')).mtimeMs).toBe(stat.mtimeMs);
    const hashOf = (path: string) => sha256(readFileSync(join(dir, path), 'utf8'));
    expect(JSON.parse(readFileSync(join(dir, RECORD_PATH), 'utf8')).manifests).toEqual({ 'mlgen.yaml': { 'ci/ci.yml': hashOf('ci/ci.yml'), 'ci/predict.yml': hashOf('ci/predict.yml') } });
  });

  it('removes an orphan while untouched, keeps it once edited, and without the record deletes nothing (finding 5)', async () => {
    const dir = project(manifest(predict));
    await run(dir);
    writeFileSync(join(dir, 'mlgen.yaml'), manifest());
    const removed = await run(dir);
    expect(removed).toMatchObject({ kind: 'done', removed: ['ci/predict.yml'] });
    expect(existsSync(join(dir, 'ci/predict.yml'))).toBe(false);

    writeFileSync(join(dir, 'mlgen.yaml'), manifest(predict));
    await run(dir);
    const edited = readFileSync(join(dir, 'ci/predict.yml'), 'utf8').replace('- predict', '- predict-by-hand');
    writeFileSync(join(dir, 'ci/predict.yml'), edited);
    writeFileSync(join(dir, 'mlgen.yaml'), manifest());
    const kept = await run(dir);
    expect(kept).toMatchObject({ kind: 'done', removed: [], kept: ['ci/predict.yml'] });
    expect(readFileSync(join(dir, 'ci/predict.yml'), 'utf8')).toBe(edited);

    // Without the record, a file with an untouched mlgen header is not mlgen's to delete.
    writeFileSync(join(dir, 'mlgen.yaml'), manifest(predict));
    writeFileSync(join(dir, 'ci/predict.yml'), '');
    await run(dir, { force: true });
    writeFileSync(join(dir, RECORD_PATH), '{"manifests": {}}');
    writeFileSync(join(dir, 'mlgen.yaml'), manifest());
    expect(await run(dir)).toMatchObject({ kind: 'done', removed: [] });
    expect(existsSync(join(dir, 'ci/predict.yml'))).toBe(true);
  });

  it('refuses hand-edited and foreign files without writing anything, and --force overwrites', async () => {
    const dir = project(manifest(predict));
    await run(dir);
    const edited = readFileSync(join(dir, 'ci/ci.yml'), 'utf8') + '# mine\n';
    writeFileSync(join(dir, 'ci/ci.yml'), edited);
    writeFileSync(join(dir, 'mlgen.yaml'), manifest(predict.replace('0 6', '0 7')).replace('train.py', 'train2.py'));
    const before = readFileSync(join(dir, 'ci/predict.yml'), 'utf8');
    const refused = await run(dir);
    expect(refused).toMatchObject({ kind: 'refused', refused: [{ path: 'ci/ci.yml', status: 'hand-edited' }] });
    expect(readFileSync(join(dir, 'ci/ci.yml'), 'utf8')).toBe(edited);
    expect(readFileSync(join(dir, 'ci/predict.yml'), 'utf8')).toBe(before);
    // predict.yml lists the same jobs as before: its content did not change, so neither does the file.
    expect(await run(dir, { force: true })).toMatchObject({ kind: 'done', written: ['ci/ci.yml'], unchanged: ['ci/predict.yml'] });
  });

  it('keeps file modes and leaves no temporary files', async () => {
    const dir = project(manifest());
    await run(dir);
    chmodSync(join(dir, 'ci/ci.yml'), 0o640);
    writeFileSync(join(dir, 'mlgen.yaml'), manifest('checks:\n  - name: lint\n    run: ruff check .\n'));
    expect(await run(dir)).toMatchObject({ written: ['ci/ci.yml'] });
    expect(statSync(join(dir, 'ci/ci.yml')).mode & 0o777).toBe(0o640);
    expect(listFiles(dir).filter((f) => f.includes('mlgen-tmp'))).toEqual([]);
  });

  it('never writes through a symlink that leads outside the output directory, nor outside it at all', async () => {
    const dir = project(manifest());
    const elsewhere = scratch();
    symlinkSync(elsewhere, join(dir, 'ci'));
    await expect(run(dir)).rejects.toThrow(/symlink to .* outside the output directory/);
    expect(listFiles(elsewhere)).toEqual([]);

    const inside = project(manifest());
    mkdirSync(join(inside, 'real'));
    symlinkSync(join(inside, 'real'), join(inside, 'ci'));
    await run(inside);
    expect(readFileSync(join(inside, 'real/ci.yml'), 'utf8')).toContain('# Generated by mlgen');

    const escape: Engine = (text, options) => {
      const r = perPipeline(text, options);
      return r.ok ? { ...r, files: [{ path: '../escape.yml', content: 'x' }] } : r;
    };
    await expect(run(project(manifest()), { engine: escape })).rejects.toThrow(/stay inside the output directory/);
    await expect(safeTarget(dir, '/etc/passwd')).rejects.toThrow(/relative/);
  });

  it('writes nothing for an invalid manifest, and --check/--diff (dry run) write nothing', async () => {
    const dir = project('version: 1\nname: Bad Name\n');
    expect(await run(dir)).toMatchObject({ kind: 'invalid', diagnostics: [expect.objectContaining({ line: 2 })] });
    expect(listFiles(dir)).toEqual(['mlgen.yaml']);
    writeFileSync(join(dir, 'mlgen.yaml'), manifest());
    expect(await run(dir, { dryRun: true })).toMatchObject({ kind: 'done', files: [{ path: 'ci/ci.yml', status: 'new', action: 'write' }] });
    expect(listFiles(dir)).toEqual(['mlgen.yaml']);
  });

  it('writeFileAtomic replaces content whole and keeps no temporary file on success', async () => {
    const dir = scratch();
    const file = join(dir, 'deep/x.txt');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(listFiles(dir)).toEqual(['deep/x.txt']);
  });
});
