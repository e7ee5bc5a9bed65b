/**
 * fast-check arbitraries for manifests that VALIDATE: `validManifest()` objects and
 * `validManifestText()` YAML. Every key of src/manifest/schema.ts is reachable;
 * tests/manifest/arbitrary.test.ts checks that against the generated JSON Schema (so a new key
 * without an arbitrary fails there) and that every generated manifest loads.
 *
 * Sections are independent records (they shrink by dropping keys); the few cross-section
 * rules (evaluate and retrain need train, unique schedules and events, tolerances only for
 * gated metrics, retrain.deploy needs a deploy) are repaired in one final `.map`, which keeps
 * shrinking intact. Values are realistic ML-project values, with commands drawn partly from
 * tests/support/adversarial.ts.
 */
import fc from 'fast-check';
import { stringify, type ToStringOptions } from 'yaml';
import { checkCron } from '../../src/manifest/cron.js';
import { secretKind } from '../../src/manifest/secrets.js';
import { CACHE_KINDS, TRAIN_MODES, type ManifestInput } from '../../src/manifest/schema.js';
import { catalog } from '../../src/targets/catalog.js';
import { hostileCommand } from './adversarial.js';

type Model<T> = { [K in keyof T]: fc.Arbitrary<T[K]> };
/** A record with plain prototypes whose non-`required` keys may be absent. */
function section<T extends object>(model: Model<T>, required: (keyof T)[] = []) {
  return fc.record(model, { requiredKeys: required, noNullPrototype: true });
}

/** The built-in targets: a test may add more to the catalog, which random manifests leave out. */
const BUILT_IN_TARGETS = catalog().slice(0, 4).map((e) => e.id);

const pick = <T>(...values: T[]) => fc.constantFrom(...values);

// ---- names and values ------------------------------------------------------------------

/** The longest allowed name, made of words (a random 63-character word looks like a token). */
const longSlug = fc
  .array(pick('house', 'prices', 'model', 'churn', 'v2', 'gpu', 'train', 'batch', 'nightly', 'eu-west-1'), { minLength: 12, maxLength: 12 })
  .map((words) => words.join('-').padEnd(63, 'x').slice(0, 63))
  .filter((name) => secretKind(name) === undefined);

export const slugName: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: pick('unit', 'lint', 'types', 'schema', 'ranges', 'freshness', 'e2e', 'integration', 'a', '0', 'x-1', 'py311') },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,24}$/) },
  { weight: 1, arbitrary: longSlug },
);

const REALISTIC_COMMANDS = [
  'pytest tests/unit',
  'pytest -q tests/data/test_schema.py',
  'ruff check .',
  'mypy src',
  'dvc pull',
  'dvc repro train',
  'make test',
  'python src/train.py --out model/ --metrics metrics.json',
  'python -m model.train --mode "$MLGEN_TRAIN_MODE"',
  'python src/predict.py --model "$MLGEN_MODEL_VERSION" --out predictions/',
  './deploy.sh staging "$MLGEN_IMAGE"',
  './deploy.sh canary "$MLGEN_IMAGE" --weight "$MLGEN_CANARY_PERCENT"',
  'kubectl rollout undo deployment/model',
  'python scripts/register_model.py --version "$MLGEN_VERSION"',
  'echo "$REGISTRY_PASSWORD" | docker login registry.example.com -u ci --password-stdin',
  'curl -fsS "https://staging.example.com/health"',
  'python scripts/notify.py --status failed --pipeline "$MLGEN_PIPELINE"',
  'python scripts/fetch_prod_metrics.py --out baseline.json',
];

/** A shell command: mostly realistic, one in four hostile. */
export const command: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...REALISTIC_COMMANDS) },
  { weight: 1, arbitrary: hostileCommand },
);

const commands: fc.Arbitrary<string | string[]> = fc.oneof(command, fc.array(command, { minLength: 1, maxLength: 3 }));

const CRON_FIELDS = [
  fc.oneof(fc.integer({ min: 0, max: 59 }).map(String), pick('*/5', '*/15', '*/30', '0,30', '5,20,35,50', '10-20/5')),
  fc.oneof(fc.integer({ min: 0, max: 23 }).map(String), pick('*', '*/6', '1-5', '0,12', '9-17/2')),
  fc.oneof(pick('*'), fc.integer({ min: 1, max: 28 }).map(String), pick('1,15', '*/3', '1-7')),
  fc.oneof(pick('*', '*'), fc.integer({ min: 1, max: 12 }).map(String), pick('JAN', '*/3', 'JAN-JUN', '1,7')),
  fc.oneof(pick('*', '*'), fc.integer({ min: 0, max: 6 }).map(String), pick('MON-FRI', 'SUN', '1-5', 'SAT,SUN')),
] as const;

