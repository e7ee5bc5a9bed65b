/**
 * Preloaded with `node --import` into the built CLI by tests/files/run-atomicity.test.ts: makes
 * one file system call fail as a full or read-only disk would. MLGEN_TEST_FS_FAIL is
 * `<call>:<basename>:<errno>`: `write:Jenkinsfile:ENOSPC` fails writing any temp file staged
 * for Jenkinsfile, `rename:Jenkinsfile:EROFS` fails the rename onto it. Builtin ESM exports
 * are re-synced, so `import { writeSync } from 'node:fs'` sees the failing one.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

const [call, name, code] = (process.env.MLGEN_TEST_FS_FAIL ?? '').split(':');
const fail = () => Object.assign(new Error(`${code}: injected failure`), { code, errno: -28, syscall: call });
const stagedFor = (path) => basename(String(path)).startsWith(`.${name}.`) && String(path).endsWith('.mlgen-tmp');

const paths = new Map();
const { openSync, writeSync, renameSync, closeSync } = fs;
fs.openSync = (path, ...rest) => {
  const fd = openSync(path, ...rest);
  paths.set(fd, String(path));
  return fd;
};
fs.closeSync = (fd) => {
  paths.delete(fd);
  return closeSync(fd);
};
if (call === 'write') {
  fs.writeSync = (fd, ...rest) => {
    if (stagedFor(paths.get(fd) ?? '')) throw fail();
    return writeSync(fd, ...rest);
  };
}
if (call === 'rename') {
  fs.renameSync = (from, to) => {
    if (basename(String(to)) === name && stagedFor(from)) throw fail();
    return renameSync(from, to);
  };
}
syncBuiltinESMExports();
