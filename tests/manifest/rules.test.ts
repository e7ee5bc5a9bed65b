/**
 * Every rule of src/manifest/schema.ts, each with a manifest it accepts and ones it refuses,
 * at the exact line:column and with a message naming the key.
 */
import { describe, expect, it } from 'vitest';
import { accepts, at, BASE, diagnose, only, text } from './diagnose.js';

describe('version and name', () => {
  it('version must be the number 1', () => {
    expect(at(only(text('version: 2', 'name: m')))).toBe('1:10 version: must be 1, the only manifest version so far');
    expect(at(only(text('version: "1"', 'name: m')))).toBe('1:10 version: must be 1, the only manifest version so far');
    expect(at(only(text('name: m')))).toBe('1:1 missing required key "version"');
  });

  it.each(['house-prices', 'm', '0', 'model-2', 'a'.repeat(63)])('accepts the name %s', (name) => {
    expect(accepts(text('version: 1', `name: "${name}"`)).name).toBe(name);
  });

  it.each([
    ['House-Prices', /a project name holds only lowercase letters/],
    ['house_prices', /a project name holds only lowercase letters/],
    ['-prices', /starts with a letter or digit/],
    ['"house prices"', /a project name holds only/],
    ['a'.repeat(64), /is at most 63 characters/],
  ])('refuses the name %s', (name, message) => {
    const d = only(text('version: 1', `name: ${name}`));
    expect([d.line, d.column, d.path]).toEqual([2, 7, ['name']]);
    expect(d.message).toMatch(/^name: /);
    expect(d.message).toMatch(message);
  });
});

describe('targets', () => {
  it('defaults to all four', () => {
    expect(accepts(text('version: 1', 'name: m')).targets).toEqual(['github', 'gitlab', 'azure', 'jenkins']);
  });

  it('takes any subset, in the order written', () => {
    expect(accepts(text('version: 1', 'name: m', 'targets: [jenkins, github]')).targets).toEqual(['jenkins', 'github']);
  });

  it('refuses a target named twice, an unknown one and none', () => {
    expect(at(only(text('version: 1', 'name: m', 'targets: [github, gitlab, github]')))).toBe('3:10 targets: each target is named once');
    expect(at(only(text('version: 1', 'name: m', 'targets: [github, gitlab-ci]')))).toBe(
      '3:19 targets[1]: the text "gitlab-ci" is not allowed; use one of "github", "gitlab", "azure", "jenkins" (did you mean "gitlab"?)',
    );
    expect(only(text('version: 1', 'name: m', 'targets: []')).message).toMatch(/^targets cannot be an empty list/);
  });
});

describe('durations', () => {
  it.each(['30s', '1s', '15m', '3h', '600m', '3d'])('accepts %s', (value) => {
    expect(accepts(text(...BASE, `  timeout: ${value}`)).train!.timeout).toBe(value);
  });

  it.each(['60', '1.5h', '0m', '10 m', '3w', '-5m', '015m', '1H', 'm'])('refuses %s', (value) => {
    const d = only(text(...BASE, `  timeout: "${value}"`));
    expect(d.path).toEqual(['train', 'timeout']);
    expect([d.line, d.column]).toEqual([5, 12]);
    expect(d.message).toBe(`train.timeout: "${value}" is not a duration: write a whole number and a unit, such as 30s, 15m, 3h or 3d`);
  });

  it('checks every duration key', () => {
    const diagnostics = diagnose(
      text(...BASE, 'defaults:', '  timeout: 1w', 'deploy:', '  canary: { steps: [10], run: x, interval: soon }', 'pipelines:', '  predict: { schedule: "0 6 * * *", run: x, timeout: 2 hours }'),
    );
    expect(diagnostics.map((d) => d.path.join('.'))).toEqual(['defaults.timeout', 'deploy.canary.interval', 'pipelines.predict.timeout']);
  });
});

describe('canary steps', () => {
  const canary = (steps: string) => text('version: 1', 'name: m', 'deploy:', '  canary:', `    steps: ${steps}`, '    run: ./canary.sh');

  it.each(['[10, 50]', '[1]', '[99]', '[5, 25, 50, 75]'])('accepts %s', (steps) => {
    accepts(canary(steps));
  });

  it.each([
    ['[50, 10]', '5:12 deploy.canary.steps: canary steps must strictly increase, e.g. [10, 50]'],
    ['[10, 10]', '5:12 deploy.canary.steps: canary steps must strictly increase, e.g. [10, 50]'],
    ['[0, 50]', '5:13 deploy.canary.steps[0]: canary steps lie within 1..99'],
    ['[10, 100]', '5:17 deploy.canary.steps[1]: canary steps lie within 1..99 (production takes the rest)'],
    ['[12.5]', '5:13 deploy.canary.steps[0]: a canary step is a whole percentage'],
    ['[]', '5:12 deploy.canary.steps cannot be an empty list: name at least one item, or leave the key out'],
  ])('refuses %s', (steps, expected) => {
    expect(at(only(canary(steps)))).toBe(expected);
  });

  it('defaults the interval to 10m', () => {
    expect(accepts(canary('[10]')).deploy!.canary!.interval).toBe('10m');
  });
});

