/**
 * Finding 6 of the security review: artifact and metrics paths escaped the workspace
 * (`~/.docker/config.json`, which @actions/glob expands to $HOME; a newline adding an absolute
 * path on GitHub and Azure; a comma or space splitting one entry into several Ant patterns on
 * Jenkins). Every path or glob field now follows one grammar (src/manifest/grammar.ts).
 */
import { describe, expect, it } from 'vitest';
import { workspacePathCheck } from '../../src/manifest/grammar.js';
import { expectAccepted, expectRefusedAt, manifest, withTrain } from './field-refusal.js';

const q = JSON.stringify;
const evaluate = (...lines: string[]) => manifest('evaluate:', ...lines, '  gates: [{ metric: mae, max: 1 }]');

describe('finding 6: paths stay inside the workspace', () => {
  it('finding 6: artifact and metrics paths that escape the workspace are refused (~/, newline, comma)', () => {
    expectRefusedAt(withTrain('  artifacts: ["~/.docker/config.json"]'), 'train.artifacts.0', '"~/', /may not start with "~".*home directory/);
    expectRefusedAt(withTrain('  artifacts: ["model/\\n/etc/passwd"]'), 'train.artifacts.0', '"model/', /may not contain U\+000A.*one path per list item/);
    expectRefusedAt(withTrain('  artifacts: ["model/a,../../x"]'), 'train.artifacts.0', '"model/a', /","|\.\./);
    expectRefusedAt(withTrain('  artifacts: ["model/a,x"]'), 'train.artifacts.0', '"model/a', /may not contain ",": Jenkins splits Ant patterns/);
    expectRefusedAt(withTrain('  artifacts: ["model/a b"]'), 'train.artifacts.0', '"model/a', /may not contain a space/);
    expectRefusedAt(evaluate('  metrics: "~/metrics.json"'), 'evaluate.metrics', '"~/metrics', /may not start with "~"/);
  });

  it('every path field follows the grammar: train.paths, baseline file, Dockerfile', () => {
    for (const hostile of ['~root/x', '/etc/passwd', 'C:\\x', '..\\up', 'a/../../b', 'a\rb', 'a\u2028b', 'a\u0085b', 'x"y', "x'y", 'x;y', 'x`id`', 'x\\y']) {
      expectRefusedAt(withTrain(`  paths: [${q(hostile)}]`), 'train.paths.0', q(hostile), /a path pattern/);
      expectRefusedAt(evaluate('  baseline:', `    file: ${q(hostile)}`), 'evaluate.baseline.file', q(hostile), /the baseline file/);
      expectRefusedAt(manifest('package:', '  register: ./register.sh', `  dockerfile: ${q(hostile)}`), 'package.dockerfile', q(hostile), /the Dockerfile path/);
    }
  });

  it('ordinary paths and globs pass', () => {
    for (const path of ['model/', 'model/model.pkl', 'src/**/*.py', 'data/{a,b}'.replace(',', ''), 'out/[0-9]*.json', 'reports/2024-01_a+b=c@x%20.txt', 'ünïcode/файл.csv', '.dvc/config']) {
      expect(workspacePathCheck('a path')(path), path).toBeUndefined();
    }
    expectAccepted(withTrain('  artifacts: [model/, "reports/**/*.json"]', '  paths: ["src/**", "params.yaml"]'));
  });
});
