/**
 * The examples are real ML projects: each one's own commands, as its manifest and the plan
 * name them, run for real on this machine in a venv installed from the wheelhouse (pandas,
 * scikit-learn, MLflow, DVC from PyPI, pinned). Training, the gate as generated, MLflow
 * registration and the baseline read back from the registry's @production model, DVC pulling
 * from the local remote into a fresh clone, and the smoke test and canary analysis against the
 * example's own model server. Negative controls: the same training without the install fails
 * with ModuleNotFoundError, an impossible gate fails, a smoke test without a model fails, a
 * strict canary analysis fails, and a clone whose remote is empty pulls nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import type { Plan, PlanJob } from '../../src/plan/index.js';
import { createVenv, runIn, type CommandResult, type Venv } from '../support/python-venv.js';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const VERSION = '0123456789abcdef0123456789abcdef01234567';
/** Real tools on a shared 2-core machine: generous, never tight. */
const SLOW = 600_000;
const temporaryDirectories: string[] = [];

afterAll(() => {
  for (const dir of temporaryDirectories) rmSync(dir, { recursive: true, force: true });
});

function temporary(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirectories.push(dir);
  return dir;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=mlgen tests', ...args], { cwd, encoding: 'utf8' });
}

/**
 * The example as its own repository, as a team would have it: the files git tracks (and
 * untracked ones not ignored) copied from examples/<name>, committed, plus the gate generated
 * from its manifest.
 */
function exampleRepository(name: string): { dir: string; plan: Plan } {
  const source = join(EXAMPLES, name);
  const dir = temporary(`mlgen-${name}-`);
  const files = git(source, 'ls-files', '-co', '--exclude-standard', '.').split('\n').filter(Boolean);
  for (const file of files) if (existsSync(join(source, file))) cpSync(join(source, file), join(dir, file), { recursive: true });
  const result = generate(readFileSync(join(source, 'mlgen.yaml'), 'utf8'), { manifestPath: 'mlgen.yaml' });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
  for (const file of result.files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', `${name} as a project of its own`);
  return { dir, plan: result.plan };
}

function job<K extends PlanJob['kind']>(plan: Plan, kind: K): Extract<PlanJob, { kind: K }> {
  const found = plan.jobs.find((j) => j.kind === kind);
  if (!found) throw new Error(`the plan has no ${kind} job`);
  return found as Extract<PlanJob, { kind: K }>;
}

function jobsOf(plan: Plan, kind: 'check' | 'data-test'): { id: string; run: string }[] {
  return plan.jobs.flatMap((j) => (j.kind === kind ? [{ id: j.id, run: j.run }] : []));
}

function expectOk(result: CommandResult, what: string): void {
  expect(result.status, `${what} (${result.seconds.toFixed(1)} s):\n${result.output}`).toBe(0);
}

/** What every job gets from the target: the MLGEN_* variables, a registry, the venv. */
function jobEnv(venv: Venv, registry: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...venv.env, MLGEN_PIPELINE: 'ci', MLGEN_TRAIN_MODE: 'full', MLGEN_VERSION: VERSION, MLGEN_MODEL_VERSION: 'latest', MLGEN_IMAGE: `registry.example.com/example:${VERSION}`, MLFLOW_TRACKING_URI: `file:${registry}`, ...extra };
}

/** The project's install command (defaults.install) in a new venv, timed. */
function installedVenv(dir: string, plan: Plan): { venv: Venv; install: CommandResult } {
  const venv = createVenv(join(temporary('mlgen-venv-'), 'venv'));
  const commands = job(plan, 'train').setup.install;
  expect(commands.length).toBeGreaterThan(0);
  const install = runIn(dir, commands.join(' && '), venv.env);
  expectOk(install, 'the install');
  console.log(`${dir}: ${commands.join(' && ')} took ${install.seconds.toFixed(1)} s from the wheelhouse`);
  return { venv, install };
}

/** The negative control every example shares: training in a venv without the install. */
function expectTrainingFailsWithoutInstall(dir: string, plan: Plan, module: string): void {
  const bare = createVenv(join(temporary('mlgen-bare-venv-'), 'venv'));
  const trained = runIn(dir, job(plan, 'train').run, jobEnv(bare, join(dir, 'no-registry')));
  expect(trained.status, trained.output).not.toBe(0);
  expect(trained.output).toContain(`ModuleNotFoundError: No module named '${module}'`);
}

