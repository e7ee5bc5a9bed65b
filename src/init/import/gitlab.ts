/** Reads a .gitlab-ci.yml (docs.gitlab.com/ci/yaml). */
import { isMap, isSeq, type YAMLMap } from 'yaml';
import { skippedCommand } from './github.js';
import { rewriteCommand, SECRET_NAME, type VariableTable } from './rewrite.js';
import type { ForeignJob, ForeignPipeline, Located } from './types.js';
import { nodeAt, parseYamlSource, scalarText, shellLines, type YamlSource } from './yaml-lines.js';

/** Top-level keys that are not jobs (docs: "Global keywords"). */
const GLOBAL_KEYS = new Set(['default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script', 'spec', 'pages']);

/** Predefined variables with a contract equivalent; the rest of CI_* are GitLab's own. */
const VARIABLES: VariableTable = {
  pattern: /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
  known: { CI_COMMIT_SHA: '$MLGEN_VERSION', CI_COMMIT_SHORT_SHA: '$MLGEN_VERSION', CI_PROJECT_DIR: '.' },
  shellNative: true,
};

/** A variable a job reads that names a secret: not GitLab's own, and named like a credential. */
const SECRET_LIKE = /(TOKEN|PASSWORD|SECRET|KEY|CREDENTIALS)/;

export function readGitlabCi(file: string, text: string): ForeignPipeline | undefined {
  const source = parseYamlSource(file, text);
  if (!source || !isMap(source.doc.contents)) return undefined;
  const root = source.doc.contents;
  const pipeline: ForeignPipeline = { file, platform: 'gitlab', jobs: [], branches: [], schedules: [], skipped: [] };
  const defaults = nodeAt(source, root, 'default');
  const image = imageOf(source, nodeAt(source, defaults, 'image') ?? nodeAt(source, root, 'image'));
  if (image) pipeline.defaultImage = image;
  const beforeScript = shellLines(source, nodeAt(source, defaults, 'before_script') ?? nodeAt(source, root, 'before_script'));
  for (const pair of root.items) {
    const name = String(scalarText(pair.key) ?? '');
    if (GLOBAL_KEYS.has(name) || name.startsWith('.') || !isMap(pair.value)) continue;
    pipeline.jobs.push(readJob(source, name, pair.value, beforeScript, pipeline));
  }
  const branch = /\$CI_COMMIT_BRANCH\s*==\s*"([^"$]+)"/.exec(text);
  if (branch) pipeline.branches.push({ file, line: lineOfText(text, branch.index), value: branch[1]! });
  if (/CI_PIPELINE_SOURCE\s*==\s*\\?"schedule/.test(text)) {
    pipeline.skipped.push({ file, line: lineOfText(text, text.indexOf('"schedule"')), what: 'the schedules that start this file\'s scheduled pipelines', why: 'GitLab keeps schedules in the project (CI/CD → Schedules), not in the file: put their cron in the manifest; `mlgen sync gitlab` then creates them' });
  }
  return pipeline;
}

function lineOfText(text: string, index: number): number {
  return text.slice(0, Math.max(0, index)).split('\n').length;
}

function imageOf(source: YamlSource, node: unknown): Located<string> | undefined {
  const value = scalarText(node) ?? scalarText(nodeAt(source, node, 'name'));
  return value ? { file: source.file, line: source.lineOf(node), value } : undefined;
}

function readJob(source: YamlSource, name: string, node: YAMLMap, beforeScript: Located<string>[], pipeline: ForeignPipeline): ForeignJob {
  const file = source.file;
  const job: ForeignJob = { file, line: source.lineOf(node), name, commands: [], runsOn: 'always', manual: false, secrets: [], onFailure: [] };
  const own = nodeAt(source, node, 'before_script');
  const lines = [...(own ? shellLines(source, own) : beforeScript), ...shellLines(source, nodeAt(source, node, 'script'))];
  for (const line of lines) {
    for (const match of line.value.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g)) {
      const variable = match[1]!;
      if (!variable.startsWith('CI_') && SECRET_LIKE.test(variable) && SECRET_NAME.test(variable)) job.secrets.push({ ...line, value: variable });
    }
    const rewritten = rewriteCommand(line.value, VARIABLES);
    if ('why' in rewritten) pipeline.skipped.push(skippedCommand(line, name, rewritten.why));
    else job.commands.push({ ...line, value: rewritten.command });
  }
  const image = imageOf(source, nodeAt(source, node, 'image'));
  if (image) job.image = image;
  const tags = nodeAt(source, node, 'tags');
  if (isSeq(tags) && tags.items.length > 0) job.runner = { file, line: source.lineOf(tags), value: tags.items.map((t) => String(scalarText(t))) };
  const environment = nodeAt(source, node, 'environment');
  const environmentName = scalarText(environment) ?? scalarText(nodeAt(source, environment, 'name'));
  if (environmentName) {
    const url = nodeAt(source, environment, 'url');
    job.environment = { file, line: source.lineOf(environment), name: environmentName, ...(scalarText(url) ? { url: { file, line: source.lineOf(url), value: scalarText(url)! } } : {}) };
  }
  const paths = nodeAt(source, nodeAt(source, node, 'artifacts'), 'paths');
  if (isSeq(paths)) job.artifacts = { file, line: source.lineOf(paths), value: paths.items.map((p) => String(scalarText(p))) };
  const rules = JSON.stringify(nodeAt(source, node, 'rules')?.toJSON() ?? []);
  const when = scalarText(nodeAt(source, node, 'when'));
  job.manual = when === 'manual' || /"when":"manual"/.test(rules);
  const scheduleRule = /\{"if":"\$CI_PIPELINE_SOURCE == \\"schedule\\""(,"when":"(on_success|always)")?\}/.test(rules);
  if (scheduleRule) job.runsOn = 'schedule';
  else if (/\$CI_COMMIT_BRANCH == (\\"[^"\\]+\\"|\$CI_DEFAULT_BRANCH)/.test(rules) && !/merge_request_event/.test(rules)) job.runsOn = 'release';
  const only = nodeAt(source, node, 'only');
  if (only && /schedules/.test(String(only))) job.runsOn = 'schedule';
  return job;
}
