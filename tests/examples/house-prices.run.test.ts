/**
 * examples/house-prices runs its own commands in a venv installed from the wheelhouse: the
 * generator, checks, data tests, training with scikit-learn and the generated gate, with an
 * impossible bound and training without the install as negative controls.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/engine/generate.js';
import type { Plan } from '../../src/plan/index.js';
import { runIn } from '../support/python-venv.js';
import { exampleRepository, expectOk, expectTrainingFailsWithoutInstall, installedVenv, job, jobEnv, jobsOf, removeTemporaryDirectoriesAfterAll, SLOW, temporary, VERSION } from '../support/example-project.js';

removeTemporaryDirectoriesAfterAll();

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
