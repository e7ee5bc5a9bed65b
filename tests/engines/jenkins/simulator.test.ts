/**
 * The Jenkins simulator's own semantics, on small Jenkinsfiles (one groovy process for all):
 * post conditions in the documented order, stash includes/excludes between workspaces, an
 * unstash of an unknown stash, a timeout that aborts, an input the test aborts, credentials
 * bound only inside withCredentials, environment credentials(), docker agents, sh flags.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeOutcome, simulateJenkins, type SimOutcome, type SimScenario } from '../../support/harness-jenkins-sim.js';

const dir = mkdtempSync(join(tmpdir(), 'mlgen-jenkins-sim-unit-'));
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });

const FILES: Record<string, string> = {
  stash: `pipeline {
  agent none
  options { skipDefaultCheckout() }
  stages {
    stage('make') {
      agent any
      steps {
        checkout(scm)
        sh 'mkdir -p out/logs out/.git && echo model > out/model.bin && echo log > out/logs/a.log && echo x > out/.git/HEAD'
        stash(name: 'out', includes: 'out/**', excludes: 'out/logs/**')
      }
    }
    stage('use') {
      agent { docker { image 'python:3.11-slim' } }
      steps {
        sh 'test ! -e tracked.txt'
        unstash('out')
        sh 'test -f out/model.bin && test ! -e out/logs/a.log && test ! -e out/.git/HEAD'
      }
    }
    stage('missing') {
      agent any
      steps { unstash('never-stashed') }
    }
  }
  post {
    cleanup { echo('cleanup') }
    failure { echo('failure') }
    always { echo('always') }
    unsuccessful { echo('unsuccessful') }
    success { echo('success') }
  }
}`,
  timeout: `pipeline {
  agent any
  stages {
    stage('slow') {
      options { timeout(time: 2, unit: 'SECONDS') }
      steps { sh 'sleep 30' }
    }
    stage('after') { steps { echo('never') } }
  }
  post { aborted { echo('aborted') } failure { echo('failure') } }
}`,
  junit: `pipeline {
  agent any
  stages {
    stage('report') {
      steps {
        sh 'test -f reports/gate.xml'
        junit(testResults: 'reports/*.xml')
      }
    }
    stage('none-found') {
      steps { junit(testResults: 'absent/*.xml', allowEmptyResults: true) }
    }
  }
  post { unstable { junit(testResults: 'absent/*.xml') } }
}`,
  input: `pipeline {
  agent none
  stages {
    stage('ask') {
      input { message 'Go?' }
      steps { echo('approved') }
    }
    stage('after') { steps { echo('never') } }
  }
}`,
  secrets: `pipeline {
  agent any
  environment { TOKEN = credentials('API_TOKEN') }
  stages {
    stage('s') {
      steps {
        sh 'test "$TOKEN" = secret-api'
        sh 'test -z "$PASSWORD"'
        withCredentials([string(credentialsId: 'PASSWORD_ID', variable: 'PASSWORD')]) { sh 'test "$PASSWORD" = secret-pw' }
        script {
          env.STATUS = sh(script: 'exit 3', returnStatus: true).toString()
          env.OUT = sh(script: 'echo printed', returnStdout: true).trim()
        }
        sh 'test "$STATUS" = 3 && test "$OUT" = printed && test "$WORKSPACE" = "$PWD"'
        sh 'false; echo not reached'
      }
    }
  }
}`,
  verdict: `pipeline {
  agent none
  environment { RUN_PIPELINE = 'monitor' }
  stages {
    stage('check') {
      agent any
      environment { RUN_PIPELINE = 'check' }
      when { environment(name: 'RUN_PIPELINE', value: 'monitor') }
      steps {
        sh 'test "$RUN_PIPELINE" = check'
        script {
          env.VERDICT = sh(script: 'echo log >&2; echo true', returnStdout: true).trim()
        }
      }
    }
    stage('on-true') {
      agent any
      when { expression { return env.VERDICT == 'true' } }
      environment { SEEN = "\${env.VERDICT == 'true' ? 'drift' : 'none'}" }
      steps { sh 'test "$SEEN" = drift && test "$VERDICT" = true' }
    }
    stage('on-false') {
      when { expression { return env.VERDICT == 'false' } }
      steps { echo('never') }
    }
    stage('own-environment') {
      environment { GATE = 'open' }
      when { environment(name: 'GATE', value: 'open') }
      steps { echo('never') }
    }
    stage('failing-output') {
      agent any
      steps { script { env.OTHER = sh(script: 'echo partial; exit 1', returnStdout: true).trim() } }
    }
  }
}`,
};

let outcomes: Record<string, SimOutcome | undefined> = {};

beforeAll(async () => {
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'tracked.txt'), 'tracked\n');
  // A JUnit report as the gate writes one, with one failed case (for the junit scenario).
  mkdirSync(join(dir, 'reports'));
  writeFileSync(join(dir, 'reports', 'gate.xml'), '<testsuite><testcase name="ok"/><testcase name="mae below 1"><failure message="no"/></testcase></testsuite>\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'one');
  const commit = git('rev-parse', 'HEAD').trim();
  const scenarios: SimScenario[] = Object.entries(FILES).map(([id, text]) => {
    const path = join(dir, `${id}.Jenkinsfile`);
    writeFileSync(path, text);
    return { id, jenkinsfile: path, env: { BRANCH_NAME: 'main' }, params: {}, causes: ['BranchEventCause'], changeset: [], repo: dir, commit,
             agentEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
             credentials: { API_TOKEN: 'secret-api', PASSWORD_ID: 'secret-pw' }, inputs: id === 'input' ? { ask: 'abort' as const } : ({} as Record<string, 'abort'>), root: join(dir, 'builds', id) };
  });
  const results = await simulateJenkins(scenarios);
  outcomes = Object.fromEntries(results.map((r) => [r.id, r.outcome]));
  for (const r of results) if (r.error) throw new Error(`${r.id}: ${r.error}`);
}, 900_000);

describe('Jenkins simulator semantics', () => {
  it('stash takes includes minus excludes and Ant default excludes to a fresh workspace; docker agents record the image and user', () => {
    const o = outcomes.stash!;
    expect(o.results.make, describeOutcome(o)).toBe('SUCCESS');
    expect(o.stashes[0]?.files).toEqual(['out/model.bin']);
    expect(o.results.use, describeOutcome(o)).toBe('SUCCESS');
    const use = o.workspaces.find((w) => w.stage === 'use');
    expect(use?.image).toBe('python:3.11-slim');
    expect(use?.user).toMatch(/^\d+:\d+$/);
  });

  it('an unstash of a name never stashed fails that stage; post runs always, failure, unsuccessful, cleanup in the documented order', () => {
    const o = outcomes.stash!;
    expect(o.results.missing).toBe('FAILURE');
    expect(o.errors.missing).toContain('No such saved stash ‘never-stashed’');
    expect(o.build).toBe('FAILURE');
    expect(o.posts).toEqual(['pipeline:always', 'pipeline:failure', 'pipeline:unsuccessful', 'pipeline:cleanup']);
  });

  it('a timeout kills the sh and aborts the build (ABORTED, aborted post, not failure); later stages never run', () => {
    const o = outcomes.timeout!;
    expect(o.results.slow, describeOutcome(o)).toBe('ABORTED');
    expect(o.executed.find((e) => e.where === 'slow')?.seconds).toBeLessThan(20);
    expect(o.ran).not.toContain('after');
    expect(o.build).toBe('ABORTED');
    expect(o.posts).toEqual(['pipeline:aborted']);
  });

  it('junit reads the matched reports: a failed case makes the stage and build UNSTABLE; no report fails unless allowEmptyResults', () => {
    const o = outcomes.junit!;
    expect(o.tests[0], describeOutcome(o)).toEqual({ where: 'report', files: ['reports/gate.xml'], total: 2, failed: ['mae below 1'] });
    expect(o.results.report).toBe('UNSTABLE');
    // UNSTABLE does not stop later stages (only FAILURE and ABORTED do).
    expect(o.results['none-found']).toBe('SUCCESS');
    expect(o.posts).toEqual(['pipeline:unstable']);
    expect(o.errors['pipeline post unstable']).toContain('No test report files were found');
    expect(o.build).toBe('FAILURE');
  });

  it('an input the test aborts aborts the build', () => {
    const o = outcomes.input!;
    expect(o.inputs).toEqual([expect.objectContaining({ stage: 'ask', message: 'Go?', answer: 'abort' })]);
    expect(o.results.ask).toBe('ABORTED');
    expect(o.ran).not.toContain('after');
    expect(o.build).toBe('ABORTED');
  });

  it('when runs before the stage environment; returnStdout sets env for later stages\' when and environment; a failing returnStdout sh fails its stage', () => {
    const o = outcomes.verdict!;
    // check: its when saw the run's RUN_PIPELINE, its steps the stage's own (ModelInterpreter.evaluateStage).
    expect(o.ran, describeOutcome(o)).toEqual(['check', 'on-true', 'failing-output']);
    expect(o.results.check).toBe('SUCCESS');
    expect(o.results['on-true']).toBe('SUCCESS');
    const verdict = o.executed.find((e) => e.where === 'check' && e.script?.startsWith('echo log'));
    // stdout went to the variable, not the log; stderr still reached the log.
    expect(verdict?.output).toContain('log');
    expect(verdict?.output?.split('\n')).not.toContain('true');
    expect(o.results['failing-output']).toBe('FAILURE');
    expect(o.errors['failing-output']).toContain('script returned exit code 1');
    expect(o.build).toBe('FAILURE');
  });

  it('credentials() and withCredentials bind secrets where the file binds them; returnStatus, returnStdout and sh -e', () => {
    const o = outcomes.secrets!;
    const shs = o.executed.filter((e) => e.script !== undefined);
    expect(shs.map((e) => e.status), describeOutcome(o)).toEqual([0, 0, 0, 3, 0, 0, 1]);
    expect(shs[2]?.secrets).toEqual(['PASSWORD_ID']);
    expect(shs[1]?.secretsSeen).toEqual(['API_TOKEN']);
    expect(shs[6]?.output).not.toContain('not reached');
    expect(o.results.s).toBe('FAILURE');
  });
});
