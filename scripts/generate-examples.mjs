#!/usr/bin/env node
/**
 * Regenerates the CI files committed beside every example project (examples/<name>/), with the
 * CLI exactly as users run it: `mlgen generate --manifest examples/<name>/mlgen.yaml`.
 * Needs a build first (`npx tsc -p .`): oclif loads its commands from dist/.
 * tests/conformance/examples-fresh.test.ts fails until the committed files match.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const examples = readdirSync(new URL('../examples/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(new URL(`../examples/${entry.name}/mlgen.yaml`, import.meta.url)))
  .map((entry) => entry.name)
  .sort();

for (const name of examples) {
  process.stdout.write(`examples/${name}: `);
  execFileSync(process.execPath, ['bin/run.js', 'generate', '--manifest', `examples/${name}/mlgen.yaml`], { cwd: root, stdio: 'inherit' });
}
