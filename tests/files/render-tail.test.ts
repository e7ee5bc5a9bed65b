import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderYamlFile } from '../../src/files/index.js';

describe('renderYamlFile: the render tail every YAML target shares', () => {
  const document = { variables: { A: '1', KEEP: 'mlgen' }, jobs: { build: { script: ['make'] } } };

  it('merges overrides by deepMerge (null deletes, lists replace), serializes, and puts the comment block first', () => {
    const file = renderYamlFile({ path: 'ci.yml', document, overrides: { variables: { A: null, B: '2' }, jobs: { build: { script: ['make all'] } } }, comment: '# needs: a runner\n' });
    expect(file.path).toBe('ci.yml');
    expect(file.comment).toBe('#');
    expect(file.body.startsWith('# needs: a runner\n')).toBe(true);
    expect(parse(file.body)).toEqual({ variables: { KEEP: 'mlgen', B: '2' }, jobs: { build: { script: ['make all'] } } });
  });

  it("uses the target's merge hook and serializer, and without overrides merges nothing", () => {
    const calls: unknown[] = [];
    const merge = (d: typeof document, o: Record<string, unknown>) => {
      calls.push(o);
      return { ...d, variables: { ...d.variables, ...(o.variables as object), KEEP: 'mlgen' } };
    };
    const serialize = (d: Record<string, unknown>) => `${JSON.stringify(d)}\n`;
    expect(JSON.parse(renderYamlFile({ path: 'x', document, overrides: { variables: { KEEP: 'gone' } }, merge, serialize }).body).variables).toEqual({ A: '1', KEEP: 'mlgen' });
    expect(renderYamlFile({ path: 'x', document, merge, serialize }).body).toBe(`${JSON.stringify(document)}\n`);
    expect(calls).toHaveLength(1);
  });
});
