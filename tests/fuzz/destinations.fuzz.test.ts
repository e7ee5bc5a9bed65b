/**
 * The destinations fuzzer: for every field of the destinations table
 * (src/manifest/destinations.ts), hostile strings drawn from the dangers of the destinations
 * that field reaches, placed in a full manifest and generated for every target. Each case is
 * either refused with a diagnostic placed at that field, or accepted, and then every output is
 * read back by the destination's own parser and must mean what the same manifest with a plain
 * value means: YAML 1.1 and 1.2 (`yaml`, the same documents, the same shape), bash -n for every
 * script, Groovy (one groovy process for all Jenkinsfiles, and the same code outside string
 * literals), GitHub expressions (@actions/expressions), Azure expressions
 * (tests/targets/azure/expressions.ts) and Python (ast, one interpreter for all gate.py files).
 */
import { Lexer, Parser } from '@actions/expressions';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { generate } from '../../src/engine/generate.js';
import type { GeneratedFile } from '../../src/files/index.js';
import { FIELD_DESTINATIONS, type FieldDestinations } from '../../src/manifest/destinations.js';
import { groovyLiterals } from '../security/groovy-literals.js';
import { parseExpression } from '../targets/azure/expressions.js';
import { fullManifest, hostileValue, placeValue, VALID } from './destinations.js';
import { outputProblems, rejectionProblems } from './invariants.js';

const FILE = 'mlgen.yaml';
const CASES_PER_FIELD = Math.ceil(1000 / FIELD_DESTINATIONS.length);
const JAVA_HOME = process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';
const run = promisify(execFile);
const TARGETS = ['github', 'gitlab', 'azure', 'jenkins'];

interface Built {
  text: string;
  manifestPath: string;
  files: GeneratedFile[] | undefined;
  problems: string[];
}

/**
 * One case: the manifest with `value` at the field, validated, and when valid generated for
 * `targets` (one target per hostile case keeps 1000 cases under a minute on a loaded machine).
 */
const builtCache = new Map<string, Built>();
function build(entry: FieldDestinations, value: string, targets?: string[]): Built {
  const manifest = fullManifest();
  const keyPath = placeValue(manifest, entry.field, value);
  const manifestPath = keyPath === undefined ? value : FILE;
  const text = stringify(manifest, { lineWidth: 0 });
  const cacheKey = targets === undefined ? `${manifestPath}\0${text}` : undefined;
  const cached = cacheKey === undefined ? undefined : builtCache.get(cacheKey);
  if (cached) return cached;
  const result = generate(text, { manifestPath, file: FILE, ...(targets ? { targets } : {}) });
  if (result.ok) {
    const built = { text, manifestPath, files: result.files, problems: outputProblems(result.files) };
    if (cacheKey !== undefined) builtCache.set(cacheKey, built);
    return built;
  }
  const problems = rejectionProblems(text, FILE, result.diagnostics);
  const prefix = JSON.stringify(keyPath ?? []).slice(0, -1);
  if (keyPath === undefined) problems.push('a manifest path is never a reason to refuse the manifest');
  else if (!result.diagnostics.some((d) => JSON.stringify(d.path).startsWith(prefix))) {
    problems.push(`refused, but not at ${keyPath.join('.')}: ${result.diagnostics.map((d) => `${d.path.join('.')}: ${d.message}`).join('; ')}`);
  }
  return { text, manifestPath, files: undefined, problems };
}

/** Keys and list lengths, scalars reduced to their type: what an injection would change. */
function shape(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => shape(v, rename));
  // GitLab: a variable holding "$" is written { value, expand: false } so GitLab leaves it alone.
  if (value !== null && typeof value === 'object' && 'expand' in value && typeof (value as { value?: unknown }).value === 'string') return 'string';
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), shape(v, rename)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  }
  return typeof value;
}

const SCRIPT_KEYS = new Set(['run', 'script', 'bash', 'before_script', 'after_script']);
function scripts(value: unknown, out: string[], key = ''): void {
  if (typeof value === 'string') {
    if (SCRIPT_KEYS.has(key)) out.push(value);
  } else if (Array.isArray(value)) value.forEach((v) => scripts(v, out, key));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) scripts(v, out, k);
}
function strings(value: unknown, out: string[]): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(k), strings(v, out);
  return out;
}

const GITHUB_CONTEXTS = ['github', 'needs', 'inputs', 'vars', 'steps', 'env', 'secrets', 'runner', 'job', 'matrix', 'strategy'];
const notEvaluated = () => {
  throw new Error('not evaluated');
};
const GITHUB_FUNCTIONS = [
  ...['success', 'failure', 'always', 'cancelled'].map((name) => ({ name, minArgs: 0, maxArgs: 0, call: notEvaluated })),
  { name: 'hashFiles', minArgs: 1, maxArgs: 255, call: notEvaluated },
];
/** Each distinct expression is parsed once: its verdict, undefined when it parses. */
const parsedExpressions = new Map<string, string | undefined>();
const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
const AZURE_RUNTIME = /\$\[([\s\S]*?)\]/g;

