/**
 * Reading a manifest: only a regular file, at most one byte past the loader's size limit
 * (`/dev/zero` or a FIFO would otherwise be read forever: security review, finding 25), and
 * only valid UTF-8 (finding 15). Shared by validate, generate, plan and adopt.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { describeErrno } from '../files/transaction.js';
import { findInvalidUtf8 } from '../manifest/utf8.js';
import { UserError } from './errors.js';

/** The loader's limit is 1 MB; one byte more lets it say the file is too large. */
export const MANIFEST_READ_LIMIT = 1024 * 1024 + 1;

export function readManifestBytes(manifest: string, missing: string): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(manifest, 'r');
    if (!fstatSync(fd).isFile()) throw new UserError(`${manifest} is not a regular file: name the manifest file itself`);
    const buffer = Buffer.alloc(MANIFEST_READ_LIMIT);
    let length = 0;
    for (let n = -1; length < buffer.length && n !== 0; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${manifest} does not exist: ${missing}` : `cannot read ${manifest}: ${describeErrno(error)}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The manifest's text; invalid UTF-8 is refused at its line and column. */
export function readManifestFile(manifest: string, missing: string): string {
  const bytes = readManifestBytes(manifest, missing);
  // Past the limit the loader reports the size; a sequence cut at the limit is not the file's fault.
  const problem = bytes.length < MANIFEST_READ_LIMIT ? findInvalidUtf8(bytes) : undefined;
  if (problem) {
    throw new UserError(`${manifest}:${problem.line}:${problem.column}: the manifest is not valid UTF-8 (byte ${problem.byte}): save it as UTF-8`);
  }
  return bytes.toString('utf8');
}
