/**
 * A loopback server for one GitHub REST endpoint, written from its documentation: "Create a
 * workflow dispatch event", POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches
 * (https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event): a JSON body
 * with `ref` (required) and `inputs`, a bearer token; 204 No Content when it starts the run, 403
 * when the token may not (a GITHUB_TOKEN without `actions: write`), 422 for a body without
 * `ref`, 404 for any other path. It records every request for the test to read.
 */
import { createServer, type Server } from 'node:http';

export interface DispatchRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface DispatchServer {
  url: string;
  requests: DispatchRequest[];
  close(): Promise<void>;
}

const ENDPOINT = /^\/repos\/[^/]+\/[^/]+\/actions\/workflows\/[^/]+\/dispatches$/;

/** `allowed`: the tokens that may dispatch (the others get 403, as a token without actions: write does). */
export async function startDispatchServer(allowed: readonly string[]): Promise<DispatchServer> {
  const requests: DispatchRequest[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      const path = request.url ?? '';
      const authorization = request.headers.authorization;
      requests.push({ method: request.method ?? '', path, authorization, body });
      const reply = (status: number, message?: string) => {
        response.writeHead(status, message ? { 'content-type': 'application/json' } : {});
        response.end(message ? JSON.stringify({ message, documentation_url: 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event' }) : undefined);
      };
      if (request.method !== 'POST' || !ENDPOINT.test(path)) return reply(404, 'Not Found');
      const token = authorization?.replace(/^(Bearer|token) /, '');
      if (token === undefined || token === authorization) return reply(401, 'Bad credentials');
      if (!allowed.includes(token)) return reply(403, 'Resource not accessible by integration');
      const ref = (body as { ref?: unknown } | null)?.ref;
      if (typeof ref !== 'string' || ref === '') return reply(422, 'Invalid request: "ref" wasn\'t supplied.');
      return reply(204);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
