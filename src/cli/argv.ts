/**
 * A small argv parser for the fast path, driven by the same flag specs as the oclif commands.
 *
 * It accepts only the plain forms (`--name`, `--name value`, `--name=value`, `-c`, `-c value`)
 * and returns undefined for anything else: an unknown or repeated flag, exclusive flags
 * together, a missing value, `--`, help or version. bin/run.js then hands the same argv to
 * oclif, so every usage error is oclif's own message and exit code, never a second dialect.
 */
import type { FlagSpecs } from './flags.js';

export interface ParsedArgv {
  flags: Record<string, string | boolean | undefined>;
  args: string[];
}

export function parseArgv(argv: readonly string[], specs: FlagSpecs, takesArgs: boolean): ParsedArgv | undefined {
  const byChar = new Map(Object.entries(specs).flatMap(([name, spec]) => (spec.char ? [[spec.char, name] as const] : [])));
  const given: Record<string, string | boolean> = {};
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      if (!takesArgs || arg === '-') return undefined;
      args.push(arg);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (arg.length === 2) {
      name = byChar.get(arg[1] as never);
    }
    const spec = name === undefined ? undefined : specs[name];
    if (!name || !spec || Object.hasOwn(given, name)) return undefined;
    if (spec.type === 'boolean') {
      if (inline !== undefined) return undefined;
      given[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    given[name] = value;
  }
  const flags: ParsedArgv['flags'] = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === 'boolean') {
      flags[name] = given[name] === true;
      if (flags[name] && spec.exclusive?.some((other) => given[other] !== undefined)) return undefined;
    } else {
      flags[name] = (given[name] as string | undefined) ?? spec.default;
    }
  }
  return { flags, args };
}
