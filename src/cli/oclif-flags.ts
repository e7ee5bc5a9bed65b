/** oclif flags built from the plain specs in flags.ts (the fast path parses the same specs). */
import { Flags } from '@oclif/core';
import type { BooleanFlag, OptionFlag } from '@oclif/core/interfaces';
import type { FlagSpec, FlagSpecs } from './flags.js';

type OclifFlag<S extends FlagSpec> = S extends { type: 'boolean' } ? BooleanFlag<boolean> : S extends { default: string } ? OptionFlag<string> : OptionFlag<string | undefined>;

export function oclifFlags<S extends FlagSpecs>(specs: S): { [K in keyof S]: OclifFlag<S[K]> } {
  const flags: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const common = { description: spec.description, ...(spec.char ? { char: spec.char } : {}) };
    flags[name] =
      spec.type === 'boolean'
        ? Flags.boolean({ ...common, default: false, ...(spec.exclusive ? { exclusive: [...spec.exclusive] } : {}) })
        : Flags.string({ ...common, ...(spec.default !== undefined ? { default: spec.default } : {}) });
  }
  return flags as { [K in keyof S]: OclifFlag<S[K]> };
}
