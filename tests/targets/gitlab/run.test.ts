/**
 * The generated pipeline runs: examples/house-prices as a GitLab merge-request pipeline under
 * gitlab-ci-local's shell executor (on this machine: `image` is ignored, python3 is here).
 * Against a production baseline it beats, the gate passes; against one it regresses from, the
 * evaluate job fails and so does the pipeline, and either way the gate's JUnit report is among
 * the job's artifacts (artifacts:reports:junit names it; `when: always` keeps it on failure),
 * parsed here with python3's xml.etree. The jobs run with a
 * venv first on PATH that already holds house-prices' packages (from the wheelhouse), so each
 * job's own `pip install -r requirements.txt` finds them there and parallel jobs never write
 * into one site-packages at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generate } from '../../../src/engine/generate.js';
import { eventArgs, gitlabCiLocal, removeTemporaryDirectories, temporaryDirectory, type ToolResult } from '../../support/harness-gitlab.js';
import { execFileSync } from 'node:child_process';
import { fullMatrix } from '../../support/matrix-report.js';
import { createVenv, runIn, type Venv } from '../../support/python-venv.js';

const EXAMPLE = new URL('../../../examples/house-prices/', import.meta.url).pathname;
const hasExample = existsSync(join(EXAMPLE, 'mlgen.yaml'));

/**
 * A merge request that adds the project: origin's main holds one unrelated commit, the
 * branch adds everything, so train.paths changed and training runs.
 */
async function runMergeRequest(manifest: (text: string) => string, jobs: string[] = []): Promise<ToolResult & { dir: string }> {
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
  // Job names (positional) run those jobs only, with the pipeline's variables and the artifacts earlier ones left.
  return { ...(await gitlabCiLocal(dir, ['--force-shell-executor', '--shell-isolation', ...args, ...jobs], 600_000, venv.env)), dir };
}

/** house-prices' evaluate section is the manifest's last: a baseline the fetch step writes, appended to it. */
function withBaseline(text: string, baseline: Record<string, number>): string {
  const fetch = `echo '${JSON.stringify(baseline)}' > baseline.json`;
  expect(text.trimEnd().split('\n').at(-1)).toMatch(/^\s+- \{ metric: r2/);
  return `${text.trimEnd()}\n  baseline:\n    fetch: ${JSON.stringify(fetch)}\n    file: baseline.json\n`;
}

interface JunitCase {
  name: string;
  failure: string | null;
}

/** The evaluate job's artifacts as gitlab-ci-local keeps them, and its JUnit report parsed by xml.etree. */
function evaluateReport(dir: string): { junitPath: string; markdown: string; cases: JunitCase[]; reportsJunit: unknown } {
  const ci = parse(readFileSync(join(dir, '.gitlab-ci.yml'), 'utf8')) as Record<string, { artifacts?: { reports?: { junit?: string[] } } }>;
  const reportsJunit = ci.evaluate?.artifacts?.reports?.junit;
  const junitName = (reportsJunit as string[] | undefined)?.[0] ?? '';
  // The harness gives each gitlab-ci-local call its own state directory (.gitlab-ci-local-<pid>-<n>).
  const states = readdirSync(dir).filter((name) => name.startsWith('.gitlab-ci-local'));
  expect(states).toHaveLength(1);
  const root = join(dir, states[0]!, 'artifacts', 'evaluate');
  const junitPath = join(root, junitName);
  const script = 'import json,sys,xml.etree.ElementTree as E\nprint(json.dumps([{"name": c.get("name"), "failure": (c.find("failure").get("message") if c.find("failure") is not None else None)} for c in E.parse(sys.argv[1]).getroot().iter("testcase")]))';
  const cases = existsSync(junitPath) ? (JSON.parse(execFileSync('python3', ['-c', script, junitPath], { encoding: 'utf8' })) as JunitCase[]) : [];
  const markdownPath = join(root, '.mlgen', 'reports', 'gate-summary.md');
  return { junitPath, markdown: existsSync(markdownPath) ? readFileSync(markdownPath, 'utf8') : '', cases, reportsJunit };
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
  it('as a merge-request pipeline: checks, data tests, train and the gate pass; the JUnit report shows passes and the change', async ({ expect }) => {
    const result = await runMergeRequest((text) => withBaseline(text, { mae: 15000, r2: 0.95 }));
    const log = result.stdout + result.stderr;
    expect(log, log).toMatch(/PASS\s+evaluate/);
    for (const job of ['check-unit', 'check-lint', 'data-schema', 'data-ranges', 'train']) expect(log).toMatch(new RegExp(`PASS\\s+${job}`));
    expect(log).toMatch(/mlgen gate: passed/);
    expect(result.code).toBe(0);
    const report = evaluateReport(result.dir);
    expect(report.reportsJunit).toEqual(['.mlgen/reports/gate-junit.xml']);
    expect(existsSync(report.junitPath), `no ${report.junitPath}`).toBe(true);
    expect(report.cases.map((c) => [c.name.split(' ')[0], c.failure])).toEqual([
      ['mae', null],
      ['mae', null],
      ['r2', null],
      ['r2', null],
    ]);
    expect(report.markdown).toMatch(/\| mae \| [\d.]+ \| \\<= 20000 \| 15000 .*\| -[\d.]+% \\\(better\\\) \| \u2705 pass \|/);
  });

  // CI's 25 minutes: in CI the regressing merge request runs train and evaluate only (the gate is all
  // it changes); the whole pipeline with MLGEN_MATRIX=full.
  it('with a baseline it regresses from, evaluate fails and so does the pipeline; the JUnit report names the metric', async ({ expect }) => {
    const result = await runMergeRequest((text) => withBaseline(text, { mae: 10000, r2: 0.95 }), fullMatrix() ? [] : ['train', 'evaluate']);
    const log = result.stdout + result.stderr;
    expect(log, log).toMatch(/FAIL\s+evaluate/);
    expect(log).toMatch(/PASS\s+train/);
    // The gate names the failing metric with its bound.
    expect(log).toMatch(/FAIL: mae = [\d.]+ is worse than the baseline 10000/);
    expect(result.code).not.toBe(0);
    // `when: always`: the failed job still keeps its report.
    const report = evaluateReport(result.dir);
    expect(existsSync(report.junitPath), `no ${report.junitPath}`).toBe(true);
    const failed = report.cases.filter((c) => c.failure !== null);
    expect(failed.map((c) => c.name)).toEqual(['mae against the baseline 10000 (limit <= 10000)']);
    expect(failed[0]!.failure).toMatch(/^mae = [\d.]+ is worse than the baseline 10000/);
    expect(report.markdown).toMatch(/\| mae \| .*\| \u274c fail \|/);
  });
});
