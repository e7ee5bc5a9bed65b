/**
 * The generated pipeline runs: examples/house-prices as a GitLab merge-request pipeline under
 * gitlab-ci-local's shell executor (on this machine: `image` is ignored, python3 is here).
 * With an impossible gate the evaluate job fails and so does the pipeline. The jobs run with a
 * venv first on PATH that already holds house-prices' packages (from the wheelhouse), so each
 * job's own `pip install -r requirements.txt` finds them there and parallel jobs never write
 * into one site-packages at once.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { cpSync, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generate } from '../../../src/engine/generate.js';
import { eventArgs, gitlabCiLocal, removeTemporaryDirectories, temporaryDirectory, type ToolResult } from '../../support/harness-gitlab.js';
import { execFileSync } from 'node:child_process';
import { createVenv, runIn, type Venv } from '../../support/python-venv.js';

const EXAMPLE = new URL('../../../examples/house-prices/', import.meta.url).pathname;
const hasExample = existsSync(join(EXAMPLE, 'mlgen.yaml'));

/**
 * A merge request that adds the project: origin's main holds one unrelated commit, the
 * branch adds everything, so train.paths changed and training runs.
 */
async function runMergeRequest(manifest: (text: string) => string): Promise<ToolResult> {
  const dir = temporaryDirectory('mlgen-gitlab-run-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'mlgen tests');
  git('remote', 'add', 'origin', 'https://gitlab.example.com/mlgen/house-prices.git');
  writeFileSync(join(dir, 'BASE.txt'), 'before the merge request\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  git('update-ref', 'refs/remotes/origin/main', 'HEAD');
  git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');

  cpSync(EXAMPLE, dir, { recursive: true });
  const text = manifest(readFileSync(join(dir, 'mlgen.yaml'), 'utf8'));
  writeFileSync(join(dir, 'mlgen.yaml'), text);
  const result = generate(text, { manifestPath: 'mlgen.yaml', targets: ['gitlab'] });
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('; '));
  for (const file of result.files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true });
    writeFileSync(join(dir, file.path), file.content);
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'add the project');
  const args = eventArgs(result.plan, { kind: 'pull-request' });
  // --shell-isolation: each job gets its own copy of the repository plus its needs' artifacts.
  return gitlabCiLocal(dir, ['--force-shell-executor', '--shell-isolation', ...args], 600_000, venv.env);
}

let venv: Venv;
beforeAll(() => {
  if (!hasExample) return;
  venv = createVenv(join(temporaryDirectory('mlgen-gitlab-venv-'), 'venv'));
  const installed = runIn(EXAMPLE, 'python3 -m pip install -r requirements.txt', venv.env);
  if (installed.status !== 0) throw new Error(`installing house-prices' requirements failed:\n${installed.output}`);
}, 600_000);

afterAll(removeTemporaryDirectories);

// Every job creates its virtualenv: on a loaded machine the pipeline takes minutes.
describe.skipIf(!hasExample)('gitlab: examples/house-prices runs', { concurrent: true, timeout: 900_000 }, () => {
  it('as a merge-request pipeline: checks, data tests, train and the gate pass', async ({ expect }) => {
    const result = await runMergeRequest((text) => text);
    const log = result.stdout + result.stderr;
    expect(log, log).toMatch(/PASS\s+evaluate/);
    for (const job of ['check-unit', 'check-lint', 'data-schema', 'data-ranges', 'train']) expect(log).toMatch(new RegExp(`PASS\\s+${job}`));
    expect(log).toMatch(/mlgen gate: passed/);
    expect(result.code).toBe(0);
  });

  it('with an impossible gate, evaluate fails and so does the pipeline', async ({ expect }) => {
    const result = await runMergeRequest((text) => {
      const strict = text.replace(/\{ metric: mae, max: \d+ \}/, '{ metric: mae, max: 0.0001 }');
      expect(strict).not.toBe(text);
      return strict;
    });
    const log = result.stdout + result.stderr;
    expect(log, log).toMatch(/FAIL\s+evaluate/);
    expect(log).toMatch(/PASS\s+train/);
    // The gate names the failing metric with its bound.
    expect(log).toMatch(/mae.*0\.0001/);
    expect(result.code).not.toBe(0);
  });
});
