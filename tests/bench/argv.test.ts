/** The fast path's argv parser: the plain forms parse; everything else is declined (undefined) for oclif to handle. */
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../../src/cli/argv.js';
import { BASE_FLAGS, GENERATE_FLAGS } from '../../src/cli/flags.js';

const SPECS = { ...BASE_FLAGS, json: { type: 'boolean', description: 'json' }, ...GENERATE_FLAGS } as const;

describe('parseArgv', () => {
  it('applies defaults when nothing is given', () => {
    expect(parseArgv([], SPECS, false)).toEqual({
      flags: { quiet: false, json: false, manifest: 'mlgen.yaml', out: undefined, target: undefined, force: false, replace: false, check: false, diff: false, watch: false, 'fail-on-change': false },
      args: [],
    });
  });

  it('reads long, long=value, short and short-with-value forms', () => {
    const parsed = parseArgv(['-m', 'a.yaml', '--out=build', '--target', 'github,gitlab', '-f', '--json', '-q', '--fail-on-change'], SPECS, false);
    expect(parsed?.flags).toMatchObject({ manifest: 'a.yaml', out: 'build', target: 'github,gitlab', force: true, json: true, quiet: true, 'fail-on-change': true });
  });

  it('collects arguments only where the command takes them', () => {
    expect(parseArgv(['a.yaml', '--json', 'b.yaml'], { ...BASE_FLAGS }, true)).toBeUndefined(); // --json unknown in these specs
    expect(parseArgv(['a.yaml', '-q', 'b.yaml'], { ...BASE_FLAGS }, true)?.args).toEqual(['a.yaml', 'b.yaml']);
    expect(parseArgv(['a.yaml'], SPECS, false)).toBeUndefined();
  });

  it.each([
    [['--help']],
    [['-h']],
    [['--version']],
    [['--bogus']],
    [['-x']],
    [['-fq']],
    [['--force', '--force']],
    [['--manifest', 'a', '-m', 'b']],
    [['--check', '--watch']],
    [['--watch', '--diff']],
    [['--manifest']],
    [['--manifest', '--json']],
    [['--manifest=']],
    [['--force=true']],
    [['--', 'x']],
    [['-']],
  ])('declines %j', (argv) => {
    expect(parseArgv(argv, SPECS, false)).toBeUndefined();
  });
});
