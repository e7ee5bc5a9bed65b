/**
 * Text that is valid to one reader and not to another (security review, findings 15, 16, 24):
 * invalid UTF-8 is refused at its position instead of becoming U+FFFD; NEL, LINE and PARAGRAPH
 * SEPARATOR reach YAML 1.1 readers (PyYAML here, as GitLab's Ruby reads 1.1) as themselves;
 * keys JavaScript treats specially are positioned errors instead of vanishing.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Document, parse } from 'yaml';
import { readManifestFile } from '../../src/engine/read-manifest.js';
import { generate } from '../../src/engine/generate.js';
import { toYaml } from '../../src/files/yaml.js';
import { loadManifest } from '../../src/manifest/index.js';
import { findInvalidUtf8 } from '../../src/manifest/utf8.js';
import { scratch } from '../files/cli.js';
import { at, BASE, diagnose, text } from './diagnose.js';

/** PyYAML's safe_load (YAML 1.1) of `yamlText`, or the error it raises. */
function pyyamlOrError(yamlText: string): { value?: unknown; error?: string } {
  const run = spawnSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: yamlText, encoding: 'utf8' });
  return run.status === 0 ? { value: JSON.parse(run.stdout) } : { error: run.stderr };
}

function pyyaml(yamlText: string): unknown {
  const { value, error } = pyyamlOrError(yamlText);
  expect(error).toBeUndefined();
  return value;
}

describe('finding 15: invalid UTF-8 is refused at its position', () => {
  it.each([
    ['a lone continuation byte', Buffer.from('version: 1\nname: m\n  x: \x80'.replace('\x80', ''), 'utf8'), 3, 6, [0x80]],
    ['0xff', Buffer.from('version: 1\n'), 2, 1, [0xff]],
    ['an overlong encoding', Buffer.from('a: é'), 1, 5, [0xc0, 0xaf]],
    ['a surrogate', Buffer.from('ab'), 1, 3, [0xed, 0xa0, 0x80]],
    ['a truncated sequence at the end', Buffer.from('x'), 1, 2, [0xe2, 0x82]],
  ])('%s', (_what, prefix, line, column, bad) => {
    const bytes = Buffer.concat([prefix, Buffer.from(bad)]);
    expect(findInvalidUtf8(bytes)).toMatchObject({ line, column });
    const dir = scratch('mlgen-utf8-');
    writeFileSync(join(dir, 'mlgen.yaml'), bytes);
    expect(() => readManifestFile(join(dir, 'mlgen.yaml'), '')).toThrow(new RegExp(`mlgen\\.yaml:${line}:${column}: the manifest is not valid UTF-8 \\(byte 0x${bad[0]!.toString(16)}\\)`));
  });

  it('valid UTF-8 of every length passes (negative control)', () => {
    expect(findInvalidUtf8(Buffer.from('name: é ✓ 𝄞 \u2028'))).toBeUndefined();
  });
});

