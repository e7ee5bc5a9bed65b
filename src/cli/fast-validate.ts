/** Entry of dist/mlgen-validate.cjs (scripts/build-bundle.mjs): only what `mlgen validate` needs. */
import './zod-config.js';
import { runFast } from './fast.js';
import { validateFiles } from './validate.js';

export const run = (argv: readonly string[]): Promise<boolean> => runFast(argv, { validate: validateFiles });