describe('evaluate', () => {
  const evaluate = (...lines: string[]) => text(...BASE, 'evaluate:', ...lines);

  it('accepts gates with min, max or both', () => {
    const m = accepts(evaluate('  gates:', '    - { metric: r2, min: 0.8 }', '    - { metric: mae, max: 10000 }', '    - { metric: auc, min: 0.7, max: 0.7 }'));
    expect(m.evaluate!.gates).toHaveLength(3);
    expect(m.evaluate!.metrics).toBe('metrics.json');
  });

  it('a gate needs min or max', () => {
    const d = only(evaluate('  gates:', '    - { metric: r2 }'));
    expect(at(d)).toBe('7:7 evaluate.gates[0]: a gate needs a bound: add "min" or "max", e.g. { metric: r2, min: 0.8 }');
  });

  it('refuses a gate that can never pass, a bad metric name and a bound that is text', () => {
    expect(at(only(evaluate('  gates:', '    - { metric: r2, min: 0.9, max: 0.8 }')))).toBe('7:7 evaluate.gates[0]: this gate can never pass: its min is above its max');
    expect(only(evaluate('  gates:', '    - { metric: "r 2", min: 1 }')).message).toMatch(/^evaluate\.gates\[0\]\.metric: a metric name holds/);
    expect(at(only(evaluate('  gates:', '    - { metric: r2, min: "0.8" }')))).toBe('7:26 evaluate.gates[0].min must be a number, not the text "0.8"');
  });

  it('a tolerance needs a gate for its metric, and is never negative', () => {
    const base = ['  gates: [{ metric: r2, min: 0.8 }]', '  baseline:', '    file: baseline.json'];
    accepts(evaluate(...base, '    tolerance: { r2: 0.05 }'));
    expect(at(only(evaluate(...base, '    tolerance: { mae: 0.05 }')))).toBe(
      '9:23 evaluate.baseline.tolerance.mae: "mae" has a tolerance but no gate, so mlgen cannot tell which direction is worse: add a gate for it',
    );
    expect(only(evaluate(...base, '    tolerance: { r2: -0.1 }')).message).toBe('evaluate.baseline.tolerance.r2: a tolerance is a share such as 0.05, never negative');
  });

  it('refuses a tolerance on a metric gated on both sides, where no direction is worse', () => {
    const lines = ['  gates: [{ metric: auc, min: 0.7, max: 0.99 }]', '  baseline:', '    file: baseline.json', '    tolerance: { auc: 0.05 }'];
    expect(only(evaluate(...lines)).message).toMatch(/^evaluate\.baseline\.tolerance\.auc: "auc" is gated with both min and max/);
  });

  it('needs a train section', () => {
    expect(at(only(text('version: 1', 'name: m', 'evaluate:', '  gates: [{ metric: r2, min: 0.8 }]')))).toBe(
      '4:3 evaluate: evaluate reads metrics written by training: add a train section',
    );
  });
});

describe('package', () => {
  it('needs image or register', () => {
    accepts(text('version: 1', 'name: m', 'package:', '  register: python register.py'));
    expect(at(only(text('version: 1', 'name: m', 'package:', '  dockerfile: Dockerfile')))).toBe(
      '4:3 package: package needs "image" (a container to build) or "register" (a model registry command), or both',
    );
  });

  it.each(['house-prices', 'registry.example.com/acme/house-prices', 'localhost:5000/model', 'ghcr.io/acme/ml.model_v2'])('accepts the image %s', (image) => {
    accepts(text('version: 1', 'name: m', 'package:', `  image: ${image}`));
  });

  it.each(['ghcr.io/acme/model:latest', 'model:1.0', 'model:5000', 'Registry.example.com/m', 'model@sha256:abc', 'model/'])('refuses the image %s (no tag, lowercase)', (image) => {
    const d = only(text('version: 1', 'name: m', 'package:', `  image: "${image}"`));
    expect(d.message).toBe('package.image: an image name is lowercase, without a tag (mlgen tags it with the commit)');
  });

  it('defaults the Dockerfile', () => {
    expect(accepts(text('version: 1', 'name: m', 'package:', '  image: m')).package!.dockerfile).toBe('Dockerfile');
  });
});

