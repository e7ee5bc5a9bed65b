/** What sync lints must be the file `mlgen generate` writes, header included, wherever it runs from. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { regenerate } from '../../src/engine/regenerate.js';
import { generateForSync } from '../../src/sync/generated.js';
import { fixtureText } from '../support/harness.js';

const root = mkdtempSync(join(tmpdir(), 'mlgen-sync-generated-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('generateForSync', () => {
  it('gives the bytes generate writes next to a manifest in another directory', async () => {
    const manifest = join(root, 'sub', 'mlgen.yaml');
    mkdirSync(join(root, 'sub'));
    writeFileSync(manifest, fixtureText('spec-complete'));
    const written = await regenerate({ manifest, force: false, dryRun: false });
    expect(written.kind).toBe('done');
    const synced = await generateForSync(manifest, 'gitlab');
    if (!synced.ok) throw new Error('fixture invalid');
    const ci = synced.files.find((f) => f.path === '.gitlab-ci.yml')!;
    expect(ci.content).toBe(readFileSync(join(root, 'sub', '.gitlab-ci.yml'), 'utf8'));
  });
});
