/**
 * Imported first by the fast path (before any zod schema exists): a CLI run parses one or a
 * few manifests, and zod's JIT (a parser compiled with `new Function` per object shape, on
 * first use) costs a cold run more than it saves. Results are the same either way.
 */
import { config } from 'zod';

config({ jitless: true });
