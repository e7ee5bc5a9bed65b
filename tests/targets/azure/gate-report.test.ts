/**
 * The gate's report on Azure Pipelines, as far as the simulator goes: the evaluate job's step
 * conditions are evaluated in order the way the agent does (each step's condition against the
 * job's status so far: expressions#job-status-functions), with the gate step passing or failing;
 * the report steps then run for real: python3 runs the gate, bash runs the step that emits
 * `##vso[task.uploadsummary]`, and the logging command is parsed from its output by the
 * agent's grammar. PublishTestResults@2's input is checked against the file the gate wrote.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GATE_REPORT_PATHS } from '../../../src/gate/index.js';
import { generateFor } from '../../support/harness.js';
import { evaluate, truthy } from './expressions.js';
import { stepListsOf } from './simulate.js';

type Doc = Record<string, any>;

const EXAMPLE = new URL('../../../examples/house-prices/', import.meta.url).pathname;
const manifest = `${readFileSync(join(EXAMPLE, 'mlgen.yaml'), 'utf8').trimEnd()}\n  baseline:\n    fetch: "echo '{\\"mae\\": 15000, \\"r2\\": 0.95}' > baseline.json"\n    file: baseline.json\n`;
const { files } = generateFor(manifest, 'azure');
const pipeline = parse(files.find((f) => f.path === 'azure-pipelines.yml')!.content) as Doc;
const gateScript = files.find((f) => f.path === '.mlgen/gate.py')!.content;

function evaluateJob(): Doc {
  for (const stage of pipeline.stages as Doc[]) for (const job of (stage.jobs ?? []) as Doc[]) if (job.job === 'evaluate') return job;
  throw new Error('no evaluate job');
}
const steps = stepListsOf(evaluateJob())[0]!.steps;
const nameOf = (step: Doc) => String(step.displayName ?? step.task ?? 'checkout');

/** The steps that run, in order, when the steps named in `failing` fail: default condition succeeded(). */
function stepsThatRun(failing: string[]): string[] {
  let job: 'Succeeded' | 'Failed' = 'Succeeded';
  const ran: string[] = [];
  for (const step of steps) {
    const condition = String(step.condition ?? 'succeeded()');
    if (!truthy(evaluate(condition, { variables: {}, dependencies: { job: { result: job, outputs: {} } } }))) continue;
    ran.push(nameOf(step));
    if (failing.includes(nameOf(step))) job = 'Failed';
  }
  return ran;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs the gate on `metrics` in a scratch checkout, then the job's bash step named `name`; returns its output. */
function runGateThen(metrics: object, name: string): { gate: number | null; dir: string; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-azure-report-'));
  dirs.push(dir);
  mkdirSync(join(dir, '.mlgen'), { recursive: true });
  writeFileSync(join(dir, '.mlgen/gate.py'), gateScript);
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify(metrics));
  writeFileSync(join(dir, 'baseline.json'), JSON.stringify({ mae: 15000, r2: 0.95 }));
  const gate = spawnSync('python3', ['.mlgen/gate.py'], { cwd: dir, encoding: 'utf8' }).status;
  const step = steps.find((s) => nameOf(s) === name && typeof s.bash === 'string')!;
  const run = spawnSync('bash', ['-c', step.bash], { cwd: dir, encoding: 'utf8' });
  return { gate, dir, output: run.stdout + run.stderr };
}

/** `##vso[area.action props]data` lines, as the agent reads them (logging-commands#format). */
function loggingCommands(output: string): { command: string; data: string }[] {
  return output
    .split('\n')
    .map((line) => /^##vso\[([\w.]+)[^\]]*\](.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ command: m[1]!, data: m[2]! }));
}

describe('azure: the gate report steps (simulated conditions, real scripts)', () => {
  it('prints PublishTestResults@2 for the plan\'s JUnit file and a summary step, both succeededOrFailed()', () => {
    const publish = steps.find((s) => s.task === 'PublishTestResults@2')!;
    expect(publish.inputs).toMatchObject({ testResultsFormat: 'JUnit', testResultsFiles: GATE_REPORT_PATHS.junit });
    expect(publish.condition).toBe('succeededOrFailed()');
    expect(steps.find((s) => s.displayName === 'Show the gate report')!.condition).toBe('succeededOrFailed()');
  });

  it('both report steps run after a failed gate and after a passing one; nothing else runs after the failure', () => {
    const report = ['Publish the gate report', 'Show the gate report'];
    expect(stepsThatRun(['Check metric gates']).slice(-3)).toEqual(['Check metric gates', ...report]);
    expect(stepsThatRun([]).slice(-2)).toEqual(report);
    // A failed install: the gate never runs, the report steps still do (and find no report).
    expect(stepsThatRun(['Install'])).toEqual(expect.arrayContaining(report));
    expect(stepsThatRun(['Install'])).not.toContain('Check metric gates');
  });

  it('a regressing model: the summary command names an existing Markdown file with the failed metric; the JUnit file holds the failure', () => {
    const { gate, dir, output } = runGateThen({ mae: 30000, r2: 0.5 }, 'Show the gate report');
    expect(gate).toBe(1);
    const commands = loggingCommands(output);
    expect(commands.map((c) => c.command)).toEqual(['task.uploadsummary']);
    const summary = commands[0]!.data;
    expect(summary.startsWith('/'), 'uploadsummary takes an absolute path').toBe(true);
    expect(existsSync(summary)).toBe(true);
    expect(readFileSync(summary, 'utf8')).toMatch(/\| mae \| 30000 \| .*\| \u274c fail \|/);
    const junit = join(dir, GATE_REPORT_PATHS.junit);
    const parsed = spawnSync('python3', ['-c', 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print("\\n".join(f.get("message") for f in r.iter("failure")))', junit], { encoding: 'utf8' });
    expect(parsed.status).toBe(0);
    expect(parsed.stdout).toMatch(/^mae = 30000 is above its max 20000$/m);
  });

  it('an improving model: the summary shows every gate passing and the change against the baseline', () => {
    const { gate, output } = runGateThen({ mae: 12000, r2: 0.97 }, 'Show the gate report');
    expect(gate).toBe(0);
    const summary = readFileSync(loggingCommands(output)[0]!.data, 'utf8');
    expect(summary).toContain('| mae | 12000 | \\<= 20000 | 15000 \\(limit \\<= 15000\\) | -20.00% \\(better\\) | \u2705 pass |');
  });

  it('no gate report (the gate never ran): no logging command, a plain line instead', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlgen-azure-report-'));
    dirs.push(dir);
    const step = steps.find((s) => s.displayName === 'Show the gate report')!;
    const run = spawnSync('bash', ['-c', step.bash], { cwd: dir, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(loggingCommands(run.stdout)).toEqual([]);
    expect(dirname(GATE_REPORT_PATHS.markdown)).toBe('.mlgen/reports');
  });
});
