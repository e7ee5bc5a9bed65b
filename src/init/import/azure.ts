/** Reads an azure-pipelines.yml (learn.microsoft.com/azure/devops/pipelines/yaml-schema). */
import { isMap, isSeq, type YAMLMap } from 'yaml';
import { skippedCommand } from './github.js';
import { rewriteCommand, SECRET_NAME, type VariableTable } from './rewrite.js';
import type { ForeignJob, ForeignPipeline, Located } from './types.js';
import { nodeAt, parseYamlSource, scalarText, shellLines, type YamlSource } from './yaml-lines.js';

/** Predefined variables with a contract equivalent (docs: "Use predefined variables"). */
const VARIABLES: VariableTable = {
  pattern: /\$\(([^)]*)\)/g,
  known: { 'Build.SourceVersion': '"$MLGEN_VERSION"', 'Build.SourcesDirectory': '.', 'Build.ArtifactStagingDirectory': 'artifacts', 'System.DefaultWorkingDirectory': '.' },
};

export function readAzurePipeline(file: string, text: string): ForeignPipeline | undefined {
  const source = parseYamlSource(file, text);
  if (!source || !isMap(source.doc.contents)) return undefined;
  const root = source.doc.contents;
  const pipeline: ForeignPipeline = { file, platform: 'azure', jobs: [], branches: [], schedules: [], skipped: [] };
  const trigger = nodeAt(source, root, 'trigger');
  pipeline.branches.push(...listOf(source, nodeAt(source, nodeAt(source, trigger, 'branches'), 'include') ?? (isSeq(trigger) ? trigger : undefined)));
  const schedules = nodeAt(source, root, 'schedules');
  for (const entry of isSeq(schedules) ? schedules.items : []) {
    const cron = nodeAt(source, entry, 'cron');
    if (scalarText(cron)) pipeline.schedules.push({ file, line: source.lineOf(cron), value: scalarText(cron)! });
  }
  const rootPool = poolLabels(source, nodeAt(source, root, 'pool'));
  for (const { name, node } of jobNodes(source, root)) pipeline.jobs.push(readJob(source, name, node, rootPool, pipeline));
  return pipeline;
}

/** Jobs at the root, under `jobs:`, or under `stages[].jobs` (docs: "pipeline" hierarchy). */
function jobNodes(source: YamlSource, root: YAMLMap): { name: string; node: YAMLMap }[] {
  const found: { name: string; node: YAMLMap }[] = [];
  const collect = (jobs: unknown) => {
    for (const job of isSeq(jobs) ? jobs.items : []) {
      if (!isMap(job)) continue;
      const name = scalarText(nodeAt(source, job, 'job')) ?? scalarText(nodeAt(source, job, 'deployment')) ?? 'job';
      found.push({ name, node: job });
    }
  };
  if (nodeAt(source, root, 'steps')) found.push({ name: 'build', node: root });
  collect(nodeAt(source, root, 'jobs'));
  const stages = nodeAt(source, root, 'stages');
  for (const stage of isSeq(stages) ? stages.items : []) collect(nodeAt(source, stage, 'jobs'));
  return found;
}

function listOf(source: YamlSource, node: unknown): Located<string>[] {
  if (!isSeq(node)) return [];
  return node.items.flatMap((item) => (scalarText(item) ? [{ file: source.file, line: source.lineOf(item), value: scalarText(item)! }] : []));
}

/** A pool's self-hosted name (a `vmImage` is Microsoft-hosted: mlgen's default covers it). */
function poolLabels(source: YamlSource, pool: unknown): Located<string[]> | undefined {
  const name = scalarText(pool) ?? scalarText(nodeAt(source, pool, 'name'));
  return name ? { file: source.file, line: source.lineOf(pool), value: [name] } : undefined;
}

function readJob(source: YamlSource, name: string, node: YAMLMap, rootPool: Located<string[]> | undefined, pipeline: ForeignPipeline): ForeignJob {
  const file = source.file;
  const job: ForeignJob = { file, line: source.lineOf(node), name, commands: [], runsOn: 'always', manual: false, secrets: [], onFailure: [] };
  const runner = poolLabels(source, nodeAt(source, node, 'pool')) ?? rootPool;
  if (runner) job.runner = runner;
  const timeout = scalarText(nodeAt(source, node, 'timeoutInMinutes'));
  if (timeout && /^\d+$/.test(timeout)) job.timeoutMinutes = { file, line: source.lineOf(nodeAt(source, node, 'timeoutInMinutes')), value: Number(timeout) };
  const condition = scalarText(nodeAt(source, node, 'condition')) ?? '';
  if (/variables\['Build\.SourceBranch'\],\s*'refs\/heads\//.test(condition)) job.runsOn = 'release';
  const steps = nodeAt(source, node, 'steps');
  for (const step of isSeq(steps) ? steps.items : []) {
    const task = scalarText(nodeAt(source, step, 'task'));
    const env = nodeAt(source, step, 'env');
    if (isMap(env)) {
      for (const pair of env.items) {
        const secret = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(scalarText(pair.value) ?? '')?.[1];
        if (secret && SECRET_NAME.test(secret)) job.secrets.push({ file, line: source.lineOf(pair.value), value: secret });
      }
    }
    if (task?.startsWith('UsePythonVersion@')) {
      const version = nodeAt(source, nodeAt(source, step, 'inputs'), 'versionSpec');
      if (scalarText(version)) pipeline.python ??= { file, line: source.lineOf(version), value: scalarText(version)! };
      continue;
    }
    if (task) {
      pipeline.skipped.push({ file, line: source.lineOf(step), what: `the task ${task} in job ${name}`, why: 'tasks are Azure-only: run its command line instead, or keep it in overrides.azure' });
      continue;
    }
    const script = nodeAt(source, step, 'script') ?? nodeAt(source, step, 'bash');
    for (const line of shellLines(source, script)) {
      const rewritten = rewriteCommand(line.value, VARIABLES);
      if ('why' in rewritten) pipeline.skipped.push(skippedCommand(line, name, rewritten.why));
      else job.commands.push({ ...line, value: rewritten.command });
    }
  }
  return job;
}
