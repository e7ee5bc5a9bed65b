/**
 * Hostile strings per field, drawn from the destinations table (src/manifest/destinations.ts):
 * for each field a value that fits its grammar, broken by fragments that are dangerous in the
 * destinations that field reaches. And how to place a value at a field of a full manifest.
 */
import fc from 'fast-check';
import type { Destination, FieldDestinations, Grammar } from '../../src/manifest/destinations.js';
import { HOSTILE_COMMANDS } from '../support/adversarial.js';

/** What is dangerous in each destination. */
export const HOSTILE_FRAGMENTS: Record<Destination, readonly string[]> = {
  'yaml-scalar': [': ', '- ', ' #', '&a ', '*a', '!!str ', '%', '@', '`', '|', '>', '? ', '{', '}', '[', ']', ',', '"', "'", 'on', 'yes', '010', '1:30', '~', 'null', '\u2028', '\u2029', '\u0085', '\t', '\n---\n', '\n...\n', '\ufeff'],
  'shell-command': ['$(id)', '`id`', ';', '&&', '||', '|', "'", '"', '\\', '\n', '$HOME', '*', ' ', '#', '<', '>', '!', '<<EOF\n'],
  'shell-word': ['$(id)', '`id`', ';', '&', '|', "'", '"', '\\', '\n', '$HOME', '*', ' ', '-rf', '--', '~'],
  'groovy-single-quoted': ["'", "'''", '\\', '${x}', '"', '\n', '\r', '\\u0041', '$/', '*/', '/*', '\\\''],
  'github-expression': ['${{', '}}', '${{ secrets.GITHUB_TOKEN }}', "' || true || '", '==', '(', ')', "'"],
  'azure-macro': ['$(System.AccessToken)', '$[ variables.x ]', '${{ variables.x }}', '$(', ')', '$[', ']', "'"],
  'python-string': ['"', "'", '\\', '"""', '\n', '\\x00', "'''", '#', '\u2028', '\ud800'],
  'header-comment': ['\n', '\r', '\u2028', '\u2029', '\u0085', '\f', '\v', '\u001b]0;title\u0007', '*/', '\\', '\nnode { sh "id" }\n', '\n__import__("os").system("id") #', '\\u000a', '\\u000anode { sh "id" }\\u000a', '%0A', '%'],
  'gitlab-expanded': ['$SECRET', '${CI_JOB_TOKEN}', '$$', '%SECRET%', '$CI_REGISTRY_PASSWORD'],
  'ant-pattern': [',', ' ', '**', '../', ',../../x'],
  glob: ['~/', '/', '**', '!', '..', '\n/etc/passwd', '~root/'],
};

/** A value each grammar accepts, which hostile fragments then break. */
export const VALID: Record<Grammar, readonly string[]> = {
  command: ['python train.py'],
  'image-reference': ['python:3.11-slim', 'ghcr.io/acme/train:1.4'],
  // Not a label a target treats specially (ubuntu-latest, self-hosted, gpu choose other agents).

  'package-image': ['ghcr.io/acme/model'],
  'runner-label': ['linux-large', 'team-runner'],
  'workspace-path': ['model/', 'src/**/*.py'],
  'http-url': ['https://staging.example.com/health?x=1'],
  cron: ['15 4 * * *'],
  'metric-name': ['val_mae'],
  'secret-name': ['API_TOKEN'],
  'variable-name': ['MODEL_STAGE'],
  'variable-value': ['plain text'],
  slug: ['nightly-drift'],
  branch: ['release/v1'],
  approver: ['ml-leads'],
  'manifest-path': ['services/model/mlgen.yaml'],
};

/** A valid value with up to four hostile fragments of the field's destinations spliced in. */
export function hostileValue(entry: FieldDestinations): fc.Arbitrary<string> {
  const fragments = [...new Set(entry.destinations.flatMap((d) => HOSTILE_FRAGMENTS[d]))];
  const spliced = fc
    .tuple(fc.constantFrom(...VALID[entry.grammar]), fc.array(fc.tuple(fc.constantFrom(...fragments), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })), { minLength: 1, maxLength: 4 }))
    .map(([valid, inserts]) =>
      inserts.reduce((text, [fragment, at]) => {
        const i = Math.floor(at * (text.length + 1));
        return text.slice(0, i) + fragment + text.slice(i);
      }, valid),
    )
    // "${{" is refused everywhere; keep a share of cases that reach the printers.
    .filter((text) => text.trim() !== '');
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 6, arbitrary: spliced },
    { weight: 1, arbitrary: fc.constantFrom(...VALID[entry.grammar]) },
  ];
  if (entry.grammar === 'command' || entry.grammar === 'variable-value') options.push({ weight: 4, arbitrary: fc.constantFrom(...HOSTILE_COMMANDS) });
  return fc.oneof(...options);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A manifest with every field of the table present. */