/** The expressions of a file, each parsed by its platform's parser; a parse error is a problem. */
function expressions(file: GeneratedFile, doc: unknown, problems: string[]): string[] {
  const found: string[] = [];
  const github = file.path.startsWith('.github/workflows/');
  const azure = file.path === 'azure-pipelines.yml';
  if (!github && !azure) return found;
  const visit = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      const texts = [...value.matchAll(EXPRESSION)].map((m) => m[1]!);
      if (azure) texts.push(...[...value.matchAll(AZURE_RUNTIME)].map((m) => m[1]!));
      if (azure && key === 'condition') texts.push(value);
      if (github && key === 'if' && !value.includes('${{')) texts.push(value);
      for (const text of texts) {
        found.push(text.trim());
        const cacheKey = `${github}\0${text}`;
        if (!parsedExpressions.has(cacheKey)) {
          try {
            if (github) new Parser(new Lexer(text).lex().tokens, GITHUB_CONTEXTS, GITHUB_FUNCTIONS).parse();
            else parseExpression(text.trim());
            parsedExpressions.set(cacheKey, undefined);
          } catch (error) {
            parsedExpressions.set(cacheKey, (error as Error).message.split('\n')[0]);
          }
        }
        const problem = parsedExpressions.get(cacheKey);
        if (problem !== undefined) problems.push(`${file.path}: ${key}: the expression ${JSON.stringify(text).slice(0, 200)} does not parse: ${problem}`);
      }
    } else if (Array.isArray(value)) value.forEach((v) => visit(v, key));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, k);
  };
  visit(doc, '');
  return found;
}

/** A Jenkinsfile with every string literal's body blanked: the code a value could change. */
const groovySkeleton = (text: string) => {
  const parts: string[] = [];
  let cursor = 0;
  for (const literal of groovyLiterals(text)) {
    const written = `${literal.quote}${literal.body}${literal.quote}`;
    const at = text.indexOf(written, cursor);
    parts.push(text.slice(cursor, at), "'S'");
    cursor = at + written.length;
  }
  parts.push(text.slice(cursor));
  return parts.join('').replace(/'S'(\s*\+\s*'S')*/g, "'S'").replace(/^(\/\/).*$/gm, '$1');
};

/** Canonical JSON (sorted keys); GitHub's `on:` is the boolean true to a YAML 1.1 reader, so it is renamed back. */
const canonical = (doc: unknown, top = true): string => {
  if (Array.isArray(doc)) return `[${doc.map((d) => canonical(d, false)).join(',')}]`;
  if (doc !== null && typeof doc === 'object') {
    const entries = Object.entries(doc).map(([k, v]) => [top && k === 'true' ? 'on' : k, canonical(v, false)] as const);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  }
  return JSON.stringify(doc) ?? 'undefined';
};

const plainCache = new Map<string, Map<string, { content: string; doc?: unknown; skeleton?: string }>>();
/** The plain case's files, parsed once (many fields share the same plain manifest). */
function plainFiles(plain: Built): Map<string, { content: string; doc?: unknown; skeleton?: string }> {
  const key = `${plain.manifestPath}\0${plain.text}`;
  let files = plainCache.get(key);
  if (!files) {
    files = new Map(
      (plain.files ?? []).map((f) => [
        f.path,
        /\.ya?ml$/.test(f.path) ? { content: f.content, doc: parse(f.content, { version: '1.2' }) } : f.path.includes('Jenkinsfile') ? { content: f.content, skeleton: groovySkeleton(f.content) } : { content: f.content },
      ]),
    );
    plainCache.set(key, files);
  }
  return files;
}

interface Judged {
  problems: string[];
  bash: string[];
  groovy: string[];
  /** gate.py as generated, and as generated with the plain value. */
  python: (readonly [string, string])[];
}

