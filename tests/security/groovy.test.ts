/**
 * Groovy, proven by Debian's groovy in ONE batched process (the JVM starts slowly):
 * - single-quoted and triple-single-quoted strings built by src/escape/groovy.ts read
 *   back as exactly the text, whatever it holds (quotes, backslashes, `\u` escapes, `$`, `${}`,
 *   line breaks, control characters, unicode);
 * - double-quoted and triple-double-quoted strings (GStrings, which interpolate `$x` and
 *   `${…}`) never carry manifest text: every one in a rendered Jenkinsfile is mlgen's own.
 * A control sample shows the check can fail: the same text in a naive GString does not survive.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeGroovy, groovyString } from '../../src/escape/groovy.js';
import { HOSTILE_COMMANDS } from '../support/adversarial.js';
import { fixtureText, generateFor } from '../support/harness.js';
import { validManifest, manifestToYaml } from '../support/arbitrary.js';
import { groovyLiterals } from './groovy-literals.js';

const run = promisify(execFile);
const JAVA_HOME = process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';

const PIECES = ["'", "''", "'''", '"', '"""', '\\', '\\\\', '\\u0041', '\\u', '\\n', '$', '${x}', '$x', '$/', '/$', '\n', '\r', '\r\n', '\t', '\0', '\x1b', '\u2028', '\uFEFF', 'é', '日本', '🚀', ' ', 'a', '#', '//', '/*', '*/'];
const nasty = fc.oneof(fc.array(fc.constantFrom(...PIECES), { maxLength: 20 }).map((p) => p.join('')), fc.string({ unit: 'grapheme', maxLength: 30 }));

/** Evaluates Groovy expressions in one process; returns each value's UTF-8 bytes as hex. */
async function evaluateAll(expressions: string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-groovy-'));
  const script = join(dir, 'values.groovy');
  // One closure per value: a method body has a 64 KB limit that one long list would exceed.
  const body = expressions.map((e) => `emit { ${e} }`).join('\n');
  writeFileSync(script, `def emit(Closure c) { println(c.call().toString().getBytes('UTF-8').encodeHex().toString()) }\n${body}\n`, 'utf8');
  const { stdout } = await run('groovy', ['-c', 'UTF-8', script], { env: { ...process.env, JAVA_HOME }, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim().split('\n');
}

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

describe('Groovy strings', () => {
  it('single- and triple-single-quoted strings read back exactly (one groovy process)', async () => {
    const samples = [...HOSTILE_COMMANDS, ...fc.sample(nasty, { numRuns: 150 })];
    const control = 'echo "${x}" $HOME';
    const expressions = [
      ...samples.flatMap((s) => [groovyString(s), `'''${escapeGroovy(s)}'''`]),
      // The control: a naive GString interpolates (here, fails to: x is not defined), so it never reads back.
      `try { "${control.replaceAll('"', '\\"')}" } catch (e) { 'interpolated' }`,
    ];
    const values = await evaluateAll(expressions);
    expect(values).toHaveLength(expressions.length);
    const wrong = samples.flatMap((s, i) => {
      const [single, triple] = [values[2 * i], values[2 * i + 1]];
      return single === hex(s) && triple === hex(s) ? [] : [JSON.stringify(s)];
    });
    expect(wrong).toEqual([]);
    expect(values.at(-1)).not.toBe(hex(control));
  }, 900_000);

  it('no double- or triple-double-quoted string (a GString) in a rendered Jenkinsfile carries manifest text', () => {
    const texts = [fixtureText('adversarial'), fixtureText('spec-complete'), ...fc.sample(validManifest(), { numRuns: 25 }).map((m) => manifestToYaml(m))];
    // mlgen's own GStrings: a parameter with its default, e.g. "${params.MODE ?: 'full'}".
    // And, on the retrain chain's stages where a monitor reports drift (src/targets/jenkins/stages.ts),
    // the drift retrain's pipeline and mode, else that parameter: "${env.MLGEN_DRIFT == 'true' ? 'drift' : (params.MODE ?: 'full')}".
    const OWN = /^\$\{(params\.[A-Z_]+ \?: '[a-z]+' ?|env\.MLGEN_DRIFT == 'true' \? '(retrain|drift)' : \(params\.(PIPELINE|MODE) \?: '[a-z]+'\))\}$/;
    const foreign: string[] = [];
    let singles = 0;
    for (const text of texts) {
      for (const file of generateFor(text, 'jenkins').files.filter((f) => f.path.endsWith('Jenkinsfile'))) {
        for (const literal of groovyLiterals(file.content)) {
          if (literal.quote === "'" || literal.quote === "'''") singles++;
          else if (!OWN.test(literal.body)) foreign.push(`${file.path}: ${literal.quote}${literal.body}${literal.quote}`);
        }
      }
    }
    expect(foreign).toEqual([]);
    expect(singles).toBeGreaterThan(100);
  });

  it('the literal scanner finds every kind of string (so the check above can fail)', () => {
    const kinds = groovyLiterals(`a = 'x\\'y' // "not"\nb = "\${p}"\nc = '''t'''\nd = """u"""\n/* 'no' */`).map((l) => `${l.quote}${l.body}`);
    expect(kinds).toEqual(["'x\\'y", '"${p}', "'''t", '"""u']);
  });
});