describe('deploy', () => {
  it.each(['https://staging.example.com', 'http://localhost:8080/health', 'https://10.0.0.1:8443/x?y=1'])('accepts the URL %s', (url) => {
    accepts(text('version: 1', 'name: m', 'deploy:', '  staging:', '    run: ./deploy.sh', `    url: "${url}"`));
  });

  it.each(['javascript:alert(1)', 'ftp://example.com', 'staging.example.com', 'https://', ' https://example.com'])('refuses the URL %j', (url) => {
    const d = only(text('version: 1', 'name: m', 'deploy:', '  production:', '    run: ./deploy.sh', `    url: "${url}"`));
    expect(d.path).toEqual(['deploy', 'production', 'url']);
    expect([d.line, d.column]).toEqual([6, 10]);
  });

  it('defaults production approval to false', () => {
    expect(accepts(text('version: 1', 'name: m', 'deploy:', '  production: { run: x }')).deploy!.production!.approval).toBe(false);
  });
});

describe('pipelines', () => {
  const retrain = (...triggers: string[]) => text(...BASE, 'deploy:', '  staging: { run: x }', 'pipelines:', '  retrain:', '    triggers:', ...triggers.map((t) => `      - ${t}`));

  it('a retrain trigger needs a schedule or an event', () => {
    accepts(retrain('{ mode: full, schedule: "0 3 * * 0" }', '{ mode: drift, event: drift-detected }', '{ mode: incremental, schedule: "0 4 * * *", event: new-data }'));
    expect(at(only(retrain('{ mode: full }')))).toBe(
      '10:9 pipelines.retrain.triggers[0]: a retrain trigger needs "schedule" (a cron) or "event" (an external event name)',
    );
  });

  it('refuses an unknown mode, naming the allowed ones', () => {
    expect(only(retrain('{ mode: partial, event: x }')).message).toBe(
      'pipelines.retrain.triggers[0].mode: the text "partial" is not allowed; use one of "full", "incremental", "drift"',
    );
  });

  it('retrain needs at least one trigger and a train section', () => {
    expect(at(only(text(...BASE, 'pipelines:', '  retrain:', '    triggers: []')))).toBe('7:15 pipelines.retrain.triggers: retrain needs at least one trigger');
    expect(at(only(text('version: 1', 'name: m', 'pipelines:', '  retrain:', '    triggers: [{ mode: full, event: x }]')))).toBe(
      '5:5 pipelines.retrain: retrain runs the train section: add one',
    );
  });

  it('retrain.deploy needs somewhere to deploy to', () => {
    expect(at(only(text(...BASE, 'pipelines:', '  retrain:', '    deploy: true', '    triggers: [{ mode: full, event: x }]')))).toBe(
      '7:13 pipelines.retrain.deploy: retrain.deploy is true but there is no deploy section to go to',
    );
  });

  it('refuses one schedule used twice, however it is spaced', () => {
    const d = only(text(...BASE, 'pipelines:', '  predict: { schedule: "0 6 * * *", run: x }', '  retrain:', '    triggers:', '      - { mode: full, schedule: "0  6 * * *" }'));
    expect(at(d)).toBe(
      '9:33 pipelines.retrain.triggers[0].schedule: the schedule "0  6 * * *" is used twice; the platforms could not tell the pipelines apart: shift one by a minute',
    );
  });

  it('refuses one event for two triggers, but allows several schedules per mode', () => {
    expect(at(only(retrain('{ mode: full, event: drift }', '{ mode: drift, event: drift }')))).toBe(
      '11:31 pipelines.retrain.triggers[1].event: the event "drift" already starts triggers[0]; an event starts one retrain: rename one',
    );
    accepts(retrain('{ mode: full, schedule: "0 3 * * 1" }', '{ mode: full, schedule: "0 3 * * 4" }'));
  });

  it('predict needs a schedule and a command', () => {
    const diagnostics = diagnose(text('version: 1', 'name: m', 'pipelines:', '  predict: {}'));
    expect(diagnostics.map(at)).toEqual(['4:3 missing required key "schedule" in pipelines.predict', '4:3 missing required key "run" in pipelines.predict']);
  });
});

