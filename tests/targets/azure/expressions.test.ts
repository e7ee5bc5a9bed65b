/** The test-side evaluator must itself follow Azure's rules, or conformance proves nothing. */
import { describe, expect, it } from 'vitest';
import { evaluate, expandTemplate } from './expressions.js';

const ctx = {
  variables: { 'Build.Reason': 'PullRequest', MLGEN_PIPELINE: 'ci' },
  parameters: { pipeline: 'retrain' },
  dependencies: {
    a: { result: 'Succeeded' as const, outputs: { 'j.s.changed': 'true' } },
    b: { result: 'Skipped' as const, outputs: {} },
    c: { result: 'Failed' as const, outputs: {} },
  },
};

describe('azure expressions', () => {
  it('compares strings without case and reads missing variables as empty', () => {
    expect(evaluate("eq(variables['build.reason'], 'pullrequest')", ctx)).toBe(true);
    expect(evaluate("eq(variables['Nope'], '')", ctx)).toBe(true);
    expect(evaluate("in(variables['MLGEN_PIPELINE'], 'predict', 'CI')", ctx)).toBe(true);
    expect(evaluate("notIn(variables['Build.Reason'], 'IndividualCI', 'PullRequest')", ctx)).toBe(false);
    expect(evaluate("ne(variables.MLGEN_PIPELINE, 'it''s')", ctx)).toBe(true);
  });

  it('applies status functions to dependency results', () => {
    expect(evaluate("succeeded('a')", ctx)).toBe(true);
    expect(evaluate("succeeded('a', 'b')", ctx)).toBe(false);
    expect(evaluate('failed()', ctx)).toBe(true);
    expect(evaluate("failed('a', 'b')", ctx)).toBe(false);
    expect(evaluate('and(not(canceled()), always())', ctx)).toBe(true);
    expect(evaluate('succeeded()', { ...ctx, canceled: true })).toBe(false);
    expect(() => evaluate("succeeded('zzz')", ctx)).toThrow(/not a dependency/);
  });

  it('reads output variables of dependencies', () => {
    expect(evaluate("eq(dependencies.a.outputs['j.s.changed'], 'true')", ctx)).toBe(true);
    expect(evaluate("eq(dependencies.b.result, 'Skipped')", ctx)).toBe(true);
  });

  it('reads a later stage\'s job outputs through stageDependencies; a mistyped step or variable reads as empty, never true', () => {
    const later = { variables: {}, stageDependencies: { monitor: { monitor: { result: 'Succeeded' as const, outputs: { 'verdict.drift': 'true' } } } } };
    expect(evaluate("eq(stageDependencies.monitor.monitor.outputs['verdict.drift'], 'true')", later)).toBe(true);
    expect(evaluate("eq(stageDependencies.monitor.monitor.result, 'Succeeded')", later)).toBe(true);
    expect(evaluate("eq(stageDependencies.monitor.monitor.outputs['verdikt.drift'], 'true')", later)).toBe(false);
    expect(evaluate("eq(stageDependencies.monitor.monitor.outputs['verdict.drfit'], 'true')", later)).toBe(false);
    expect(evaluate("eq(dependencies.a.outputs['j.wrong.changed'], 'true')", ctx)).toBe(false);
    expect(() => evaluate("eq(stageDependencies.other.monitor.outputs['verdict.drift'], 'true')", later)).toThrow(/not a stage this job's stage depends on/);
  });

  it('expands template expressions and refuses bad syntax', () => {
    expect(expandTemplate('${{ parameters.pipeline }}', ctx)).toBe('retrain');
    expect(() => evaluate('and(true', ctx)).toThrow();
    expect(() => evaluate('bogus(1)', ctx)).toThrow(/unknown function/);
  });
});
