/**
 * The flags of the commands that bin/run.js may run without oclif (validate, generate), as
 * plain data. The oclif commands build their flags from these (oclif-flags.ts) and the fast
 * path parses argv with them (argv.ts): one definition, so the two cannot drift apart.
 */
import { targetIds } from '../manifest/index.js';

interface FlagCommon {
  description: string;
  char?: 'm' | 'o' | 't' | 'f' | 'w' | 'q';
}

/** Present or not; false when absent. */
export interface BooleanFlagSpec extends FlagCommon {
  type: 'boolean';
  /** Flags that may not be given together with this one. */
  exclusive?: readonly string[];
}

export interface StringFlagSpec extends FlagCommon {
  type: 'string';
  default?: string;
}

export type FlagSpec = BooleanFlagSpec | StringFlagSpec;
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** What parsing yields for a set of specs: booleans, strings (undefined when absent without a default). */
export type FlagValues<S extends FlagSpecs> = {
  [K in keyof S]: S[K] extends BooleanFlagSpec ? boolean : S[K] extends { default: string } ? string : string | undefined;
};

/** Every mlgen command has these (BaseCommand.baseFlags); --json comes from oclif's enableJsonFlag. */
export const BASE_FLAGS = {
  quiet: { type: 'boolean', char: 'q', description: 'Print only errors.' },
} as const satisfies FlagSpecs;

export const GENERATE_FLAGS = {
  manifest: { type: 'string', char: 'm', description: 'The manifest.', default: 'mlgen.yaml' },
  out: { type: 'string', char: 'o', description: "Where the files go (default: the manifest's directory)." },
  target: { type: 'string', char: 't', description: `Only these targets, comma-separated: ${targetIds().join(', ')}. Leaves other files alone.` },
  force: { type: 'boolean', char: 'f', description: 'Overwrite hand-edited and foreign files (no backup).', exclusive: ['replace'] },
  replace: { type: 'boolean', description: 'Move hand-edited and foreign files to PATH.mlgen-backup (never deleted by mlgen), then write the generated ones.', exclusive: ['force'] },
  check: { type: 'boolean', description: 'Write nothing; exit 1 when any file is missing, stale, hand-edited, foreign or orphaned.' },
  diff: { type: 'boolean', description: 'Write nothing; print a unified diff of what would change; exit 1 when something would.' },
  watch: { type: 'boolean', char: 'w', description: 'Regenerate on every save of the manifest until Ctrl-C.', exclusive: ['check', 'diff'] },
  'fail-on-change': { type: 'boolean', description: 'Exit 1 after writing or removing files (for pre-commit hooks: re-add them).' },
} as const satisfies FlagSpecs;

export type GenerateFlags = FlagValues<typeof GENERATE_FLAGS> & FlagValues<typeof BASE_FLAGS>;
