/** Reads GitHub Actions workflows (docs.github.com/actions/writing-workflows/workflow-syntax-for-github-actions). */
import { isMap, isSeq, type YAMLMap } from 'yaml';
import { rewriteCommand, SECRET_NAME, type VariableTable } from './rewrite.js';
import type { ForeignJob, ForeignPipeline, Located, Skipped } from './types.js';
import { nodeAt, parseYamlSource, scalarText, shellLines, type YamlSource } from './yaml-lines.js';

/** GitHub-hosted runner labels (docs: "GitHub-hosted runners"): mlgen's default runner covers them. */
const HOSTED = /^(ubuntu|windows|macos)-(latest|\d[\w.-]*)$/;

const VARIABLES: VariableTable = {
  pattern: /\$\{\{([^}]*)\}\}/g,
  known: { 'github.sha': '"$MLGEN_VERSION"' },
  secret: (name) => {
    const secret = /^secrets\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(name)?.[1];
    return secret && SECRET_NAME.test(secret) ? secret : undefined;
  },
};

function secretsIn(text: string, origin: { file: string; line: number }): Located<string>[] {
  return [...text.matchAll(/\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].filter((m) => m[1] !== 'GITHUB_TOKEN').map((m) => ({ ...origin, value: m[1]! }));
}

/** Secrets an `env:` mapping reads, each at its own line. */
function envSecrets(source: YamlSource, env: unknown): Located<string>[] {
  if (!isMap(env)) return [];
  return env.items.flatMap((pair) => secretsIn(String(scalarText(pair.value) ?? ''), { file: source.file, line: source.lineOf(pair.value) }));
}

function keysOf(node: unknown): string[] {
  if (isMap(node)) return node.items.map((pair) => String(scalarText(pair.key) ?? ''));
  const text = scalarText(node);
  if (text) return [text];
  return isSeq(node) ? node.items.map((i) => String(scalarText(i) ?? '')) : [];
}

export function readGithubWorkflow(file: string, text: string): ForeignPipeline | undefined {
  const source = parseYamlSource(file, text);
  if (!source || !isMap(source.doc.contents)) return undefined;
  const root = source.doc.contents;
  const on = nodeAt(source, root, 'on') ?? nodeAt(source, root, true as unknown as string);
  const events = keysOf(on);
  const pipeline: ForeignPipeline = { file, platform: 'github', jobs: [], branches: [], schedules: [], skipped: [] };
  const push = nodeAt(source, on, 'push');
  for (const branch of listOf(source, nodeAt(source, push, 'branches'))) pipeline.branches.push(branch);
  for (const entry of isSeq(nodeAt(source, on, 'schedule')) ? (nodeAt(source, on, 'schedule') as { items: unknown[] }).items : []) {
    const cron = nodeAt(source, entry, 'cron');
    const value = scalarText(cron);
    if (value) pipeline.schedules.push({ file, line: source.lineOf(cron), value });
  }
  const scheduledOnly = events.length > 0 && events.every((e) => e === 'schedule' || e === 'workflow_dispatch') && events.includes('schedule');
  const jobs = nodeAt(source, root, 'jobs');
  if (!isMap(jobs)) return pipeline;
  for (const pair of jobs.items) {
    const name = String(scalarText(pair.key) ?? '');
    const job = readJob(source, name, pair.value as YAMLMap, pipeline);
    if (scheduledOnly) job.runsOn = 'schedule';
    pipeline.jobs.push(job);
  }
  return pipeline;
}

function listOf(source: YamlSource, node: unknown): Located<string>[] {
  if (isSeq(node)) return node.items.flatMap((item) => (scalarText(item) ? [{ file: source.file, line: source.lineOf(item), value: scalarText(item)! }] : []));
  const text = scalarText(node);
  return text ? [{ file: source.file, line: source.lineOf(node), value: text }] : [];
}

function readJob(source: YamlSource, name: string, node: YAMLMap, pipeline: ForeignPipeline): ForeignJob {
  const file = source.file;
  const job: ForeignJob = { file, line: source.lineOf(node), name, commands: [], runsOn: 'always', manual: false, secrets: [], onFailure: [] };
  const condition = scalarText(nodeAt(source, node, 'if')) ?? '';
  if (/github\.event_name\s*==\s*'push'|github\.ref\s*==\s*'refs\/heads\//.test(condition)) job.runsOn = 'release';
  const runsOn = listOf(source, nodeAt(source, node, 'runs-on'));
  if (runsOn.length > 0 && !runsOn.every((label) => HOSTED.test(label.value))) job.runner = { file, line: runsOn[0]!.line, value: runsOn.map((l) => l.value) };
  const container = nodeAt(source, node, 'container');
  const image = scalarText(container) ?? scalarText(nodeAt(source, container, 'image'));
  if (image) job.image = { file, line: source.lineOf(container), value: image };
  const timeout = nodeAt(source, node, 'timeout-minutes');
  if (typeof scalarText(timeout) === 'string' && /^\d+$/.test(scalarText(timeout)!)) job.timeoutMinutes = { file, line: source.lineOf(timeout), value: Number(scalarText(timeout)) };
  const environment = nodeAt(source, node, 'environment');
  const environmentName = scalarText(environment) ?? scalarText(nodeAt(source, environment, 'name'));
  const url = nodeAt(source, environment, 'url');
  if (environmentName) job.environment = { file, line: source.lineOf(environment), name: environmentName, ...(scalarText(url) ? { url: { file, line: source.lineOf(url), value: scalarText(url)! } } : {}) };
  job.secrets.push(...envSecrets(source, nodeAt(source, node, 'env')));
  const steps = nodeAt(source, node, 'steps');
  for (const step of isSeq(steps) ? steps.items : []) readStep(source, step as YAMLMap, job, pipeline);
  return job;
}

function readStep(source: YamlSource, step: YAMLMap, job: ForeignJob, pipeline: ForeignPipeline): void {
  const file = source.file;
  const uses = scalarText(nodeAt(source, step, 'uses'));
  job.secrets.push(...envSecrets(source, nodeAt(source, step, 'env')));
  if (uses) {
    const action = uses.split('@')[0]!;
    const inputs = nodeAt(source, step, 'with');
    if (action === 'actions/setup-python') {
      const version = nodeAt(source, inputs, 'python-version');
      if (scalarText(version)) pipeline.python ??= { file, line: source.lineOf(version), value: scalarText(version)! };
    } else if (action === 'actions/upload-artifact') {
      const paths = shellLines(source, nodeAt(source, inputs, 'path'));
      if (paths.length > 0) job.artifacts = { file, line: paths[0]!.line, value: paths.map((p) => p.value) };
    } else if (action !== 'actions/checkout' && action !== 'actions/cache' && action !== 'actions/download-artifact') {
      pipeline.skipped.push({ file, line: source.lineOf(step), what: `the step "uses: ${uses}" in job ${job.name}`, why: 'actions are GitHub-only: run its command line instead, or keep it in overrides.github' });
    }
    return;
  }
  for (const line of shellLines(source, nodeAt(source, step, 'run'))) {
    job.secrets.push(...secretsIn(line.value, line));
    const rewritten = rewriteCommand(line.value, VARIABLES);
    if ('why' in rewritten) pipeline.skipped.push(skippedCommand(line, job.name, rewritten.why));
    else job.commands.push({ ...line, value: rewritten.command });
  }
}

export function skippedCommand(line: Located<string>, job: string, why: string): Skipped {
  return { file: line.file, line: line.line, what: `the command "${line.value}" in job ${job}`, why };
}