describe('finding 16: U+2028, U+2029 and U+0085 survive YAML 1.1 and 1.2 readers', () => {
  const values = { a: 'echo one\u2028two', b: 'echo p\u0085q', c: 'r\u2029s', 'key\u2028x': 'v' };

  it('toYaml double-quotes and escapes them; PyYAML and yaml (1.2) read back the same strings', () => {
    const written = toYaml(values);
    expect(written).not.toMatch(/[\u0085\u2028\u2029]/);
    expect(pyyaml(written)).toEqual(values);
    expect(parse(written)).toEqual(values);
  });

  it('negative control: the yaml package alone writes them raw, and PyYAML then reads something else', () => {
    const raw = new Document(values, { version: '1.1' }).toString({ lineWidth: 0 });
    expect(raw).toMatch(/[\u0085\u2028\u2029]/);
    expect(pyyamlOrError(raw).value).not.toEqual(values);
  });

  it('a command with U+2028 reaches .gitlab-ci.yml as written, read by PyYAML', () => {
    const result = generate(text(...BASE.slice(0, 3), '  run: "python train.py\u2028--fast"'), { manifestPath: 'mlgen.yaml', targets: ['gitlab'] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const ci = result.files.find((f) => f.path === '.gitlab-ci.yml')!.content;
    expect(JSON.stringify(pyyaml(ci))).toContain('python train.py\u2028--fast');
  });
});

describe('a command with a line of one blank between breaks reaches every YAML file as written', () => {
  // Found by the "every style" round-trip property: yaml 2.9 folds a long double-quoted string
  // at its line breaks and writes the lone blank of "\n \n" as an escaped backslash.
  const command = "echo \n   echo \"\"\" ${VAR} ' \n \n  ";

  it('toYaml keeps it; yaml (1.1 and 1.2) and PyYAML read back the same command', () => {
    const written = toYaml({ script: [command] });
    expect(parse(written)).toEqual({ script: [command] });
    expect(parse(written, { version: '1.1' })).toEqual({ script: [command] });
    expect(pyyaml(written)).toEqual({ script: [command] });
  });

  it('negative control: the yaml package with folding reads back a different command', () => {
    const folded = new Document({ script: [command] }, { version: '1.1' }).toString({ lineWidth: 0 });
    expect(parse(folded)).not.toEqual({ script: [command] });
  });

  it('generated .gitlab-ci.yml, workflows and azure-pipelines.yml carry it unchanged', () => {
    const result = generate(text(...BASE.slice(0, 3), `  run: ${JSON.stringify(command)}`), { manifestPath: 'mlgen.yaml', targets: ['gitlab', 'github', 'azure'] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    for (const file of result.files.filter((f) => /\.ya?ml$/.test(f.path))) {
      const strings: string[] = [];
      JSON.stringify(pyyaml(file.content), (_, v) => (typeof v === 'string' && strings.push(v), v));
      expect(strings.some((s) => s.includes(command)), file.path).toBe(true);
    }
  });

  it('a command of blanks alone is refused: it would run nothing', () => {
    const loaded = loadManifest(text(...BASE.slice(0, 3), '  run: "\\n \\n"'));
    expect(loaded.ok).toBe(false);
    expect(loaded.diagnostics.map((d) => d.message).join('\n')).toMatch(/only blanks/);
  });
});

describe('finding 24: __proto__, constructor and prototype keys are positioned errors', () => {
  it.each([
    ['overrides.gitlab.__proto__', ['overrides:', '  gitlab:', '    __proto__: { image: evil }'], '7:5'],
    ['overrides.github.jobs.constructor', ['overrides:', '  github:', '    jobs:', '      constructor: { runs-on: x }'], '8:7'],
    ['evaluate.baseline.tolerance.__proto__', ['evaluate:', '  metrics: metrics.json', '  gates: [{ metric: mae, max: 1 }]', '  baseline:', '    file: b.json', '    fetch: ./fetch.sh', '    tolerance:', '      __proto__: 0.5'], '12:7'],
  ])('%s', (path, lines, position) => {
    const diagnostics = diagnose(text(...BASE, ...lines));
    expect(diagnostics.map(at)).toEqual([`${position} ${path}: the key "${path.split('.').pop()}" is reserved (JavaScript objects treat it specially), so mlgen refuses it`]);
  });
});

describe('finding 23: a schedule is one line', () => {
  it.each(['0 6 * * *\\n', '0 6 * * *\\nH * * * *', '0 6 * * *\\r'])('refuses %j (Jenkins would read each line as another schedule)', (schedule) => {
    const diagnostics = diagnose(text(...BASE, 'pipelines:', '  predict:', `    schedule: "${schedule}"`, '    run: python predict.py'));
    expect(diagnostics.map(at)).toEqual(['7:15 pipelines.predict.schedule: a cron expression is one line of printable characters (no newline or control character)']);
  });

  it('negative control: the same schedule on one line is accepted', () => {
    expect(loadManifest(text(...BASE, 'pipelines:', '  predict:', '    schedule: "0 6 * * *"', '    run: python predict.py'), 'mlgen.yaml').ok).toBe(true);
  });
});
