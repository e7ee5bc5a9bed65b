/**
 * Finding 12 of the security review: `sync` read a server's answer to the end, however long it
 * was (a 300 MB body took 4 GB of memory and crashed it). This test measures the reading
 * itself, on the server's side, rather than a message or a crash: a loopback server answers
 * `sync gitlab`'s first request with a body that has no Content-Length and would go on for
 * 200 MiB, writing each 64 KiB only after the last one drained, and counts what it got to
 * write before the client hung up. A client that caps its reading hangs up after the cap, so
 * the server can have written at most the cap plus what the sockets buffer between them; a
 * client without a cap reads all 200 MiB. Nothing here depends on time: the count is taken
 * when the connection closes or the body ends.
 *
 * Only `syncGitLab` and the sync fixtures are imported, which c4e22b8 has as well, so this file
 * runs unchanged against that commit (where it fails: the server writes all 200 MiB).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { syncGitLab } from '../../src/sync/gitlab/index.js';
import { planOf, syncFixture } from './support/common.js';

const MiB = 1024 * 1024;
/** Where the server ends the body: a client without a cap reads this much and no more. */
const ENDLESS = 200 * MiB;
/**
 * What the default cap may be (tests/sync/hardening.test.ts holds it to at most 64 MiB) plus
 * what the loopback sockets can hold between server and client: the kernel's send buffer
 * (tcp_wmem, 4 MiB here) and receive buffer (tcp_rmem may grow to 32 MiB), and undici's and
 * node's own small queues.
 */
const CAP_PLUS_BUFFERS = 64 * MiB + 40 * MiB;

interface EndlessServer {
  url: string;
  /** Settles when the answer's connection closes or the whole body is written. */
  done: Promise<{ written: number; ended: boolean; hungUp: boolean }>;
  close(): Promise<void>;
}

/** Answers every request with up to `limit` bytes of JSON-looking filler, chunked. */
async function startEndlessServer(limit: number): Promise<EndlessServer> {
  let settle: (value: { written: number; ended: boolean; hungUp: boolean }) => void = () => {};
  const done = new Promise<{ written: number; ended: boolean; hungUp: boolean }>((resolve) => (settle = resolve));
  const server = createServer((req, res: ServerResponse) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    let ended = false;
    let hungUp = false;
    res.on('error', () => undefined);
    res.on('close', () => {
      hungUp = !ended;
      settle({ written, ended, hungUp });
    });
    const more = (): void => {
      while (!hungUp && written < limit) {
        const part = limit - written >= chunk.length ? chunk : chunk.subarray(0, limit - written);
        written += part.length;
        if (!res.write(part)) return void res.once('drain', more);
      }
      if (hungUp) return;
      ended = true;
      res.end(() => settle({ written, ended, hungUp }));
    };
    more();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    done,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const servers: EndlessServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('finding 12: answers are read up to a cap', () => {
  it(
    'GitLab loopback server: of an endless answer (200 MiB, no Content-Length) the client reads up to the cap and hangs up; the server writes at most the cap plus socket buffers',
    async () => {
      const server = await startEndlessServer(ENDLESS);
      servers.push(server);
      const outcome = await syncGitLab({
        url: server.url,
        project: 'acme/house-prices',
        token: 'glpat-0123456789abcdefghij',
        dryRun: true,
        showToken: false,
        // Generous, so that a slow machine never ends the reading early: the count must come
        // from a cap, not from a timeout.
        timeoutSeconds: 280,
        plan: planOf('spec-complete'),
        files: [syncFixture('.gitlab-ci.yml')],
        log: () => {},
      }).then(
        () => ({ ok: true as const, message: '' }),
        (error: unknown) => ({ ok: false as const, message: error instanceof Error ? error.message : String(error) }),
      );
      const { written, ended, hungUp } = await server.done;

      // The behaviour that was wrong: the whole answer was read.
      expect(written, `the server wrote ${written} bytes of a ${ENDLESS}-byte answer`).toBeLessThan(CAP_PLUS_BUFFERS);
      expect(ended).toBe(false);
      expect(hungUp).toBe(true);
      // And the reading ends the run with one line that says why.
      expect(outcome.ok).toBe(false);
      expect(outcome.message).toMatch(/^GitLab sent more than \d+ MB in one answer/);
      expect(outcome.message).not.toContain('\n');
    },
    300_000,
  );
});
