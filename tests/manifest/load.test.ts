/**
 * loadManifest at the YAML level: syntax, structure, unknown keys, positions, limits, and
 * every problem reported at once. Positions are asserted exactly on small inline manifests.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, LIMITS, loadManifest } from '../../src/manifest/index.js';
import { accepts, at, BASE, diagnose, only, text } from './diagnose.js';

describe('YAML problems', () => {
  it.each([
    ['an empty file', ''],
    ['only whitespace', '\n\n   \n'],
    ['only comments', '# mlgen.yaml\n# nothing yet\n'],
  ])('refuses %s, showing a minimal manifest', (_, source) => {
    const d = only(source);
    expect(at(d)).toBe('1:1 the manifest is empty');
    expect(d.hint).toContain('version: 1');
  });

  it.each([
    ['a scalar', 'house-prices\n', '1:1'],
    ['a list', '- version: 1\n- name: m\n', '1:1'],
  ])('refuses a file that is %s, not a mapping', (_, source, position) => {
    expect(at(only(source))).toBe(`${position} the manifest must be a mapping of keys (version, name, ...)`);
  });

  it('reports a syntax error where the parser noticed it', () => {
    // An unclosed quote runs to the end of the file, where the parser gives up.
    const d = only(text('version: 1', 'name: m', 'train:', '  run: "python train.py', 'checks: []'));
    expect(at(d)).toBe('6:1 YAML syntax: Missing closing "quote');
  });

  it('reports an unclosed flow list', () => {
    const d = only(text('version: 1', 'name: [m'));
    expect(d.message).toMatch(/^YAML syntax: .*\]/);
    expect(d.line).toBe(3);
  });

  it('refuses a duplicate key at the second occurrence, top level and nested', () => {
    expect(at(only(text('version: 1', 'name: m', 'name: n')))).toBe('3:1 this key appears twice in the same mapping');
    const nested = only(text(...BASE, '  timeout: 1h', '  timeout: 2h'));
    expect(at(nested)).toBe('6:3 this key appears twice in the same mapping');
    expect(nested.hint).toMatch(/silently use the last/);
  });

  it('refuses tabs used for indentation', () => {
    const d = only(text('version: 1', 'name: m', 'train:', '\trun: python train.py'));
    expect([d.line, d.column]).toEqual([4, 1]);
    expect(d.message).toMatch(/tab/i);
    expect(d.hint).toBe('indent with spaces, not tabs');
  });

  it('reads CRLF line endings and a byte order mark with the right positions', () => {
    expect(at(only('version: 1\r\nname: M\r\n'))).toMatch(/^2:7 name: /);
    expect(accepts('\uFEFFversion: 1\nname: m\n').name).toBe('m');
  });
});

describe('unknown keys', () => {
  it('at the top level, with "did you mean" and the allowed keys', () => {
    const d = only(text('version: 1', 'name: m', 'trian:', '  run: x'));
    expect(at(d)).toBe('3:1 unknown key "trian"; did you mean "train"?');
    expect(d.length).toBe(5);
    expect(d.path).toEqual(['trian']);
    expect(d.hint).toContain('version, name, targets, defaults, data, checks, train, evaluate');
    expect(d.hint).not.toContain('$schema');
  });

  it.each([
    [['version: 1', 'name: m', 'train:', '  run: x', '  timout: 3h'], '5:3 unknown key "timout" in train; did you mean "timeout"?'],
    [['version: 1', 'name: m', 'checks:', '  - name: unit', '    runs: pytest'], '5:5 unknown key "runs" in checks[0]; did you mean "run"?'],
    [['version: 1', 'name: m', 'deploy:', '  canary:', '    step: [10]', '    run: x'], '5:5 unknown key "step" in deploy.canary; did you mean "steps"?'],
    [[...BASE, 'pipelines:', '  retrain:', '    triggers:', '      - { mode: full, shedule: "0 3 * * *" }'], '8:23 unknown key "shedule" in pipelines.retrain.triggers[0]; did you mean "schedule"?'],
    [['version: 1', 'name: m', 'overrides:', '  jenkins:', '    agnet: linux'], '5:5 unknown key "agnet" in overrides.jenkins; did you mean "agent"?'],
    [['version: 1', 'name: m', 'defaults:', '  pyhton: "3.11"'], '4:3 unknown key "pyhton" in defaults; did you mean "python"?'],
  ])('nested: %j', (lines, expected) => {
    // A misspelt required key is also reported missing; the unknown key is the useful one.
    const d = diagnose(text(...lines)).find((x) => x.message.startsWith('unknown key'))!;
    expect(at(d)).toBe(expected);
    expect(d.hint).toMatch(/^the keys allowed here are: /);
  });

  it('without a close match, no guess', () => {
    expect(at(only(text('version: 1', 'name: m', 'kubernetes: true')))).toBe('3:1 unknown key "kubernetes"');
  });

  it('allows $schema at the top level only', () => {
    accepts(text('$schema: https://unpkg.com/mlgen/schemas/mlgen.schema.json', 'version: 1', 'name: m'));
    expect(at(only(text('version: 1', 'name: m', 'train:', '  $schema: x', '  run: y')))).toBe('4:3 unknown key "$schema" in train');
  });

  it('leaves the platform overrides free-form', () => {
    accepts(text('version: 1', 'name: m', 'overrides:', '  github: { anything: { goes: [1, 2] } }', '  gitlab: { variables: { X: "1" } }', '  azure: { name: x }'));
  });
});

describe('missing keys and wrong types', () => {
  it('a missing top-level key points at the document', () => {
    const d = only(text('version: 1'));
    expect(at(d)).toBe('1:1 missing required key "name"');
    expect(d.hint).toMatch(/project name/);
  });

  it('a missing nested key points at its parent key', () => {
    expect(at(only(text('version: 1', 'name: m', 'train:', '  paths: [src/**]')))).toBe('3:1 missing required key "run" in train');
  });

  it('a wrong type names the key, what it must be and what it is', () => {
    expect(at(only(text('version: 1', 'name: m', 'train: python train.py')))).toBe('3:8 train must be a mapping, not the text "python train.py"');
    expect(at(only(text('version: 1', 'name: m', 'checks: pytest')))).toBe('3:9 checks must be a list, not the text "pytest"');
    expect(at(only(text(...BASE, '  timeout: 60')))).toBe('5:12 train.timeout must be text, not the number 60');
    expect(at(only(text('version: 1', 'name: m', 'data:')))).toBe('3:1 data must be a mapping, not empty (null)');
  });

  it('an empty list or text says so', () => {
    expect(at(only(text('version: 1', 'name: m', 'targets: []')))).toBe('3:10 targets cannot be an empty list: name at least one item, or leave the key out');
    expect(at(only(text(...BASE, '  image: ""')))).toBe('5:10 train.image cannot be empty');
  });
});

describe('every problem at once, in file order', () => {
  it('reports YAML-valid manifests with many problems together', () => {
    const diagnostics = diagnose(
      text('version: 2', 'name: House', 'train:', '  run: x', '  timeout: 5x', 'extra: 1', 'secrets: [api_token]', 'deploy:', '  canary: { steps: [50, 10], run: y }'),
    );
    expect(diagnostics.map(at)).toEqual([
      '1:10 version: must be 1, the only manifest version so far',
      expect.stringMatching(/^2:7 name: a project name holds only lowercase letters/),
      '5:12 train.timeout: "5x" is not a duration: write a whole number and a unit, such as 30s, 15m, 3h or 3d',
      '6:1 unknown key "extra"',
      expect.stringMatching(/^7:11 secrets\[0\]: a secret is named in UPPER_SNAKE_CASE/),
      '9:20 deploy.canary.steps: canary steps must strictly increase, e.g. [10, 50]',
    ]);
    expect(diagnostics.every((d) => d.file === 'mlgen.yaml' && d.severity === 'error')).toBe(true);
  });

  it('reports every YAML error, not just the first', () => {
    const diagnostics = diagnose(text('version: 1', 'name: m', 'name: n', 'train:', '  run: x', '  run: y'));
    expect(diagnostics.map(at)).toEqual(['3:1 this key appears twice in the same mapping', '6:3 this key appears twice in the same mapping']);
  });
});

describe('limits against hostile files', () => {
  it('refuses a file over the size limit without parsing it', () => {
    const d = only(`version: 1\nname: m\n# ${'x'.repeat(LIMITS.bytes)}\n`);
    expect(d.message).toMatch(/mlgen reads at most 1000000/);
  });

  it('refuses an alias bomb', () => {
    const d = only(
      text('version: 1', 'name: m', 'overrides:', '  github:', '    a: &a [x, x, x, x, x, x, x, x, x, x]', `    b: &b [${Array(10).fill('*a').join(', ')}]`, `    c: [${Array(120).fill('*b').join(', ')}]`),
    );
    expect(d.message).toMatch(/^cannot expand YAML aliases/);
  });

  it('refuses nesting deeper than the limit', () => {
    const depth = LIMITS.depth + 5;
    expect(only(text('version: 1', 'name: m', 'overrides:', `  github: { x: ${'['.repeat(depth)}${']'.repeat(depth)} }`)).message).toBe(
      `the manifest nests deeper than ${LIMITS.depth} levels`,
    );
  });

  it('accepts a few aliases, as people use them', () => {
    accepts(text('version: 1', 'name: m', 'defaults:', '  runner: &gpu [self-hosted, gpu]', 'train:', '  run: x', '  runner: *gpu'));
  });
});

describe('formatting', () => {
  it('prints file:line:col, the line, a caret under the place and the hint', () => {
    const source = text('version: 1', 'name: m', 'train:', '  run: x', '  timout: 3h');
    const d = only(source);
    expect(formatDiagnostic(d, source).split('\n')).toEqual([
      'mlgen.yaml:5:3 error: unknown key "timout" in train; did you mean "timeout"?',
      '5 |   timout: 3h',
      '  |   ^^^^^^',
      '  hint: the keys allowed here are: run, paths, image, runner, install, timeout, gpu, artifacts',
    ]);
  });

  it('uses the file name it was given', () => {
    const result = loadManifest('version: 1\n', 'services/a/mlgen.yaml');
    expect(result.diagnostics[0]!.file).toBe('services/a/mlgen.yaml');
  });
});