describe('house-prices runs its own commands in a venv', () => {
  let dir: string;
  let plan: Plan;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    ({ dir, plan } = exampleRepository('house-prices'));
    const { venv } = installedVenv(dir, plan);
    env = jobEnv(venv, join(dir, 'mlruns'));
  }, SLOW);

  it('commits the CSV its generator writes, byte for byte', () => {
    const committed = readFileSync(join(dir, 'data/houses.csv'));
    expectOk(runIn(dir, 'python3 data/generate.py', env), 'the generator');
    expect(readFileSync(join(dir, 'data/houses.csv')).equals(committed)).toBe(true);
  });

  it('passes its checks and data tests', () => {
    const jobs = [...jobsOf(plan, 'check'), ...jobsOf(plan, 'data-test')];
    expect(jobs.map((j) => j.id)).toEqual(['check-unit', 'check-lint', 'data-schema', 'data-ranges']);
    for (const { id, run } of jobs) expectOk(runIn(dir, run, env), id);
  });

  it('trains with scikit-learn and the generated gate passes; an impossible bound fails it', () => {
    const train = job(plan, 'train');
    expectOk(runIn(dir, train.run, env), 'train');
    for (const artifact of train.artifacts) expect(existsSync(join(dir, artifact)), artifact).toBe(true);
    expect(existsSync(join(dir, 'model/model.joblib'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'model/model.json'), 'utf8')).version).toBe(VERSION);

    const gated = runIn(dir, job(plan, 'evaluate').run, env);
    expectOk(gated, 'the gate');
    expect(gated.output).toMatch(/^mae\s+\d+(\.\d+)?\s+<= 20000\s+pass$/m);
    expect(gated.output).toMatch(/^r2\s+0\.9\d*\s+>= 0\.9\s+pass$/m);

    const strict = runIn(dir, 'python3 .mlgen/gate.py', env);
    expectOk(strict, 'the gate by hand');
    const impossible = generate(readFileSync(join(dir, 'mlgen.yaml'), 'utf8').replace('{ metric: mae, max: 20000 }', '{ metric: mae, max: 100 }'), { manifestPath: 'mlgen.yaml' });
    if (!impossible.ok) throw new Error('the strict manifest is invalid');
    const strictDir = temporary('mlgen-house-prices-strict-');
    cpSync(dir, strictDir, { recursive: true });
    const gate = impossible.files.find((f) => f.path === '.mlgen/gate.py');
    writeFileSync(join(strictDir, '.mlgen/gate.py'), gate?.content ?? '');
    const failed = runIn(strictDir, 'python3 .mlgen/gate.py', env);
    expect(failed.status).toBe(1);
    expect(failed.output).toMatch(/FAIL: mae = \d+(\.\d+)? is above its max 100/);
  }, SLOW);

  it('negative control: without the install, training fails with ModuleNotFoundError', () => {
    expectTrainingFailsWithoutInstall(dir, plan, 'joblib');
  }, SLOW);
});