/** Compares one accepted case with the same manifest holding a plain value. */
function judgeOutput(entry: FieldDestinations, value: string, built: Built, plain: Built): Judged {
  const judged: Judged = { problems: [...built.problems], bash: [], groovy: [], python: [] };
  const plainByPath = plainFiles(plain);
  const valid = VALID[entry.grammar][0]!;
  // A key the value is part of (a data test's job id holds its name) names it: compare the placeholder,
  // or the keys' sorted order would differ with the value's first letter (nightly-drift, yesnightly-drift).
  const rename = (from: string) => (key: string) => (key.includes(from) ? key.split(from).join('<value>') : key);
  for (const file of built.files ?? []) {
    const other = plainByPath.get(file.path);
    // The same bytes as with the plain value (checked in full once): the value does not reach this file.
    if (other?.content === file.content && built !== plain) continue;
    if (/\.ya?ml$/.test(file.path)) {
      let v12: unknown;
      try {
        v12 = parse(file.content, { version: '1.2', uniqueKeys: true });
        const v11 = parse(file.content, { version: '1.1', uniqueKeys: true });
        if (canonical(v11) !== canonical(v12)) throw new Error('YAML 1.1 reads another document');
      } catch (error) {
        judged.problems.push(`${file.path}: YAML 1.1 and 1.2 read it differently or not at all: ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
      if (other) {
        const o12 = other.doc;
        if (JSON.stringify(shape(v12, rename(value))) !== JSON.stringify(shape(o12, rename(valid)))) judged.problems.push(`${file.path}: the value changed the document's shape`);
        const expr = expressions(file, v12, judged.problems);
        const plainExpr = expressions({ path: file.path, content: other.content }, o12, []);
        if (expr.length !== plainExpr.length) judged.problems.push(`${file.path}: ${expr.length} expressions, ${plainExpr.length} with a plain value`);
      }
      scripts(v12, judged.bash);
      // A header or comment line with a line break a reader honours would be code.
      if (strings(v12, []).some((s) => s.includes(MARKER_PAYLOAD))) judged.problems.push(`${file.path}: the header payload became data`);
    } else if (file.path.endsWith('Jenkinsfile') || file.path.includes('Jenkinsfile')) {
      judged.groovy.push(file.content);
      if (other && groovySkeleton(file.content) !== other.skeleton) judged.problems.push(`${file.path}: code outside string literals changed`);
    } else if (file.path.endsWith('.py')) {
      judged.python.push([file.content, other?.content ?? file.content]);
    }
  }
  return judged;
}
const MARKER_PAYLOAD = 'sh "id"';

/** bash -n over many scripts in one process: each a function body, so one error names its script. */
async function bashSyntax(texts: readonly string[], bare = false): Promise<string[]> {
  const unique = [...new Set(texts)];
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-fuzz-bash-'));
  try {
    const failures: string[] = [];
    for (let i = 0; i < unique.length; i += 50) {
      const chunk = unique.slice(i, i + 50);
      const path = join(dir, 'all.sh');
      writeFileSync(path, chunk.map((s, j) => `f${j}() {\n${s}\n:\n}\n`).join(''));
      try {
        await run('bash', ['-n', path]);
      } catch {
        // Find which: one bash -n per script of the failing chunk.
        for (const s of chunk) {
          writeFileSync(path, s);
          try {
            await run('bash', ['-n', path]);
          } catch (error) {
            failures.push(bare ? JSON.stringify(s) : `bash -n: ${(error as { stderr?: string }).stderr?.split('\n')[0]} in ${JSON.stringify(s)}`);
          }
        }
      }
    }
    return failures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Groovy's parser over every distinct Jenkinsfile, in one JVM. */
async function groovySyntax(texts: readonly string[]): Promise<string[]> {
  const unique = [...new Set(texts)];
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-fuzz-groovy-'));
  try {
    unique.forEach((t, i) => writeFileSync(join(dir, `${i}.groovy`), t));
    const script = join(dir, 'check.groovy');
    writeFileSync(
      script,
      [
        'import org.codehaus.groovy.control.*',
        `def dir = new File(${JSON.stringify(dir)})`,
        `(0..<${unique.length}).each { i ->`,
        '  def text = new File(dir, "${i}.groovy").getText("UTF-8")',
        '  def unit = new CompilationUnit()',
        '  unit.addSource("Jenkinsfile" + i, text)',
        '  try { unit.compile(Phases.CONVERSION) } catch (Throwable e) { println("FAIL " + i + " " + String.valueOf(e.message).readLines()[0]) }',
        '}',
        'println("DONE")',
      ].join('\n'),
    );
    const { stdout } = await run('groovy', ['-c', 'UTF-8', script], { env: { ...process.env, JAVA_HOME }, maxBuffer: 64 << 20 });
    if (!stdout.includes('DONE')) return ['groovy did not finish'];
    return stdout.split('\n').filter((l) => l.startsWith('FAIL')).map((l) => `groovy: ${l}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Python's parser over every distinct gate.py, in one interpreter: each must parse, and mean the
 * same program as the gate.py of the plain value (its syntax tree with every constant blanked).
 */
function pythonSyntax(pairs: readonly (readonly [string, string])[]): string[] {
  const unique = [...new Map(pairs.map((p) => [`${p[0]}\0${p[1]}`, p])).values()];
  const program = [
    'import ast, json, sys',
    'def shape(t):',
    '  tree = ast.parse(t)',
    '  for node in ast.walk(tree):',
    '    if isinstance(node, ast.Constant): node.value = None',
    '  return ast.dump(tree)',
    'out = []',
    'for t, plain in json.load(sys.stdin):',
    '  try:',
    '    if shape(t) != shape(plain): out.append("another program than with a plain value: " + t[:300])',
    '  except SyntaxError as e: out.append(str(e))',
    'print(json.dumps(out))',
  ].join('\n');
  return (JSON.parse(execFileSync('python3', ['-c', program], { input: JSON.stringify(unique), encoding: 'utf8', maxBuffer: 64 << 20 })) as string[]).map((e) => `python: ${e}`);
}

describe('the destinations fuzzer', () => {
  it(`every field of the destinations table, ${CASES_PER_FIELD} hostile strings each (≥ 1000 cases): refused at the field or read back intact by each destination's parser`, async () => {
    const tally = { accepted: 0, refused: 0, cases: 0 };
    const perField = new Map<string, { accepted: number; refused: number }>();
    const failures: string[] = [];
    const collected: Judged = { problems: [], bash: [], groovy: [], python: [] };
    const commandValues: string[] = [];
    for (const entry of FIELD_DESTINATIONS) {
      const plain = build(entry, VALID[entry.grammar][0]!);
      expect(plain.problems, `${entry.field} with a plain value`).toEqual([]);
      expect(plain.files, `${entry.field} with a plain value is accepted`).toBeDefined();
      const plainJudged = judgeOutput(entry, VALID[entry.grammar][0]!, plain, plain);
      expect(plainJudged.problems, `${entry.field} with a plain value`).toEqual([]);
      collected.bash.push(...plainJudged.bash);
      collected.groovy.push(...plainJudged.groovy);
      collected.python.push(...plainJudged.python);
      const counts = { accepted: 0, refused: 0 };
      perField.set(entry.field, counts);
      const values = fc.sample(hostileValue(entry), { numRuns: CASES_PER_FIELD, seed: 14 });
      for (const [i, value] of values.entries()) {
        tally.cases++;
        const target = TARGETS[i % TARGETS.length]!;
        const built = build(entry, value, [target]);
        if (built.files === undefined) {
          counts.refused++;
          if (built.problems.length > 0) failures.push(`${entry.field} = ${JSON.stringify(value)}: ${built.problems.join('; ')}`);
          continue;
        }
        counts.accepted++;
        const judged = judgeOutput(entry, value, built, plain);
        if (judged.problems.length > 0) failures.push(`${entry.field} = ${JSON.stringify(value)}: ${judged.problems.join('; ')}`);
        collected.bash.push(...judged.bash);
        collected.groovy.push(...judged.groovy);
        collected.python.push(...judged.python);
        if (entry.grammar === 'command') commandValues.push(value);
      }
    }
    // A command is written verbatim: one bash cannot read by itself is the user's, not an escaping fault.
    const unparsable = new Set((await bashSyntax(commandValues, true)).map((f) => f));
    failures.push(...(await bashSyntax(collected.bash)).filter((f) => ![...unparsable].some((raw) => f.includes(raw.slice(1, -1)))), ...(await groovySyntax(collected.groovy)), ...pythonSyntax(collected.python));
    tally.accepted = [...perField.values()].reduce((n, c) => n + c.accepted, 0);
    tally.refused = [...perField.values()].reduce((n, c) => n + c.refused, 0);
    console.log(`destinations fuzz: ${tally.cases} cases, ${tally.accepted} accepted, ${tally.refused} refused; ${new Set(collected.bash).size} scripts, ${new Set(collected.groovy).size} Jenkinsfiles, ${new Set(collected.python).size} gate.py`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(tally.cases).toBeGreaterThanOrEqual(1000);
    // Both outcomes happen: a fuzzer whose strings are all refused proves nothing about escaping.
    expect(tally.accepted).toBeGreaterThan(200);
    expect(tally.refused).toBeGreaterThan(200);
    // Every field is reached by at least one hostile string of each outcome its grammar allows.
    for (const [field, counts] of perField) expect(counts.refused + counts.accepted, field).toBe(CASES_PER_FIELD);
    // Canaries: each parser rejects what it must.
    expect(await bashSyntax(['echo "unterminated'])).toHaveLength(1);
    expect(await groovySyntax(["pipeline { stages { stage('x') {"])).toHaveLength(1);
    expect(pythonSyntax([['x = (\n', 'x = 1']])).toHaveLength(1);
    expect(pythonSyntax([['x = 1 # c\nimport os', 'x = 2 # c']])).toHaveLength(1);
  }, 900_000);
});
