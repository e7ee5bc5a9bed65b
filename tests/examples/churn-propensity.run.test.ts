/**
 * examples/churn-propensity runs its own commands in a venv installed from the wheelhouse, with
 * an MLflow file registry: snapshot, checks, data tests, training and the gate, registration,
 * @staging and its smoke test, @production and batch prediction, an incremental retrain that
 * warm-starts from @production, and training without the install as the negative control.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/index.js';
import { runIn } from '../support/python-venv.js';
import { exampleRepository, expectOk, expectTrainingFailsWithoutInstall, installedVenv, job, jobEnv, jobsOf, removeTemporaryDirectoriesAfterAll, SLOW, temporary } from '../support/example-project.js';

removeTemporaryDirectoriesAfterAll();

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
