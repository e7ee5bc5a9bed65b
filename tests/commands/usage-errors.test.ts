/**
 * oclif's usage errors in mlgen's style: one `error:` line with did-you-mean and where help is,
 * exit 2, no oclif banner; and the help texts the newcomer review found wrong.
 */
import { describe, expect, it } from 'vitest';
import { runCli, scratch } from '../files/cli.js';

describe('usage errors and help', () => {
  const dir = scratch('mlgen-usage-');

  it.each([
    [['genrate'], 'error: unknown command "genrate": did you mean mlgen generate? (mlgen --help lists them)'],
    [['generate', '--chek'], 'error: unknown flag --chek: did you mean --check? (mlgen generate --help lists the flags)'],
    [['plan', '--evnt', 'pr'], 'error: unknown flag --evnt: did you mean --event? (mlgen plan --help lists the flags)'],
    [['generate', '--check', '--watch'], 'error: --check and --watch cannot be given together (mlgen generate --help lists the flags)'],
  ])('%j: one line, exit 2', async (argv, line) => {
    const run = await runCli(argv, dir);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(line);
    expect(run.stdout).toBe('');
  });

  it('help: the sync topic names GitLab and Jenkins; generate’s usage has no empty alternative', async () => {
    const top = await runCli(['--help'], dir);
    expect(top.stdout).toMatch(/sync\s+Put what a CI file cannot hold[\s\S]*Jenkins jobs/);
    const generate = await runCli(['generate', '--help'], dir);
    expect(generate.stdout).not.toMatch(/\| \]/);
    expect(generate.stdout).toContain('--replace');
    expect(generate.stdout).toMatch(/Exit status: 0 done/);
  });
});
