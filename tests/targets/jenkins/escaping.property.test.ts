/**
 * The key proof for Groovy escaping: random strings built from everything Groovy or the shell
 * treat specially reach `sh` (script and label) exactly, after Debian's groovy has read the
 * Jenkinsfile. One batched groovy run evaluates every sample.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../../../src/files/index.js';
import { groovyString } from '../../../src/escape/groovy.js';
import { generateFor } from '../../support/harness.js';
import { evaluateJenkinsfile, jenkinsHarness } from '../../support/harness-jenkins.js';

const PIECES = [
  "'", '"', '\\', '$', '${x}', '${', '}', "'''", '"""', '$/', '/$', '\\u0041', '\\n', '\n', '\r\n', '\t', '`', '$(id)',
  '%', '#', ' ', 'a', 'Z', '0', 'é', '日本', '✓', '😀', '\u0000', '\u001b', '\u2028', '\\\'', "\\'''", '${{', '{{', '}}',
];

const nasty = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 24 }).map((parts) => parts.join(''));
const samples = fc.sample(nasty, { seed: 20261125, numRuns: 200 });

/** A hand-made Jenkinsfile: each sample as a command and as a label, through the one escaping helper. */
function stubJenkinsfile(texts: string[]): string {
  const steps = texts.map((t) => `                sh(script: ${groovyString(t)}, label: ${groovyString(`label ${t}`)})`).join('\n');
  return `pipeline {\n    agent any\n    stages {\n        stage('s') {\n            steps {\n${steps}\n            }\n        }\n    }\n}\n`;
}

/** Manifests whose checks run the samples the manifest accepts (commands may not hold `${{`). */
function manifests(texts: string[]): string[] {
  const commands = texts.filter((t) => !t.includes('${{') && t.trim() !== '');
  const chunks: string[][] = [];
  for (let i = 0; i < commands.length; i += 50) chunks.push(commands.slice(i, i + 50));
  return chunks.map((chunk, n) =>
    toYaml({ version: 1, name: `escaping-${n}`, checks: chunk.map((run, i) => ({ name: `c${i}`, run })), train: { run: chunk[0] } }),
  );
}

describe('Groovy escaping', () => {
  it('delivers every sampled string to sh intact, as script and as label', async () => {
    const generated = manifests(samples).map((text) => generateFor(text, 'jenkins'));
    const [direct, ...viaManifest] = await Promise.all([
      evaluateJenkinsfile(stubJenkinsfile(samples)),
      ...generated.map(({ files }) => jenkinsHarness.scripts(files)),
    ]);

    expect(direct.error).toBeUndefined();
    const sh = direct.pipeline!.stages[0]!.steps!;
    expect(sh.map((s) => s.script)).toEqual(samples);
    expect(sh.map((s) => s.label)).toEqual(samples.map((t) => `label ${t}`));

    expect(generated.length).toBeGreaterThan(1);
    generated.forEach(({ plan }, i) => {
      const commands = plan.jobs.flatMap((j) => j.steps.flatMap((s) => (s.type === 'shell' && !s.own ? [s.run] : [])));
      for (const command of commands) expect(viaManifest[i]).toContain(command);
    });
  }, 600_000);
});
