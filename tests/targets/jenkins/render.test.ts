/** The Jenkins target without a JVM: escaping, file layout, determinism, what never appears. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { compilePlan, DRIFT_VERDICT_LABEL } from '../../../src/plan/index.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { escapeGroovy, groovyString } from '../../../src/escape/groovy.js';
import { jenkinsTarget } from '../../../src/targets/jenkins/index.js';
import { labelExpression } from '../../../src/targets/jenkins/stages.js';
import { fixtureNames, fixtureText, generateFor } from '../../support/harness.js';

const MONITOR_FIXTURE = readFileSync(new URL('../../fixtures/monitor-drift/mlgen.yaml', import.meta.url), 'utf8');

function planOf(text: string) {
  const loaded = loadManifest(text, 'mlgen.yaml');
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  return compilePlan(loaded.manifest);
}

describe('escapeGroovy', () => {
  it.each([
    ['plain', 'plain'],
    ["it's", "it\\'s"],
    ['a\\b', 'a\\\\b'],
    ["\\'", "\\\\\\'"],
    ["'''", "\\'\\'\\'"],
    ['$x ${y} """', '$x ${y} """'],
    ['line1\nline2\r\n', 'line1\\nline2\\r\\n'],
    ['tab\there', 'tab\\there'],
    ['\u0000\u001b', '\\u0000\\u001b'],
    ['\\u0041', '\\\\u0041'],
    ['日本 ✓ 😀', '日本 ✓ 😀'],
  ])('%j becomes %j', (input, expected) => {
    expect(escapeGroovy(input)).toBe(expected);
  });

  it('quotes with single quotes only, never a GString', () => {
    expect(groovyString('$HOME')).toBe("'$HOME'");
  });
});

describe('labelExpression', () => {
  it('joins runner labels with && and quotes labels Jenkins would parse as operators', () => {
    expect(labelExpression(['self-hosted', 'gpu'])).toBe('self-hosted && gpu');
    expect(labelExpression(['linux', 'big box', 'a"b'])).toBe('linux && "big box" && "a\\"b"');
  });
});

describe('jenkinsTarget.render', () => {
  it('writes a Jenkinsfile plus one Jenkinsfile per schedule', () => {
    const plan = planOf(fixtureText('spec-complete'));
    const paths = jenkinsTarget.render(plan).map((f) => f.path);
    expect(paths).toEqual(['Jenkinsfile', ...plan.schedules.map((s) => `jenkins/${s.id}.Jenkinsfile`)]);
    expect(paths).toContain('jenkins/retrain-incremental.Jenkinsfile');
    expect(jenkinsTarget.render(plan).every((f) => f.comment === '//')).toBe(true);
  });

  it('writes nothing for a plan without jobs', () => {
    expect(jenkinsTarget.render(planOf('version: 1\nname: empty\n'))).toEqual([]);
  });

  it.each(fixtureNames())('renders %s byte for byte the same every time', (name) => {
    const first = generateFor(fixtureText(name), 'jenkins').files;
    const second = generateFor(fixtureText(name), 'jenkins').files;
    expect(second).toEqual(first);
  });

  it('names secrets only through withCredentials string bindings and never writes manifest text into a GString', () => {
    for (const text of [...fixtureNames().map(fixtureText), MONITOR_FIXTURE]) {
      const plan = planOf(text);
      const used = new Set(plan.jobs.flatMap((j) => j.secrets));
      for (const file of jenkinsTarget.render(plan)) {
        for (const secret of used) expect(file.body).toContain(`string(credentialsId: '${secret}', variable: '${secret}')`);
        expect(file.body).not.toContain('credentials(');
        // The only double-quoted strings are mlgen's own parameter fallbacks (and the monitor's drift choice).
        const gstrings = file.body.match(/"\$\{[^"]*\}"/g) ?? [];
        for (const g of gstrings) expect(g).toMatch(/^"\$\{params\.(PIPELINE|MODE|MODEL_VERSION) \?: '[a-z]+'\}"$|^"\$\{env\.MLGEN_DRIFT == 'true' \? '[a-z]+' : \(params\.(PIPELINE|MODE) \?: '[a-z]+'\)\}"$/);
        const lines = file.body.split('\n').filter((line) => line.includes('"') && !line.includes("'"));
        expect(lines.filter((line) => !/^\s+MLGEN_[A-Z_]+ = "\$\{params/.test(line))).toEqual([]);
      }
    }
  });

  it('prints the monitor: the verdict captured into env.MLGEN_DRIFT, the retrain chain gated on it with the drift run\'s variables', () => {
    const plan = planOf(MONITOR_FIXTURE);
    const files = jenkinsTarget.render(plan);
    expect(files.map((f) => f.path)).toEqual(['Jenkinsfile', 'jenkins/monitor.Jenkinsfile']);
    const monitor = files[1]!.body;
    expect(monitor).toContain("choice(name: 'PIPELINE', choices: ['monitor', 'ci', 'retrain']");
    expect(monitor).toContain("cron('TZ=UTC\\n0 * * * *')");
    expect(files[0]!.body).toContain("choice(name: 'PIPELINE', choices: ['ci', 'retrain', 'monitor']");
    // The monitor stage comes right after the source stage, before the chain it gates.
    const order = ['source', 'monitor', 'data-schema', 'train', 'evaluate', 'package', 'deploy-queue', 'deploy-chain', 'staging'].map((name) => monitor.indexOf(`stage('${name}')`));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(monitor).toMatch(new RegExp(`def output = sh\\(script: '.*', label: '${DRIFT_VERDICT_LABEL}', returnStdout: true\\)\\.trim\\(\\)\n`));
    expect(monitor).toContain('env.MLGEN_DRIFT = output');
    // Every job of the retrain pipeline: gated on the verdict, with retrain/drift in its environment.
    for (const id of ['data-schema', 'train', 'evaluate', 'package', 'deploy-queue', 'deploy-chain', 'staging']) {
      const start = monitor.indexOf(`stage('${id}')`);
      const body = monitor.slice(start, monitor.indexOf('steps {', start));
      expect(body, id).toContain("allOf {\n");
      expect(body, id).toContain("environment(name: 'MLGEN_PIPELINE', value: 'monitor')");
      expect(body, id).toContain("expression { return env.MLGEN_DRIFT == 'true' }");
      if (!id.startsWith('deploy-')) {
        expect(body, id).toContain(`MLGEN_PIPELINE = "\${env.MLGEN_DRIFT == 'true' ? 'retrain' : (params.PIPELINE ?: 'monitor')}"`);
        expect(body, id).toContain(`MLGEN_TRAIN_MODE = "\${env.MLGEN_DRIFT == 'true' ? 'drift' : (params.MODE ?: 'full')}"`);
      }
    }
    // The main Jenkinsfile falls back to its own defaults.
    expect(files[0]!.body).toContain(`MLGEN_PIPELINE = "\${env.MLGEN_DRIFT == 'true' ? 'retrain' : (params.PIPELINE ?: 'ci')}"`);
  });

  it('keeps every stage body on whole lines: commands never span lines', () => {
    const body = jenkinsTarget.render(planOf(fixtureText('adversarial')))[0]!.body;
    for (const line of body.split('\n').filter((l) => l.includes('sh(script:'))) expect(line).toMatch(/^\s+sh\(script: '.*', label: '.*'\)$/);
  });

  it('applies the jenkins overrides: agent, options, environment', () => {
    const plan = planOf(`version: 1
name: overridden
train:
  run: python train.py
overrides:
  jenkins:
    agent: linux && docker
    options: ["buildDiscarder(logRotator(numToKeepStr: '20'))"]
    environment: { PIP_INDEX_URL: "https://pypi.example.com/simple it's" }
`);
    const body = jenkinsTarget.render(plan)[0]!.body;
    expect(body).toContain("label 'linux && docker'");
    expect(body).not.toContain("label 'ubuntu-latest'");
    expect(body).toContain("        buildDiscarder(logRotator(numToKeepStr: '20'))\n");
    expect(body).toContain("PIP_INDEX_URL = 'https://pypi.example.com/simple it\\'s'");
  });

  it('publishes the gate\'s HTML page in evaluate\'s post always only where overrides.jenkins.plugins declares htmlpublisher', () => {
    const evaluatePost = (text: string) => {
      const body = generateFor(text, 'jenkins').files.find((f) => f.path === 'Jenkinsfile')!.content;
      const stage = body.slice(body.indexOf("stage('evaluate')"));
      return { body, post: stage.slice(stage.indexOf('post {'), stage.indexOf("stage('", 10)) };
    };
    const withPlugin = evaluatePost(MONITOR_FIXTURE);
    expect(withPlugin.post).toMatch(/always \{[\s\S]*junit\([\s\S]*publishHTML\(target: \[reportDir: '\.mlgen\/reports', reportFiles: 'gate-report\.html', reportName: 'mlgen gate', allowMissing: true, alwaysLinkToLastBuild: false, keepAll: true\]\)/);
    expect(withPlugin.body).toContain('HTML Publisher (htmlpublisher: publishHTML');
    expect(withPlugin.body.match(/publishHTML\(/g)).toHaveLength(1);
    const without = evaluatePost(MONITOR_FIXTURE.replace(/^overrides:[\s\S]*$/m, ''));
    expect(without.body).not.toContain('publishHTML');
    expect(without.body).not.toContain('htmlpublisher');
    expect(without.post).toContain('junit(');
  });

  it('refuses a plugin mlgen does not use, naming the one it knows', () => {
    const loaded = loadManifest(`${MONITOR_FIXTURE.replace(/^overrides:[\s\S]*$/m, '')}overrides:\n  jenkins:\n    plugins: [htmlpublsher]\n`, 'mlgen.yaml');
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.diagnostics.map((d) => d.message).join('\n')).toMatch(/htmlpublisher/);
  });
});