describe('churn-propensity runs its own commands in a venv, with an MLflow file registry', () => {
  let dir: string;
  let plan: Plan;
  let env: NodeJS.ProcessEnv;
  let registry: string;

  beforeAll(() => {
    ({ dir, plan } = exampleRepository('churn-propensity'));
    registry = join(temporary('mlgen-churn-registry-'), 'mlruns');
    const { venv } = installedVenv(dir, plan);
    env = jobEnv(venv, registry);
  }, SLOW);

  it('pulls its snapshot, passes its checks and data tests, trains and passes the gate', () => {
    const train = job(plan, 'train');
    expectOk(runIn(dir, train.setup.pullData ?? 'false', env), 'data.pull');
    for (const { id, run } of [...jobsOf(plan, 'check'), ...jobsOf(plan, 'data-test')]) expectOk(runIn(dir, run, env), id);
    expectOk(runIn(dir, train.run, env), 'train');
    const gated = runIn(dir, job(plan, 'evaluate').run, env);
    expectOk(gated, 'the gate');
    expect(gated.output).toMatch(/^auc\s+0\.\d+\s+>= 0\.78\s+pass$/m);
  }, SLOW);

  it('registers, promotes to staging, smokes the staged model, promotes to production and predicts with it', () => {
    const registered = runIn(dir, job(plan, 'package').register ?? 'false', env);
    expectOk(registered, 'package.register');
    expect(registered.output).toMatch(/registered churn-propensity v1 \(commit 01234567, full\)/);
    expect(existsSync(join(registry, 'models', 'churn-propensity'))).toBe(true);

    const staging = job(plan, 'staging');
    expectOk(runIn(dir, staging.run, env), 'deploy.staging.run');
    const smoke = runIn(dir, staging.smoke ?? 'false', env);
    expectOk(smoke, 'deploy.staging.smoke');
    expect(smoke.output).toMatch(/models:\/churn-propensity@staging: 1000 customers scored/);

    expectOk(runIn(dir, job(plan, 'production').run, env), 'deploy.production.run');
    const predicted = runIn(dir, job(plan, 'predict').run, env);
    expectOk(predicted, 'pipelines.predict.run');
    expect(predicted.output).toMatch(/scored 1500 customers with models:\/churn-propensity@production/);
  }, SLOW);

  it('an incremental retrain warm-starts from the @production model', () => {
    const trained = runIn(dir, job(plan, 'train').run, { ...env, MLGEN_TRAIN_MODE: 'incremental' });
    expectOk(trained, 'train in mode incremental');
    expect(trained.output).toMatch(/^mode=incremental auc=/m);
    expect(trained.output).not.toMatch(/no production model yet/);
  }, SLOW);

  it('negative control: without the install, training fails with ModuleNotFoundError', () => {
    expectTrainingFailsWithoutInstall(dir, plan, 'joblib');
  }, SLOW);
});

