/** protectMacros against the agent's macro pass: text survives whatever variables exist. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOLLAR_PAREN, protectMacros } from '../../../src/escape/azure.js';
import { expandMacros } from './expressions.js';

describe('protectMacros', () => {
  const agentVariables = { [DOLLAR_PAREN]: '$(', 'Build.SourceVersion': 'abc', pwd: 'PWD-VAR', API_TOKEN: 'secret' };

  it('keeps the commands of the adversarial fixture intact', () => {
    for (const text of [`echo '$(Build.SourceVersion)'`, 'cd $(pwd)', 'echo $((1+2))', 'echo "$(date +%s)"', 'x=$(API_TOKEN)', '$($(pwd))', '$()', '$(', ')$(']) {
      expect(expandMacros(protectMacros(text), agentVariables)).toBe(text);
    }
  });

  it('leaves command substitutions with spaces readable', () => {
    expect(protectMacros('echo $(git rev-parse HEAD)')).toBe('echo $(git rev-parse HEAD)');
    expect(protectMacros("echo '$(Build.SourceVersion)'")).toBe(`echo '$(${DOLLAR_PAREN})Build.SourceVersion)'`);
  });

  it('survives the agent for any text and any variable names without whitespace', () => {
    const piece = fc.constantFrom('$(', ')', '$', '(', ' ', 'a', 'pwd', 'API_TOKEN', 'Build.SourceVersion', '\n', "'", DOLLAR_PAREN);
    const text = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(''));
    const name = fc.string({ minLength: 1, maxLength: 6 }).filter((n) => /^\S+$/.test(n) && !n.includes(')'));
    fc.assert(
      fc.property(text, fc.dictionary(name, fc.string({ maxLength: 4 })), (t, vars) => {
        expect(expandMacros(protectMacros(t), { ...vars, [DOLLAR_PAREN]: '$(' })).toBe(t);
      }),
      { numRuns: 500 },
    );
  });
});
