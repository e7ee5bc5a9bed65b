/** Shared by the sync tests: plans from the shared fixture manifests, fixture files, a closed port. */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import type { GeneratedFile } from '../../../src/files/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { compilePlan, type Plan } from '../../../src/plan/index.js';
import { fixtureText } from '../../support/harness.js';

export function planOf(fixture: string): Plan {
  const loaded = loadManifest(fixtureText(fixture), `${fixture}.yaml`);
  if (!loaded.ok) throw new Error(`fixture ${fixture} does not load`);
  return compilePlan(loaded.manifest);
}

export function syncFixture(path: string): GeneratedFile {
  return { path, content: readFileSync(new URL(`../fixtures/${path === '.gitlab-ci.yml' ? 'gitlab-ci.yml' : path}`, import.meta.url), 'utf8') };
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Collects what a sync logs. */
export function logLines(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

/** Headers that carry a credential to GitLab or Jenkins; none may reach a second origin. */
export const CREDENTIAL_HEADERS = ['private-token', 'authorization', 'job-token', 'cookie', 'jenkins-crumb'] as const;

/**
 * A second origin (another loopback port) that answers 200 to everything and records what
 * arrives: where a redirect from the stand-in points.
 */
export async function startSecondOrigin(): Promise<{ url: string; requests: { path: string; headers: IncomingHttpHeaders }[]; close(): Promise<void> }> {
  const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server = createHttpServer((req, res) => {
    requests.push({ path: req.url ?? '/', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"id":42,"path_with_namespace":"acme/house-prices"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The credential headers in a recorded request. */
export function credentialsIn(headers: IncomingHttpHeaders): string[] {
  return CREDENTIAL_HEADERS.filter((name) => headers[name] !== undefined);
}
