/**
 * Reads a declarative Jenkinsfile (jenkins.io/doc/book/pipeline/syntax). Groovy is not
 * parsed: strings are masked, braces matched, and the directives mlgen knows are read from
 * the blocks they stand in. Anything else a stage does is listed as not carried over.
 */
import { skippedCommand } from './github.js';
import { rewriteCommand, SECRET_NAME, type VariableTable } from './rewrite.js';
import type { ForeignJob, ForeignPipeline, Located } from './types.js';

const VARIABLES: VariableTable = {
  pattern: /\$\{?(GIT_COMMIT|WORKSPACE|BUILD_NUMBER|BUILD_ID|JOB_NAME|BRANCH_NAME)\}?/g,
  known: { GIT_COMMIT: '$MLGEN_VERSION', WORKSPACE: '.' },
};

/** The text with every string literal's content replaced by spaces, so braces inside strings do not count. */
function maskStrings(text: string): string {
  return text.replace(/'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|\/\/[^\n]*/g, (m) => m.replace(/[^\n]/g, ' '));
}

/** The index of the brace closing the block that opens at the first `{` at or after `from`. */
function blockAt(masked: string, from: number): { start: number; end: number } | undefined {
  const open = masked.indexOf('{', from);
  if (open < 0) return undefined;
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    if (masked[i] === '{') depth++;
    else if (masked[i] === '}' && --depth === 0) return { start: open, end: i };
  }
  return undefined;
}

const lineAt = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Jenkins' `H` (a hash-spread value) as the field's first value: a fixed time mlgen's cron accepts. */
function standardCron(spec: string): string {
  const lowest = ['0', '0', '1', '1', '0'];
  return spec
    .trim()
    .split(/\s+/)
    .map((field, i) => field.replace(/^H(\([^)]*\))?(\/\d+)?$/, (_, range: string | undefined, step: string | undefined) => (range ? range.slice(1, -1).split('-')[0]! : step ? `*${step}` : lowest[i]!)))
    .join(' ');
}

function shCommands(text: string, region: { start: number; end: number }, file: string): Located<string>[] {
  const body = text.slice(region.start, region.end);
  const found: Located<string>[] = [];
  const pattern = /\bsh\s*\(?\s*(?:script:\s*)?('''|"""|'|")([\s\S]*?)\1/g;
  for (const match of body.matchAll(pattern)) {
    const first = lineAt(text, region.start + match.index! + match[0].indexOf(match[2]!));
    match[2]!.split('\n').forEach((raw, i) => {
      const command = raw.trim();
      if (command && !command.startsWith('#')) found.push({ file, line: first + i, value: command });
    });
  }
  return found;
}

export function readJenkinsfile(file: string, text: string): ForeignPipeline | undefined {
  if (!/\bpipeline\s*\{/.test(text)) return undefined;
  const masked = maskStrings(text);
  const pipeline: ForeignPipeline = { file, platform: 'jenkins', jobs: [], branches: [], schedules: [], skipped: [] };
  const stageRegions: { start: number; end: number }[] = [];
  for (const match of text.matchAll(/\bstage\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (masked.slice(match.index!, match.index! + 5) !== 'stage') continue;
    const region = blockAt(masked, match.index! + match[0].length);
    if (!region) continue;
    stageRegions.push(region);
    const body = text.slice(region.start, region.end);
    const job: ForeignJob = { file, line: lineAt(text, match.index!), name: match[1]!, commands: [], runsOn: 'always', manual: /\binput\s*[({]/.test(body), secrets: [], onFailure: [] };
    const branch = /\bwhen\s*\{[^}]*?\bbranch\s+['"]([^'"*]+)['"]/.exec(body);
    if (branch) {
      job.runsOn = 'release';
      pipeline.branches.push({ file, line: lineAt(text, region.start + branch.index + branch[0].lastIndexOf(branch[1]!)), value: branch[1]! });
    }
    if (/triggeredBy\s+['"](TimerTrigger|hudson\.triggers\.TimerTrigger)/.test(body)) job.runsOn = 'schedule';
    const image = /\bdocker\s*\{[^}]*?\bimage\s+['"]([^'"]+)['"]/.exec(body);
    if (image) job.image = { file, line: lineAt(text, region.start + image.index + image[0].lastIndexOf(image[1]!)), value: image[1]! };
    for (const line of shCommands(text, region, file)) {
      const rewritten = rewriteCommand(line.value, VARIABLES);
      if ('why' in rewritten) pipeline.skipped.push(skippedCommand(line, job.name, rewritten.why));
      else job.commands.push({ ...line, value: rewritten.command });
    }
    pipeline.jobs.push(job);
  }
  const outside = (index: number) => !stageRegions.some((r) => index > r.start && index < r.end);
  const image = /\bagent\s*\{\s*docker\s*\{[^}]*?\bimage\s+['"]([^'"]+)['"]/.exec(text);
  if (image && outside(image.index)) pipeline.defaultImage = { file, line: lineAt(text, image.index + image[0].lastIndexOf(image[1]!)), value: image[1]! };
  const label = /\bagent\s*\{\s*label\s+['"]([^'"]+)['"]/.exec(text);
  if (label && outside(label.index)) for (const job of pipeline.jobs) job.runner ??= { file, line: lineAt(text, label.index + label[0].lastIndexOf(label[1]!)), value: [label[1]!] };
  for (const cron of text.matchAll(/\bcron\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const value = standardCron(cron[1]!);
    pipeline.schedules.push({ file, line: lineAt(text, cron.index!), value });
    if (value !== cron[1]!.trim()) pipeline.skipped.push({ file, line: lineAt(text, cron.index!), what: `the spread-out time "H" in cron('${cron[1]}')`, why: `standard cron has no H; the draft runs it at "${value}"` });
  }
  for (const secret of text.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*=\s*credentials\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    if (SECRET_NAME.test(secret[1]!)) for (const job of pipeline.jobs) job.secrets.push({ file, line: lineAt(text, secret.index!), value: secret[1]! });
  }
  const timeout = /\btimeout\s*\(\s*time:\s*(\d+)\s*,\s*unit:\s*['"](HOURS|MINUTES)['"]/.exec(text);
  if (timeout && outside(timeout.index)) pipeline.defaultTimeoutMinutes = { file, line: lineAt(text, timeout.index), value: Number(timeout[1]) * (timeout[2] === 'HOURS' ? 60 : 1) };
  const post = [...masked.matchAll(/\bpost\s*\{/g)].find((m) => outside(m.index!));
  const postBlock = post ? blockAt(masked, post.index!) : undefined;
  const failure = postBlock ? /\b(failure|unsuccessful)\s*\{/.exec(masked.slice(postBlock.start, postBlock.end)) : null;
  if (postBlock && failure) {
    const block = blockAt(masked, postBlock.start + failure.index);
    if (block) pipeline.onFailure = shCommands(text, block, file).map((line) => ({ ...line, value: rewriteOrKeep(line.value) }));
  }
  return pipeline;
}

function rewriteOrKeep(command: string): string {
  const rewritten = rewriteCommand(command, VARIABLES);
  return 'why' in rewritten ? command : rewritten.command;
}
