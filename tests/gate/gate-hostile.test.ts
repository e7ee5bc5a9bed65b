/**
 * The gate prints what metrics.json holds, and metrics.json is written by the training code:
 * nothing in it may become a CI log command or a terminal escape, and nothing may end the gate
 * in a traceback (security review, findings 10 and 14). The real python3 runs the rendered gate.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { GateConfig } from '../../src/plan/index.js';
import { removeTemporaryDirectories, runGate } from './run-gate.js';

afterAll(removeTemporaryDirectories);

const GATES: GateConfig = {
  metrics: 'metrics.json',
  gates: [{ metric: 'mae', max: 10000 }],
} as GateConfig;

const noTraceback = (output: string) => expect(output).not.toMatch(/Traceback|File ".*", line \d+/);

/** Lines a CI system would read as a command: Azure's ##vso[/##[ anywhere, GitHub's :: at a line's start. */
function commandLines(output: string): string[] {
  return output.split('\n').filter((line) => /##(vso)?\[/i.test(line) || /^\s*::/.test(line));
}

describe('finding 10: what the gate prints is text, never a CI log command', () => {
  const hostile = [
    '\n##vso[task.uploadfile]/home/vsts/.ssh/id_rsa',
    '##vso[task.setvariable variable=PATH]/tmp/evil',
    'x ##[error]fake failure',
    '::stop-commands::deadbeef',
    '\n::add-mask::x',
    '\r\u001b[0Ksection_start:1:evil\r\u001b[0K',
    '\u001b]0;pwned\u0007title',
    '\u2028::warning::after a line separator',
    '\u0085##vso[task.complete result=Succeeded]',
  ];

  it('negative control: an unneutralised print of these names would contain command lines', () => {
    expect(commandLines(hostile.join('\n'))).not.toEqual([]);
  });

  it.each(hostile.map((h) => [JSON.stringify(h), h]))('a metric named %s: not gated, failing, with --summary, printed only as text', (_label, name) => {
    for (const metrics of [{ mae: 1, [name]: 3 }, { mae: 20000, [name]: 'not a number' }]) {
      const run = runGate({ ...GATES, gates: [...GATES.gates, { metric: name, min: 5 }] } as GateConfig, { 'metrics.json': metrics }, ['--summary', 'summary.json']);
      expect(run.status).toBe(1);
      expect(commandLines(run.output)).toEqual([]);
      expect(run.output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
      noTraceback(run.output);
    }
  });

  it('a metrics path with a log command in it, in the error line', () => {
    const run = runGate(GATES, {}, ['--metrics', '::error::x\n##vso[task.complete]']);
    expect(run.status).toBe(1);
    expect(commandLines(run.output)).toEqual([]);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('finding 14: the gate fails closed with a message, never a traceback', () => {
  it('100,000-deep nesting: one line, exit 1', () => {
    const run = runGate(GATES, { 'metrics.json': `${'['.repeat(100_000)}${']'.repeat(100_000)}` });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^mlgen gate: error: metrics.json: the metrics file nests too deeply to read/);
    noTraceback(run.output);
  });

  it('100,000-deep nesting inside an object value: one line, exit 1', () => {
    const run = runGate(GATES, { 'metrics.json': `{"mae": ${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}` });
    expect(run.status).toBe(1);
    noTraceback(run.output);
  });

  it('a lone surrogate key with --summary: the summary is written (as a JSON escape), no UnicodeEncodeError', () => {
    const run = runGate(GATES, { 'metrics.json': '{"mae": 1, "\\udc80": 2}' }, ['--summary', 'summary.json']);
    expect(run.status).toBe(0);
    noTraceback(run.output);
  });
});
