/** Entry of dist/mlgen-generate.cjs (scripts/build-bundle.mjs): only what `mlgen generate` needs. */
import './zod-config.js';
import { runFast } from './fast.js';
import { generateFiles } from './generate.js';

export const run = (argv: readonly string[]): Promise<boolean> => runFast(argv, { generate: generateFiles });
