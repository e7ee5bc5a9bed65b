/**
 * npm-groovy-lint's verdict ("no error") on many Jenkinsfiles in one JVM start, for the Jenkins
 * harness and the conformance run.
 *
 * Only rules of severity error can report an error, so running every rule (~2 s per file)
 * would be wasted: the error rules are read from groovylint/ with npm-groovy-lint's own loader
 * and passed with --rulesets, so the files are judged by exactly the error rules of that
 * configuration (plus the parse check). The files are linted exactly as generated.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const JAVA_HOME = process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';
const GROOVY_LINT = new URL('../../node_modules/.bin/npm-groovy-lint', import.meta.url).pathname;
/** The configuration Jenkinsfiles are linted with. */
export const LINT_CONFIG = new URL('./groovylint/', import.meta.url).pathname;
const CONFIG_LOADER = new URL('../../node_modules/npm-groovy-lint/lib/config.js', import.meta.url).href;

type RuleConfig = string | { severity?: string; [option: string]: unknown };

/** The rules of LINT_CONFIG that report errors, as npm-groovy-lint resolves its `extends` chain. */
export async function errorRules(): Promise<string[]> {
  const { loadConfig } = (await import(CONFIG_LOADER)) as { loadConfig: (dir: string, mode: string) => Promise<{ rules: Record<string, RuleConfig> }> };
  const { rules } = await loadConfig(LINT_CONFIG, 'lint');
  return Object.entries(rules)
    .filter(([, rule]) => rule === 'error' || (typeof rule === 'object' && rule.severity === 'error'))
    .map(([name]) => name)
    .sort();
}

/**
 * npm-groovy-lint's errors per text, from one run over all of them. The run also lints
 * LINT_CANARIES and throws unless it reports an error for each: its silence on the others
 * then means something.
 */
export async function lintErrors(texts: readonly string[]): Promise<string[][]> {
  if (texts.length === 0) return [];
  const rules = await errorRules();
  const canaries = Object.entries(LINT_CANARIES);
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-conformance-lint-'));
  try {
    const paths = [...texts, ...canaries.map(([, text]) => text)].map((text, i) => {
      mkdirSync(join(dir, String(i)));
      const path = join(dir, String(i), 'Jenkinsfile');
      writeFileSync(path, text);
      return path;
    });
    const args = ['--noserver', '--config', LINT_CONFIG, '--rulesets', rules.join(','), '--output', 'json', '--failon', 'none', ...paths];
    const { stdout } = await run(GROOVY_LINT, args, { env: { ...process.env, JAVA_HOME }, maxBuffer: 256 << 20 });
    const report = JSON.parse(stdout) as { files: Record<string, { errors: { severity: string; line: unknown; rule: string; msg: string }[] }> };
    const errors = paths.map((path) =>
      (report.files[path]?.errors ?? []).filter((e) => e.severity === 'error').map((e) => `line ${String(e.line)}: ${e.rule}: ${e.msg}`),
    );
    const silent = canaries.filter((_, i) => errors[texts.length + i]!.length === 0).map(([name]) => name);
    if (silent.length > 0) throw new Error(`npm-groovy-lint (rules ${rules.join(', ')}) reported no error for the canaries ${silent.join(', ')}: it could not fail`);
    return errors.slice(0, texts.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Files npm-groovy-lint must reject: dead code (an error rule of the configuration) and a parse error. */
export const LINT_CANARIES = {
  deadCode: "def answer() {\n    return 42\n    println 'never'\n}\n\nanswer()\n",
  parseError: "pipeline {\n    stages {\n        stage('x') {\n",
} as const;
