import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Platform tools (Java, gitlab-ci-local) start slowly; tests batch their calls.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    // GitHub's workflow parser imports its JSON schema without import attributes (it
    // expects a bundler); inlining lets vite transform it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
