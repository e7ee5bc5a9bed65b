/**
 * A loopback stand-in for the parts of Jenkins' remote API that `mlgen sync jenkins` uses,
 * written from the Jenkins docs and the pipeline-model-definition plugin's
 * ModelConverterAction: basic auth (401 otherwise), a crumb issuer whose crumb every POST must
 * carry (403 otherwise; stricter than Jenkins, which waives it for API tokens), the
 * declarative linter at /pipeline-model-converter/validate (form field `jenkinsfile`, plain
 * text answer), /createItem, /job/NAME/api/json and /job/NAME/config.xml. Like Jenkins, it
 * stores config.xml with plugin versions added; `ran()` adds what a first build writes.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendFiller, type Interception } from './gitlab-standin.js';

export interface JenkinsRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface StandInJob {
  className: string;
  config: string;
}

export const WORKFLOW_JOB = 'org.jenkinsci.plugins.workflow.job.WorkflowJob';
export const MULTIBRANCH_PROJECT = 'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject';

/** The linter, reduced: a `pipeline { }` block with `agent` and `stages`, braces balanced. */
export function standInValidate(jenkinsfile: string): string {
  const code = jenkinsfile.replace(/\/\/.*$/gm, '');
  const errors: string[] = [];
  if (!/^\s*pipeline\s*\{/.test(code)) errors.push('WorkflowScript: 1: Missing required section "pipeline" @ line 1, column 1.');
  if (!/\bagent\b/.test(code)) errors.push('WorkflowScript: 1: Missing required section "agent" @ line 1, column 1.');
  if (!/\bstages\s*\{/.test(code)) errors.push('WorkflowScript: 1: Missing required section "stages" @ line 1, column 1.');
  if ((code.match(/\{/g) ?? []).length !== (code.match(/\}/g) ?? []).length) errors.push('WorkflowScript: 1: unexpected token: } @ line 1, column 1.');
  return errors.length === 0 ? 'Jenkinsfile successfully validated.' : ['Errors encountered validating Jenkinsfile:', ...errors].join('\n');
}

export class JenkinsStandIn {
  readonly user = 'mlgen-bot';
  readonly token = `11${randomBytes(16).toString('hex')}`;
  readonly crumb = randomBytes(16).toString('hex');
  readonly jobs = new Map<string, StandInJob>();
  readonly requests: JenkinsRequest[] = [];
  readonly validated: string[] = [];
  validate: (jenkinsfile: string) => string = standInValidate;
  intercept: (request: JenkinsRequest) => Interception = () => undefined;
  url = '';
  private readonly server = createServer((req, res) => void this.handle(req, res));

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests that change a job (the linter is a POST that changes nothing). */
  writes(): JenkinsRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && !r.path.startsWith('/pipeline-model-converter/'));
  }

  /** What Jenkins writes into config.xml once the Jenkinsfile has run: its triggers and parameters. */
  ran(name: string): void {
    const job = this.jobs.get(name)!;
    const property =
      '<org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty><triggers><hudson.triggers.TimerTrigger><spec>0 6 * * *</spec></hudson.triggers.TimerTrigger></triggers></org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty>';
    job.config = job.config.includes('<properties/>')
      ? job.config.replace('<properties/>', `<properties>${property}</properties>`)
      : job.config.replace('<properties>', `<properties>${property}`);
  }

  /** Jenkins re-serializes what it stores: plugin versions on the root, the definition and the SCM. */
  private store(xml: string): string {
    return xml
      .replace(/<\?xml version=['"]1\.[01]['"][^?]*\?>/, "<?xml version='1.1' encoding='UTF-8'?>")
      .replace(/<flow-definition(?: plugin="[^"]*")?>/, '<flow-definition plugin="workflow-job@1436.vfa_244484591f">')
      .replace(/<(org\.jenkinsci\.plugins\.workflow\.multibranch\.WorkflowMultiBranchProject)(?: plugin="[^"]*")?>/, '<$1 plugin="workflow-multibranch@795.ve0cb_1f45ca_9a_">')
      .replace(/<source class="jenkins\.plugins\.git\.GitSCMSource"(?: plugin="[^"]*")?>/, '<source class="jenkins.plugins.git.GitSCMSource" plugin="git@5.2.2">')
      .replace(/<definition class="([^"]+)"(?: plugin="[^"]*")?>/, '<definition class="$1" plugin="workflow-cps@3894.vd0f0248b_a_fc4">')
      .replace(/<scm class="hudson\.plugins\.git\.GitSCM"(?: plugin="[^"]*")?>/, '<scm class="hudson.plugins.git.GitSCM" plugin="git@5.2.2">');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const request: JenkinsRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    this.requests.push(request);
    const send = (status: number, body = '', type = 'text/html;charset=utf-8', headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, ...headers });
      res.end(body);
    };
    const intercepted = this.intercept(request);
    if (intercepted === 'hang') return;
    if (intercepted?.bytes !== undefined) return sendFiller(res, intercepted.status, intercepted.bytes, intercepted.headers);
    if (intercepted) {
      return send(intercepted.status, typeof intercepted.body === 'string' ? intercepted.body : '<html><body>Error</body></html>', 'text/html;charset=utf-8', intercepted.headers);
    }
    const expected = `Basic ${Buffer.from(`${this.user}:${this.token}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      return send(401, '<html><body>Unauthorized</body></html>', 'text/html;charset=utf-8', { 'www-authenticate': 'Basic realm="Jenkins"' });
    }
    if (request.method === 'GET' && url.pathname === '/crumbIssuer/api/json') {
      const body = JSON.stringify({ _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb: this.crumb, crumbRequestField: 'Jenkins-Crumb' });
      return send(200, body, 'application/json;charset=utf-8', { 'set-cookie': 'JSESSIONID.stand-in=node01abc; Path=/; HttpOnly' });
    }
    if (request.method === 'POST' && req.headers['jenkins-crumb'] !== this.crumb) {
      return send(403, '<html><body>No valid crumb was included in the request</body></html>');
    }
    if (request.method === 'GET' && url.pathname === '/api/json') {
      const jobs = [...this.jobs].map(([name, job]) => ({ _class: job.className, name, url: `${this.url}/job/${name}/` }));
      return send(200, JSON.stringify({ _class: 'hudson.model.Hudson', jobs, useCrumbs: true }), 'application/json;charset=utf-8');
    }
    if (request.method === 'POST' && url.pathname === '/pipeline-model-converter/validate') {
      const jenkinsfile = new URLSearchParams(request.body).get('jenkinsfile');
      if (jenkinsfile === null) return send(200, 'No Jenkinsfile specified', 'text/plain;charset=utf-8');
      this.validated.push(jenkinsfile);
      return send(200, this.validate(jenkinsfile), 'text/plain;charset=utf-8');
    }
    if (request.method === 'POST' && url.pathname === '/createItem') {
      const name = url.searchParams.get('name') ?? '';
      if (this.jobs.has(name)) return send(400, '', 'text/html', { 'x-error': `A job already exists with the name ?${name}?` });
      // Jenkins makes the item of the class the root element names.
      const root = /^<\?xml[^>]*\?>\s*<([\w.-]+)/.exec(request.body)?.[1];
      const className = root === 'flow-definition' ? WORKFLOW_JOB : root === MULTIBRANCH_PROJECT ? MULTIBRANCH_PROJECT : undefined;
      if (!className) return send(500, '<html>Unable to read config</html>');
      this.jobs.set(name, { className, config: this.store(request.body) });
      return send(200);
    }
    const jobPath = /^\/job\/([^/]+)\/(api\/json|config\.xml)$/.exec(url.pathname);
    const job = jobPath ? this.jobs.get(decodeURIComponent(jobPath[1]!)) : undefined;
    if (!jobPath || !job) return send(404, '<html><body>Not Found</body></html>');
    const name = decodeURIComponent(jobPath[1]!);
    if (request.method === 'GET' && jobPath[2] === 'api/json') {
      return send(200, JSON.stringify({ _class: job.className, name, url: `${this.url}/job/${name}/`, buildable: true }), 'application/json;charset=utf-8');
    }
    if (request.method === 'GET') return send(200, job.config, 'application/xml');
    if (request.method === 'POST') {
      job.config = this.store(request.body);
      return send(200);
    }
    return send(405);
  }
}

export async function startJenkinsStandIn(): Promise<JenkinsStandIn> {
  return new JenkinsStandIn().start();
}
