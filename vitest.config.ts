import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Engine runs of whole example pipelines that only MLGEN_MATRIX=full runs: each is minutes of
 * real installs per job on two cores, and CI has 25 minutes for the whole suite. CI keeps a
 * subset on every engine (house-prices pipelines, the canary on gitlab-ci-local, the Azure
 * fixture project, Jenkins simulator semantics); `MLGEN_MATRIX=full npm test` runs all of it.
 */
const FULL_MATRIX_ONLY = [
  'tests/engines/github/act-churn.test.ts',
  'tests/engines/github/act-fraud.test.ts',
  'tests/engines/jenkins/churn-propensity.sim.test.ts',
  'tests/engines/jenkins/fraud-canary.sim.test.ts',
  'tests/targets/gitlab/examples.run.test.ts',
  'tests/targets/gitlab/negative.run.test.ts',
  // The Jenkins simulator's house-prices builds (its semantics, tests/engines/jenkins/simulator.test.ts,
  // run in CI) and the examples on the executing Azure simulator (its fixture project,
  // tests/targets/azure/execute.test.ts, runs in CI).
  'tests/engines/jenkins/house-prices.sim.test.ts',
  'tests/targets/azure/examples.run.test.ts',
];

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(process.env.MLGEN_MATRIX === 'full' ? [] : FULL_MATRIX_ONLY)],
    // Platform tools (Java, gitlab-ci-local, act) start slowly and whole pipelines run for real:
    // no tight timeouts, only a bound that stops a hung tool (a slow machine must not fail a test).
    testTimeout: 900_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
    maxWorkers: 2,
    // GitHub's workflow parser imports its JSON schema without import attributes (it
    // expects a bundler); inlining lets vite transform it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
