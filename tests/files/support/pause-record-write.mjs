/**
 * Preloaded with `node --import` into the built CLI by the finding 19 test in
 * tests/files/run-atomicity.test.ts, to force the interleaving of two runs that lost a record
 * entry at c4e22b8 (and only sometimes, as a race). It stands at two points every version of
 * `generate` goes through, and adds nothing to src/:
 *
 * - MLGEN_TEST_RELEASE_FIFO set: just before the rename that puts a new
 *   `.mlgen/generated.json` in place (the record's last step, after the run read the record it
 *   updates), say `paused` on fd 3 and wait until the test writes to that FIFO. The rename
 *   then goes ahead as it would have.
 * - Always: say `waiting` on fd 3 (once) when an exclusive open of
 *   `.mlgen/generated.json.lock` finds it taken, i.e. when this run waits for another run's
 *   lock on the record. Code without such a lock never says it.
 *
 * Builtin ESM exports are re-synced, so `import { renameSync } from 'node:fs'` sees these.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const RECORD = '/.mlgen/generated.json';
const release = process.env.MLGEN_TEST_RELEASE_FIFO;
const { openSync, readFileSync, renameSync, writeSync } = fs;
const say = (word) => writeSync(3, `${word}\n`);

let paused = false;
if (release) {
  fs.renameSync = (from, to) => {
    if (!paused && String(to).endsWith(RECORD)) {
      paused = true;
      say('paused');
      readFileSync(release); // blocks until the test opens the FIFO for writing and closes it
    }
    return renameSync(from, to);
  };
}

let waited = false;
fs.openSync = (path, flags, ...rest) => {
  try {
    return openSync(path, flags, ...rest);
  } catch (error) {
    if (!waited && error?.code === 'EEXIST' && String(path).endsWith(`${RECORD}.lock`)) {
      waited = true;
      say('waiting');
    }
    throw error;
  }
};
syncBuiltinESMExports();