function md5(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

describe('fraud-canary runs its own commands in a venv: DVC local remote, MLflow registry, its scoring server', () => {
  let origin: string;
  let clone: string;
  let plan: Plan;
  let venv: Venv;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    ({ dir: origin, plan } = exampleRepository('fraud-canary'));
    ({ venv } = installedVenv(origin, plan));
    env = jobEnv(venv, join(temporary('mlgen-fraud-registry-'), 'mlruns'));
    // The repository's test setup: fill the local remote .dvc/config names.
    expectOk(runIn(origin, './scripts/setup-dvc-remote.sh', env), 'scripts/setup-dvc-remote.sh');
    clone = join(temporary('mlgen-fraud-clone-'), 'fraud-canary');
    git(dirname(clone), 'clone', '-q', origin, clone);
  }, SLOW);

  it('data.pull is `dvc pull`, and in a fresh clone it fetches the versions the repository names', () => {
    const pull = job(plan, 'train').setup.pullData;
    expect(pull).toBe('dvc pull');
    expect(existsSync(join(clone, 'data/transactions.csv'))).toBe(false);
    expect(existsSync(join(clone, '.dvc/cache'))).toBe(false);
    expectOk(runIn(clone, pull ?? 'false', env), 'dvc pull');
    const tracked = /md5: ([0-9a-f]{32})/.exec(readFileSync(join(clone, 'data/transactions.csv.dvc'), 'utf8'))?.[1];
    expect(md5(join(clone, 'data/transactions.csv'))).toBe(tracked);
    expect(readFileSync(join(clone, 'dvc.lock'), 'utf8')).toContain(md5(join(clone, 'data/features.csv')));
  }, SLOW);

  it('negative control: a clone whose remote is empty pulls nothing and fails', () => {
    const empty = join(temporary('mlgen-fraud-empty-'), 'fraud-canary');
    git(dirname(empty), 'clone', '-q', origin, empty);
    const remote = temporary('mlgen-empty-remote-');
    expectOk(runIn(empty, `dvc remote modify --local storage url ${remote}`, env), 'pointing the clone at an empty remote');
    const pulled = runIn(empty, 'dvc pull', env);
    expect(pulled.status, pulled.output).not.toBe(0);
    expect(existsSync(join(empty, 'data/transactions.csv'))).toBe(false);
  }, SLOW);

  it('passes its checks and data tests on the pulled data', () => {
    const jobs = [...jobsOf(plan, 'check'), ...jobsOf(plan, 'data-test')];
    expect(jobs.map((j) => j.id)).toEqual(['check-unit', 'check-lint', 'check-types', 'data-schema', 'data-leakage']);
    for (const { id, run } of jobs) expectOk(runIn(clone, run, env), id);
  }, SLOW);

  it('trains; with no production model yet the baseline is {} and the fixed gates decide', () => {
    expectOk(runIn(clone, job(plan, 'train').run, env), 'train');
    const evaluate = job(plan, 'evaluate');
    const fetched = runIn(clone, evaluate.fetchBaseline ?? 'false', env);
    expectOk(fetched, 'evaluate.baseline.fetch');
    expect(fetched.output).toMatch(/no fraud-canary@production .* yet/);
    expect(JSON.parse(readFileSync(join(clone, 'baseline.json'), 'utf8'))).toEqual({});
    const gated = runIn(clone, evaluate.run, env);
    expectOk(gated, 'the gate');
    expect(gated.output).toMatch(/^pr_auc\s+0\.\d+\s+>= 0\.6\s+none for this metric\s+pass$/m);
  }, SLOW);

  it('registers the model, and once it is @production the baseline comes from the registry', () => {
    const registered = runIn(clone, job(plan, 'package').register ?? 'false', env);
    expectOk(registered, 'package.register');
    expect(registered.output).toMatch(/registered fraud-canary v1 \(commit 01234567, image registry\.example\.com\/example:/);
    // The production step's registry half (its rollout half calls kubectl, which a stand-in records elsewhere).
    expect(job(plan, 'production').run).toContain('python scripts/promote.py --alias production --commit "$MLGEN_VERSION"');
    expectOk(runIn(clone, 'python scripts/promote.py --alias production --commit "$MLGEN_VERSION"', env), 'promote');

    const evaluate = job(plan, 'evaluate');
    expectOk(runIn(clone, evaluate.fetchBaseline ?? 'false', env), 'evaluate.baseline.fetch');
    const baseline = JSON.parse(readFileSync(join(clone, 'baseline.json'), 'utf8'));
    const metrics = JSON.parse(readFileSync(join(clone, 'metrics.json'), 'utf8'));
    expect(baseline).toEqual({ pr_auc: metrics.pr_auc, recall_at_1pct_fpr: metrics.recall_at_1pct_fpr });
    const gated = runIn(clone, evaluate.run, env);
    expectOk(gated, 'the gate against the baseline');
    expect(gated.output).toMatch(/^pr_auc\s+0\.\d+\s+>= 0\.6\s+0\.\d+ \(limit >= 0\.\d+, -1%\)\s+pass$/m);
  }, SLOW);

  it('the smoke test serves model/ with the example\'s server and checks it; without a model it fails', () => {
    const smoke = job(plan, 'staging').smoke ?? 'false';
    const passed = runIn(clone, smoke, env);
    expectOk(passed, 'deploy.staging.smoke');
    expect(passed.output).toMatch(/started a local scorer for model\/ at http:\/\/127\.0\.0\.1:\d+/);
    expect(passed.output).toMatch(/smoke: ok/);
    const failed = runIn(clone, smoke.replace('--model model/', '--model no-such-model/'), env);
    expect(failed.status, failed.output).not.toBe(0);
  }, SLOW);

  it('the canary analysis compares the canary with @production on replayed payments; a strict bound fails it', () => {
    const analysis = job(plan, 'canary').analysis ?? 'false';
    const canaryEnv = { ...env, MLGEN_CANARY_PERCENT: '5' };
    const passed = runIn(clone, analysis, canaryEnv);
    expectOk(passed, 'deploy.canary.analysis');
    expect(passed.output).toMatch(/stable: fraud-canary v1@production/);
    expect(passed.output).toMatch(/canary analysis: ok/);
    const failed = runIn(clone, `${analysis} --max-decline-ratio 0 --p95-ms 0`, canaryEnv);
    expect(failed.status, failed.output).toBe(1);
    expect(failed.output).toMatch(/FAIL p95 latency/);
  }, SLOW);

  it('negative control: without the install, training fails with ModuleNotFoundError', () => {
    expectTrainingFailsWithoutInstall(clone, plan, 'joblib');
  }, SLOW);
});