describe('commands', () => {
  it('refuses "${{" anywhere a command goes, saying why', () => {
    const places = [
      ['train:', '  run: echo ${{ github.sha }}'],
      ['checks:', '  - { name: x, run: "echo ${{ secrets.TOKEN }}" }'],
      ['defaults:', '  install: [pip install ., "echo ${{ env.X }}"]'],
      ['notify:', '  failure: curl -d "${{ job.status }}" https://hooks.example.com'],
    ];
    for (const lines of places) {
      const d = only(text('version: 1', 'name: m', ...lines));
      expect(d.message).toMatch(/a command may not contain "\$\{\{": GitHub and Azure would evaluate it as an expression/);
      expect(d.message).toMatch(/read values from environment variables instead/);
    }
  });

  it('accepts shell syntax that only looks like it: "${ {", "$(x)", "$[x]", "{{ x }}"', () => {
    accepts(text(...BASE, 'checks:', '  - name: x', `    run: 'echo \${ {a} } $(b) $[c] {{ d }} \${e}'`));
  });

  it('refuses an empty command and an empty list of commands', () => {
    expect(at(only(text('version: 1', 'name: m', 'train:', '  run: ""')))).toBe('4:8 train.run: a command cannot be empty or only blanks: write the command to run');
    expect(only(text(...BASE, 'defaults:', '  install: []')).path).toEqual(['defaults', 'install']);
  });

  it('refuses check and data test names used twice', () => {
    expect(at(only(text(...BASE, 'checks:', '  - { name: unit, run: a }', '  - { name: unit, run: b }')))).toBe('7:13 checks[1].name: check "unit" is named twice');
    expect(only(text(...BASE, 'data:', '  tests: [{ name: s, run: a }, { name: s, run: b }]')).path).toEqual(['data', 'tests', 1, 'name']);
  });
});

describe('paths are relative to the repository', () => {
  it.each(['model/', './model', 'a..b/c', '**/*.pt', 'data/..hidden'])('accepts %s', (path) => {
    accepts(text(...BASE, `  artifacts: ["${path}"]`));
  });

  it.each([
    ['/tmp/model', /must be relative to the repository root, not absolute/],
    ['\\\\server\\\\share', /must be relative to the repository root/],
    ['C:\\\\model', /must be relative to the repository root/],
    ['../model', /may not climb out of the repository with "\.\."/],
    ['model/../../etc', /may not climb out/],
    ['..', /may not climb out/],
  ])('refuses %s', (path, message) => {
    const d = only(text(...BASE, `  artifacts: ["${path}"]`));
    expect([d.line, d.column, d.path]).toEqual([5, 15, ['train', 'artifacts', 0]]);
    expect(d.message).toMatch(message);
  });

  it('holds for every path key', () => {
    const diagnostics = diagnose(
      text(...BASE, '  paths: [/src]', 'evaluate:', '  metrics: /m.json', '  baseline: { file: ../b.json }', 'package:', '  image: m', '  dockerfile: /Dockerfile'),
    );
    expect(diagnostics.map((d) => d.path.join('.'))).toEqual(['train.paths.0', 'evaluate.metrics', 'evaluate.baseline.file', 'package.dockerfile']);
  });
});

describe('defaults', () => {
  it('fills in every default', () => {
    expect(accepts(text('version: 1', 'name: m')).defaults).toEqual({
      python: '3.11',
      runner: 'ubuntu-latest',
      install: 'pip install -r requirements.txt',
      cache: ['pip'],
      timeout: '60m',
      branch: 'main',
    });
  });

  it('explains that YAML reads 3.10 as a number', () => {
    expect(at(only(text('version: 1', 'name: m', 'defaults:', '  python: 3.10')))).toBe(
      '4:11 defaults.python: must be a quoted string such as "3.11" (YAML reads 3.10 as the number 3.1)',
    );
    expect(only(text('version: 1', 'name: m', 'defaults:', '  python: "2.7"')).message).toBe('defaults.python: is a Python 3 version such as "3.11" or "3.12.4"');
  });

  it('refuses an unknown cache, a branch name with spaces and an empty runner list', () => {
    expect(only(text('version: 1', 'name: m', 'defaults:', '  cache: [conda]')).message).toMatch(/^defaults\.cache\[0\]: the text "conda" is not allowed; use one of "pip", "dvc"/);
    expect(only(text('version: 1', 'name: m', 'defaults:', '  branch: my branch')).message).toMatch(/^defaults\.branch: a branch name holds/);
    expect(only(text('version: 1', 'name: m', 'defaults:', '  runner: []')).path).toEqual(['defaults', 'runner']);
  });
});

describe('overrides.jenkins', () => {
  it('takes an agent, option lines and UPPER_SNAKE environment variables', () => {
    accepts(text('version: 1', 'name: m', 'overrides:', '  jenkins:', '    agent: gpu', '    options: ["timestamps()"]', '    environment: { TZ: UTC }'));
    expect(only(text('version: 1', 'name: m', 'overrides:', '  jenkins:', '    environment: { tz: UTC }')).path[0]).toBe('overrides');
  });
});