/** A cron expression every target runs the same way (src/manifest/cron.ts). */
export const cronExpression: fc.Arbitrary<string> = fc
  .tuple(...CRON_FIELDS)
  .map((fields) => fields.join(' '))
  .filter((cron) => checkCron(cron) === undefined);

export const duration: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 1, max: 3600 }).map((n) => `${n}s`),
  fc.integer({ min: 1, max: 600 }).map((n) => `${n}m`),
  fc.integer({ min: 1, max: 6 }).map((n) => `${n}h`),
);

const runner: fc.Arbitrary<string | string[]> = pick<string | string[]>(
  'ubuntu-latest',
  'ubuntu-22.04',
  'gpu-a100',
  ['self-hosted', 'gpu'],
  ['self-hosted', 'linux', 'x64', 'gpu'],
  ['ubuntu-latest'],
);
const jobImage = pick('python:3.11-slim', 'python:3.12', 'nvidia/cuda:12.2.0-runtime-ubuntu22.04', 'registry.example.com/ml/base:1.4');
const relativePath = pick('model/', 'model.pkl', 'metrics.json', 'reports/eval.html', 'out/run-1/weights.bin', 'predictions', '.cache/x');
const pathGlob = pick('src/**', 'data/**', 'params.yaml', 'requirements.txt', '*.py', 'configs/*.yaml', 'dvc.lock');
const url = pick('https://staging.example.com', 'https://api.example.com/v1/health?x=1', 'http://localhost:8080', 'https://model.internal.example.org:8443/');
const METRICS = ['mae', 'rmse', 'r2', 'accuracy', 'f1-macro', 'val.loss', 'auc_roc'];
const metric = fc.oneof({ weight: 5, arbitrary: pick(...METRICS) }, { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,15}$/) });
const bound = fc.oneof(fc.integer({ min: -1000, max: 100_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }));
const secretName = fc.oneof(
  pick('REGISTRY_PASSWORD', 'MLFLOW_TRACKING_TOKEN', 'API_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'SLACK_WEBHOOK_URL', 'HF_TOKEN', '_X'),
  fc.stringMatching(/^[A-Z][A-Z0-9]{1,8}_(TOKEN|KEY|PASSWORD|SECRET)$/).filter((n) => !/^(MLGEN|GITHUB|CI|GITLAB|BUILD|SYSTEM|AGENT|JENKINS|RUNNER)_/.test(n)),
);

// ---- sections ------------------------------------------------------------------------------

const defaults = section({
  python: pick('3.10', '3.11', '3.12', '3.12.4'),
  image: jobImage,
  runner,
  install: commands,
  cache: fc.subarray([...CACHE_KINDS]),
  timeout: duration,
  branch: pick('main', 'master', 'release', 'release/v1', 'feature', 'trunk'),
});

/** A section's own runtime (manifest 1.1): each key rarely set, as people do. */
const installs: fc.Arbitrary<string | string[]> = fc.oneof(commands, fc.constant([] as string[]));
const runtimeKeys = { image: jobImage, runner, install: installs, timeout: duration };

const namedCommands = (maxLength: number) =>
  fc.uniqueArray(section({ name: slugName, run: command, ...runtimeKeys }, ['name', 'run']), { maxLength, selector: (c) => c.name });

const data = section({ pull: pick('dvc pull', 'dvc pull -r storage', 'python scripts/download.py'), tests: namedCommands(3), ...runtimeKeys });

const train = section(
  {
    run: command,
    paths: fc.uniqueArray(pathGlob, { minLength: 1, maxLength: 4 }),
    ...runtimeKeys,
    gpu: fc.boolean(),
    artifacts: fc.uniqueArray(relativePath, { maxLength: 3 }),
  },
  ['run'],
);

const gate = fc.oneof(
  fc.record({ metric, min: bound }),
  fc.record({ metric, max: bound }),
  fc.record({ metric, a: bound, b: bound }).map(({ metric: m, a, b }) => ({ metric: m, min: Math.min(a, b), max: Math.max(a, b) })),
);

const evaluate = section({
  metrics: pick('metrics.json', 'reports/metrics.json'),
  gates: fc.array(gate, { maxLength: 3 }),
  baseline: section(
    {
      fetch: command,
      file: pick('baseline.json', 'reports/prod-metrics.json'),
      tolerance: fc.dictionary(pick(...METRICS), pick(0, 0.01, 0.05, 0.1, 2), { maxKeys: 3, noNullPrototype: true }),
    },
    ['file'],
  ),
  report: pick('summary', 'comment'),
  ...runtimeKeys,
});

const packageRuntime = { runner, install: installs, timeout: duration };
const packageSection = fc.oneof(
  section({ image: pick('registry.example.com/acme/house-prices', 'ghcr.io/acme/model', 'localhost:5000/m'), dockerfile: pick('Dockerfile', 'docker/Dockerfile.serve'), login: command, register: command, ...packageRuntime }, ['image']),
  section({ dockerfile: pick('Dockerfile'), login: command, register: command, ...packageRuntime }, ['register']),
);

const canarySteps = fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 4 }).map((steps) => [...steps].sort((a, b) => a - b));

