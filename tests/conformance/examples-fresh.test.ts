/**
 * The CI files committed beside every example (issue 3, item 9) are exactly what
 * `mlgen generate --manifest examples/<name>/mlgen.yaml` writes today: every generated path
 * byte for byte, the record `.mlgen/generated.json`, and no other file with an mlgen header
 * (one mlgen no longer generates). In-process, as src/engine/regenerate.ts calls generate(): the
 * output directory is the manifest's, so headers name the manifest `mlgen.yaml`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import { contentHash, RECORD_PATH, renderRecord } from '../../src/files/record.js';
import { parseHeader } from '../../src/files/index.js';
import { exampleManifests } from '../support/harness.js';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const FIX = 'run `npm run examples` (npx tsc -p . && node scripts/generate-examples.mjs) and commit the result';

/** What the CLI writes into examples/<name>/: the generated files and the record of them. */
function expectedFiles(name: string, text: string): Map<string, string> {
  const result = generate(text, { manifestPath: 'mlgen.yaml', file: `examples/${name}/mlgen.yaml` });
  if (!result.ok) throw new Error(`examples/${name}/mlgen.yaml is invalid: ${result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('; ')}`);
  const files = new Map(result.files.map((f) => [f.path, f.content]));
  files.set(RECORD_PATH, renderRecord({ manifests: new Map([['mlgen.yaml', new Map(result.files.map((f) => [f.path, contentHash(f.content)]))]]) }));
  return files;
}

/** Every file under `dir` (relative, with /), skipping directories no example commits. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => !/(^|\/)(node_modules|__pycache__|\.git)\//.test(path))
    .sort();
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

describe('examples: committed CI files are fresh', () => {
  const examples = exampleManifests();

  it('there are examples to check', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(examples.map((e) => [e.name, e.text] as const))('examples/%s: every generated file is on disk, byte for byte', (name, text) => {
    const dir = join(EXAMPLES, name);
    const expected = expectedFiles(name, text);
    expect(expected.size).toBeGreaterThan(2);
    const stale = [...expected].filter(([path, content]) => readOrUndefined(join(dir, path)) !== content).map(([path]) => path);
    expect(stale, `examples/${name}: missing or out of date: ${stale.join(', ')}; ${FIX}`).toEqual([]);
  });

  it('a manifest change makes the files that use it stale (so the check can fail); a comment makes none', () => {
    const [first] = examples;
    const fresh = (text: string) => {
      const expected = expectedFiles(first!.name, text);
      return { all: expected.size, fresh: [...expected].filter(([path, content]) => readOrUndefined(join(EXAMPLES, first!.name, path)) === content).length };
    };
    const changed = first!.text.replace(/^(\s+run: )(.+)$/m, '$1$2 --edited');
    expect(changed).not.toBe(first!.text);
    expect(fresh(changed).fresh).toBeLessThan(fresh(changed).all);
    const commented = fresh(`${first!.text}\n# edited\n`);
    expect(commented.fresh).toBe(commented.all); // headers carry no hash of the manifest's bytes
  });

  it.each(examples.map((e) => [e.name, e.text] as const))('examples/%s: no file with an mlgen header that mlgen no longer generates', (name, text) => {
    const dir = join(EXAMPLES, name);
    const expected = expectedFiles(name, text);
    const headed = filesUnder(dir).filter((path) => parseHeader(readFileSync(join(dir, path), 'utf8')) !== undefined);
    expect(headed.length).toBeGreaterThan(0);
    const extra = headed.filter((path) => !expected.has(path));
    expect(extra, `examples/${name}: generated earlier, no longer generated: ${extra.join(', ')}; ${FIX} (it removes them)`).toEqual([]);
  });
});
