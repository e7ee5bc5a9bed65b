/**
 * examples/fraud-canary runs its own commands in a venv installed from the wheelhouse: the DVC
 * local remote filled by its setup script and pulled into a fresh clone, checks and data tests,
 * training, the baseline from the MLflow registry (none before the first release), the smoke
 * test and canary analysis against its own scoring server. Negative controls: an empty remote,
 * a smoke test without a model, a strict canary analysis, training without the install.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/index.js';
import { runIn, type Venv } from '../support/python-venv.js';
import { exampleRepository, expectOk, expectTrainingFailsWithoutInstall, git, installedVenv, job, jobEnv, jobsOf, md5, removeTemporaryDirectoriesAfterAll, SLOW, temporary } from '../support/example-project.js';

removeTemporaryDirectoriesAfterAll();

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
    const failed = runIn(clone, `${analysis} --max-decline-ratio 0 --p95-ms 0 --requests 40`, canaryEnv);
    expect(failed.status, failed.output).toBe(1);
    expect(failed.output).toMatch(/FAIL p95 latency/);
  }, SLOW);

  it('negative control: without the install, training fails with ModuleNotFoundError', () => {
    expectTrainingFailsWithoutInstall(clone, plan, 'joblib');
  }, SLOW);
});
