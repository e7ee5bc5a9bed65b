/**
 * Templates precompiled by the build (scripts/build-templates.mjs) render exactly what the same
 * templates compiled at run time render; a template whose file changed since the build is
 * compiled from the file, not taken from the build.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
// @ts-expect-error: a build script in plain JS
import { COMPILE_OPTIONS as BUILD_OPTIONS, precompiledModule } from '../../scripts/build-templates.mjs';
import type { PrecompiledTemplate } from '../../src/templates-precompiled.js';

const FIXTURES = new URL('../fixtures/manifests/', import.meta.url);
const scratch = mkdtempSync(join(tmpdir(), 'mlgen-precompiled-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function built(): Promise<Record<string, PrecompiledTemplate>> {
  const file = join(scratch, 'templates-precompiled.mjs');
  writeFileSync(file, (precompiledModule as () => string)());
  return ((await import(pathToFileURL(file).href)) as { PRECOMPILED: Record<string, PrecompiledTemplate> }).PRECOMPILED;
}

/** Every fixture manifest's files, with templates.ts seeing `precompiled` as the build's output. */
async function generateAll(precompiled: Record<string, PrecompiledTemplate>): Promise<Record<string, string>> {
  vi.resetModules();
  vi.doMock('../../src/templates-precompiled.js', () => ({ PRECOMPILED: precompiled }));
  const { generate } = await import('../../src/engine/generate.js');
  const out: Record<string, string> = {};
  for (const name of readdirSync(FIXTURES).sort()) {
    const result = generate(readFileSync(new URL(name, FIXTURES), 'utf8'), { manifestPath: 'mlgen.yaml' });
    if (!result.ok) throw new Error(`${name} is invalid`);
    for (const file of result.files) out[`${name}: ${file.path}`] = file.content;
  }
  vi.doUnmock('../../src/templates-precompiled.js');
  return out;
}

describe('precompiled templates', () => {
  it('precompiles with the options templates.ts compiles with', async () => {
    const { COMPILE_OPTIONS } = await import('../../src/templates.js');
    expect(BUILD_OPTIONS).toEqual(COMPILE_OPTIONS);
  });

  it('render every fixture byte for byte as templates compiled at run time (Jenkins with its partials, the gate script)', async () => {
    const precompiled = await built();
    expect(Object.keys(precompiled)).toEqual(expect.arrayContaining(['gate/gate.py.hbs', 'jenkins/Jenkinsfile.hbs', 'jenkins/partials/agent.hbs']));
    const runtime = await generateAll({});
    expect(Object.keys(runtime).some((k) => k.endsWith('Jenkinsfile'))).toBe(true);
    expect(await generateAll(precompiled)).toEqual(runtime);
  });

  it('are used while the file reads the same, and ignored once it differs', async () => {
    const precompiled = await built();
    const gate = 'gate/gate.py.hbs';
    const stub = (source: string) => ({ ...precompiled, [gate]: { source, spec: precompiled['jenkins/partials/when.hbs']!.spec } });
    const runtime = await generateAll({});
    const gateFiles = (files: Record<string, string>) => Object.entries(files).filter(([k]) => k.endsWith('.mlgen/gate.py'));
    // Same text as the file: the (deliberately wrong) precompiled template is what renders.
    expect(gateFiles(await generateAll(stub(precompiled[gate]!.source)))).not.toEqual(gateFiles(runtime));
    // The file changed since the build: compiled from the file.
    expect(gateFiles(await generateAll(stub(`${precompiled[gate]!.source}changed`)))).toEqual(gateFiles(runtime));
  });
});