const deploy = section({
  staging: section({ run: command, url, smoke: command }, ['run']),
  canary: section({ steps: canarySteps, run: command, analysis: command, interval: duration, rollback: command }, ['steps', 'run']),
  production: section(
    { run: command, url, approval: fc.oneof(fc.boolean(), section({ approvers: fc.uniqueArray(pick('ml-leads', 'alice', 'acme/release-managers', 'bob@example.com'), { maxLength: 2 }), timeout: pick('3d', '12h', '90m') })) },
    ['run'],
  ),
  image: pick('alpine/k8s:1.31.2', 'bitnami/kubectl:1.31', 'python:3.11-slim'),
  runner,
  install: installs,
  timeout: duration,
});

const trigger = fc.oneof(
  section({ mode: pick(...TRAIN_MODES), schedule: cronExpression }, ['mode', 'schedule']),
  section({ mode: pick(...TRAIN_MODES), event: slugName }, ['mode', 'event']),
  section({ mode: pick(...TRAIN_MODES), schedule: cronExpression, event: slugName }, ['mode', 'schedule', 'event']),
);

const pipelines = section({
  predict: section({ schedule: cronExpression, run: command, ...runtimeKeys }, ['schedule', 'run']),
  retrain: section({ deploy: fc.boolean(), triggers: fc.array(trigger, { minLength: 1, maxLength: 4 }) }, ['triggers']),
  monitor: section({ schedule: cronExpression, run: command, report: pick('drift.json', 'reports/drift.json'), ...runtimeKeys }, ['schedule', 'run', 'report']),
});

const overrides = section({
  github: pick<Record<string, unknown>>({ env: { TZ: 'UTC' } }, { permissions: { contents: 'read' } }, { jobs: { train: { 'timeout-minutes': 240 } } }),
  gitlab: pick<Record<string, unknown>>({ variables: { TZ: 'UTC' } }, { default: { interruptible: true } }),
  azure: pick<Record<string, unknown>>({ name: '$(Date:yyyyMMdd)$(Rev:r)' }, { appendCommitMessageToRunName: false }),
  jenkins: section({ agent: pick('linux', 'gpu && linux'), options: pick(['timestamps()'], ["buildDiscarder(logRotator(numToKeepStr: '20'))"]), environment: pick({ TZ: 'UTC' }), plugins: pick(['htmlpublisher']) }),
});

const manifestParts = section(
  {
    $schema: pick('https://unpkg.com/mlgen/schemas/mlgen.schema.json'),
    version: fc.constant(1 as const),
    name: slugName,
    targets: fc.shuffledSubarray(BUILT_IN_TARGETS, { minLength: 1 }),
    defaults,
    data,
    checks: namedCommands(4),
    // Train is what most manifests are about: present nine times in ten.
    train: fc.option(train, { nil: undefined, freq: 10 }),
    evaluate,
    package: packageSection,
    deploy,
    pipelines,
    env: fc.dictionary(pick('MLFLOW_TRACKING_URI', 'TZ', 'PYTHONHASHSEED', 'MODEL_NAME'), pick('https://mlflow.example.com', 'UTC', '0', 'house-prices', 'a b "c"'), { maxKeys: 2, noNullPrototype: true }),
    secrets: fc
      .uniqueArray(fc.tuple(secretName, fc.option(fc.subarray(['data', 'checks', 'train', 'evaluate', 'package', 'deploy', 'predict', 'monitor', 'notify'] as const, { minLength: 1 }), { nil: undefined })), {
        maxLength: 3,
        selector: ([name]) => name,
      })
      .map((entries) => entries.map(([name, to]) => (to ? { name, to } : name))),
    notify: section({ failure: command }, ['failure']),
    overrides,
  },
  ['version', 'name', 'train'],
);

// ---- repairs: the cross-section rules ------------------------------------------------------