export function fullManifest(): Record<string, Json> {
  return {
    version: 1,
    name: 'fuzz-model',
    defaults: { image: 'python:3.11-slim', runner: 'ubuntu-latest', install: 'pip install -r requirements.txt', branch: 'main' },
    data: { pull: 'dvc pull', image: 'python:3.11-slim', runner: ['self-hosted', 'linux'], tests: [{ name: 'schema', run: 'pytest tests/data', image: 'python:3.11-slim', runner: 'ubuntu-latest' }] },
    checks: [{ name: 'lint', run: 'ruff check .', image: 'python:3.11-slim', runner: 'ubuntu-latest' }],
    train: { run: 'python train.py', paths: ['src/**', 'params.yaml'], artifacts: ['model/', 'metrics.json'], image: 'python:3.11-slim', runner: ['self-hosted', 'gpu'] },
    evaluate: {
      metrics: 'metrics.json',
      gates: [{ metric: 'mae', max: 1 }],
      baseline: { fetch: 'python fetch_baseline.py', file: 'baseline.json', tolerance: { mae: 0.05 } },
      image: 'python:3.11-slim',
      runner: 'ubuntu-latest',
    },
    package: { image: 'ghcr.io/acme/model', dockerfile: 'Dockerfile', login: 'echo "$REGISTRY_PASSWORD" | docker login ghcr.io -u bot --password-stdin', register: 'python register.py' },
    deploy: {
      image: 'python:3.11-slim',
      runner: 'ubuntu-latest',
      staging: { run: './deploy.sh staging', smoke: './smoke.sh', url: 'https://staging.example.com' },
      canary: { steps: [10, 50], run: './canary.sh', analysis: './analysis.sh', rollback: './rollback.sh' },
      production: { run: './deploy.sh production', url: 'https://example.com', approval: { approvers: ['ml-leads'], timeout: '1d' } },
    },
    pipelines: {
      predict: { schedule: '0 6 * * *', run: 'python predict.py', image: 'python:3.11-slim', runner: 'ubuntu-latest' },
      retrain: { deploy: true, triggers: [{ mode: 'full', schedule: '0 2 * * 0' }, { mode: 'drift', event: 'drift-detected' }] },
      monitor: { schedule: '0 * * * *', run: 'python check_drift.py --out drift.json', report: 'drift.json', image: 'python:3.11-slim', runner: 'ubuntu-latest' },
    },
    env: { MODEL_STAGE: 'candidate' },
    secrets: ['REGISTRY_PASSWORD', 'MLFLOW_TOKEN'],
    notify: { failure: './notify.sh' },
  };
}

/**
 * Puts `value` at `field` of the manifest; returns the key path a refusal must name (a prefix
 * of each diagnostic's path), or undefined for the manifest path (not a key).
 */
export function placeValue(manifest: Record<string, Json>, field: string, value: string): (string | number)[] | undefined {
  if (field === '(manifest path)') return undefined;
  const segments = field.split('.');
  const path: (string | number)[] = [];
  let node = manifest as Json;
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i]!;
    const last = i === segments.length - 1;
    const parent = node as Record<string, Json>;
    if (raw.endsWith('{}')) {
      // A mapping key: the value becomes its only key, keeping the first entry's value.
      const key = raw.slice(0, -2);
      const map = parent[key] as Record<string, Json>;
      const first = Object.values(map)[0]!;
      const replaced = Object.create(null) as Record<string, Json>;
      if (segments[i + 1] === 'value') {
        replaced[Object.keys(map)[0]!] = value;
        parent[key] = replaced;
        return [...path, key, Object.keys(map)[0]!];
      }
      replaced[value] = first;
      parent[key] = replaced;
      // A tolerance names a gated metric: rename the gate with it.
      if (key === 'tolerance') ((manifest.evaluate as Record<string, Json>).gates as Record<string, Json>[])[0]!.metric = value;
      return key === 'tolerance' ? ['evaluate'] : [...path, key];
    }
    if (raw.endsWith('[]')) {
      const key = raw.slice(0, -2);
      const current = parent[key];
      const list = Array.isArray(current) ? current : [current as Json];
      parent[key] = list;
      path.push(key, 0);
      if (last) {
        list[0] = value;
        return path;
      }
      if (field === 'evaluate.gates[].metric') {
        // The baseline's tolerance names the gated metric: keep the two together.
        (list[0] as Record<string, Json>).metric = value;
        ((parent.baseline as Record<string, Json>).tolerance as Record<string, Json>) = Object.assign(Object.create(null) as Record<string, Json>, { [value]: 0.05 });
        return ['evaluate'];
      }
      node = list[0]!;
      continue;
    }
    path.push(raw);
    if (last) {
      parent[raw] = value;
      return path;
    }
    node = parent[raw]!;
  }
  return path;
}
