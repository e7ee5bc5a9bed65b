/**
 * The fast path of bin/run.js: `validate` and `generate` without oclif, each bundled into one
 * file (fast-validate.ts, fast-generate.ts; scripts/build-bundle.mjs) because they run on every
 * commit and on every save.
 *
 * It parses argv from the same flag specs as the oclif commands, calls the same functions and
 * prints what oclif would print. Whatever it does not handle exactly as oclif would (help,
 * usage errors, an oclif colour theme for --json), it declines before doing anything, and
 * bin/run.js runs oclif instead.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgv } from './argv.js';
import { UserError } from '../engine/errors.js';
import { BASE_FLAGS, GENERATE_FLAGS, type FlagSpecs, type GenerateFlags } from './flags.js';
import type { generateFiles } from './generate.js';
import { printJson, printUserError, type Output } from './output.js';
import type { validateFiles } from './validate.js';

const JSON_FLAG = { json: { type: 'boolean', description: 'Format output as json.' } } as const satisfies FlagSpecs;

/** The commands one bundle implements (scripts/build-bundle.mjs builds one bundle per command). */
export interface FastCommands {
  validate?: typeof validateFiles;
  generate?: typeof generateFiles;
}

/** Runs the command and returns true, or returns false (having done nothing) for oclif to run it. */
export async function runFast(argv: readonly string[], commands: FastCommands): Promise<boolean> {
  const [command, ...rest] = argv;
  const specs = command === 'validate' && commands.validate ? { ...BASE_FLAGS, ...JSON_FLAG } : command === 'generate' && commands.generate ? { ...BASE_FLAGS, ...JSON_FLAG, ...GENERATE_FLAGS } : undefined;
  const parsed = specs && parseArgv(rest, specs, command === 'validate');
  if (!parsed) return false;
  const json = parsed.flags.json === true || process.env.MLGEN_CONTENT_TYPE?.toLowerCase() === 'json';
  if (json && oclifThemeExists()) return false;
  const output: Output = { json, quiet: parsed.flags.quiet === true };
  try {
    if (command === 'validate') {
      const { result, exitCode } = await commands.validate!(parsed.args.length > 0 ? parsed.args : ['mlgen.yaml'], output);
      if (json) printJson(result);
      process.exitCode = exitCode;
    } else {
      const result = await commands.generate!(parsed.flags as unknown as GenerateFlags, output);
      if (json) printJson(result);
      if (!result.ok) process.exitCode = 1;
    }
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    printUserError(output, error);
    process.exitCode = error.exitCode;
  }
  return true;
}

/** oclif colours --json output after a user theme (config dir/theme.json); only oclif does that. */
function oclifThemeExists(): boolean {
  const env = process.env;
  if (['1', 'true'].includes(env.MLGEN_DISABLE_THEME ?? '')) return false;
  const configHome = env.XDG_CONFIG_HOME || (process.platform === 'win32' && env.LOCALAPPDATA) || join(env.HOME || homedir(), '.config');
  return existsSync(join(env.MLGEN_CONFIG_DIR || join(configHome, 'mlgen'), 'theme.json'));
}