type Draft = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function repair(draft: Draft): ManifestInput {
  const m: Draft = structuredClone(Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== undefined)));
  if (!m.train) {
    delete m.evaluate;
    if (m.pipelines) {
      delete m.pipelines.retrain;
      delete m.pipelines.monitor;
    }
    if (m.overrides?.github?.jobs) delete m.overrides.github;
  }
  if (m.evaluate) {
    type Gate = { metric: string; min?: number; max?: number };
    const gates: Gate[] = m.evaluate.gates ?? [];
    // A tolerance needs exactly one direction of "worse": a gate with min or max, not both.
    const oneSided = (metric: string) => {
      const bounds = gates.filter((g) => g.metric === metric);
      return bounds.length > 0 && !(bounds.some((g) => g.min !== undefined) && bounds.some((g) => g.max !== undefined));
    };
    const tolerance = m.evaluate.baseline?.tolerance;
    if (tolerance) for (const key of Object.keys(tolerance)) if (!oneSided(key)) delete tolerance[key];
  }
  const retrain = m.pipelines?.retrain;
  // The monitor's schedule must differ from the others, as retrain's do.
  if (m.pipelines?.monitor && !retrain) {
    const predict = m.pipelines.predict?.schedule?.trim().split(/\s+/).join(' ');
    if (predict !== undefined && predict === m.pipelines.monitor.schedule.trim().split(/\s+/).join(' ')) m.pipelines.monitor.schedule = '59 23 * * *';
  }
  if (retrain) {
    const seenCron = new Set<string>();
    const seenEvent = new Set<string>();
    const claim = (cron: string): string => {
      for (let i = 0; ; i++) {
        const candidate = i === 0 ? cron : `${(7 * i) % 60} ${i % 24} * * *`;
        const key = candidate.trim().split(/\s+/).join(' ');
        if (!seenCron.has(key)) return seenCron.add(key), candidate;
      }
    };
    if (m.pipelines.predict) m.pipelines.predict.schedule = claim(m.pipelines.predict.schedule);
    if (m.pipelines.monitor) m.pipelines.monitor.schedule = claim(m.pipelines.monitor.schedule);
    for (const t of retrain.triggers) {
      if (t.schedule !== undefined) t.schedule = claim(t.schedule);
      if (t.event !== undefined) {
        let name = t.event as string;
        for (let i = 2; seenEvent.has(name); i++) name = `${t.event.slice(0, 58)}-${i}`;
        seenEvent.add((t.event = name));
      }
    }
    const deploys = m.deploy && (m.deploy.staging || m.deploy.canary || m.deploy.production);
    if (retrain.deploy && !deploys) retrain.deploy = false;
  }
  // Something must run, or the targets have nothing to render.
  const hasJobs = m.train || m.checks?.length || m.data?.tests?.length || m.pipelines?.predict || m.deploy?.staging || m.deploy?.canary || m.deploy?.production || m.package;
  if (!hasJobs) m.checks = [{ name: 'unit', run: 'pytest tests/unit' }];
  return m as ManifestInput;
}

/** Manifest objects as a user writes them (defaults not applied) that validate. */
export function validManifest(): fc.Arbitrary<ManifestInput> {
  return manifestParts.map(repair);
}

// ---- text ----------------------------------------------------------------------------------

const yamlStyle: fc.Arbitrary<ToStringOptions & { comment: boolean }> = fc.record({
  comment: fc.boolean(),
  indent: pick(2, 4),
  defaultStringType: pick('PLAIN', 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL'),
  defaultKeyType: pick(null, 'PLAIN'),
  collectionStyle: pick('any', 'any', 'block', 'flow'),
});

/** Serializes a manifest the way people write them: block YAML, sometimes flow or quoted. */
export function manifestToYaml(manifest: ManifestInput, style: Partial<ToStringOptions> & { comment?: boolean } = {}): string {
  const { comment, ...options } = style;
  const header = comment ? '# yaml-language-server: $schema=https://unpkg.com/mlgen/schemas/mlgen.schema.json\n' : '';
  return header + stringify(manifest, { lineWidth: 0, minContentWidth: 0, doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER, ...options });
}

/** YAML text of manifests that validate, in varied but ordinary styles. */
export function validManifestText(): fc.Arbitrary<string> {
  return fc.tuple(validManifest(), yamlStyle).map(([manifest, style]) => manifestToYaml(manifest, style));
}

/** YAML text of the given manifests, in the same varied styles as validManifestText(). */
export function manifestTextOf(manifests: fc.Arbitrary<ManifestInput>): fc.Arbitrary<string> {
  return fc.tuple(manifests, yamlStyle).map(([manifest, style]) => manifestToYaml(manifest, style));
}
