/** The pieces the syncs print or send: Jenkins config.xml, the linter's answer, the trigger command. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { triggerCommand } from '../../src/sync/gitlab/index.js';
import { definitionDifferences, newJobConfig, readDefinition, withDefinition, type PipelineFromScm } from '../../src/sync/jenkins/config.js';
import { jobsFor, parseValidation } from '../../src/sync/jenkins/index.js';
import { parseXml, XmlError } from '../../src/sync/xml.js';

const SPEC: PipelineFromScm = { repoUrl: 'https://git.example.com/a?b=1&c=<2>', credentialsId: 'git "ssh"', branch: 'main', scriptPath: 'jenkins/predict.Jenkinsfile' };

describe('Jenkins config.xml', () => {
  it('reads back what it writes, with XML-special characters escaped', () => {
    const state = readDefinition(parseXml(newJobConfig(SPEC, 'Runs <it> & more')));
    expect(state.repoUrls).toEqual([SPEC.repoUrl]);
    expect(state.credentialsIds).toEqual([SPEC.credentialsId]);
    expect(definitionDifferences(state, SPEC)).toEqual([]);
    expect(parseXml(newJobConfig(SPEC, 'Runs <it> & more')).children.find((c) => c.name === 'description')!.text).toBe('Runs <it> & more');
  });

  it('replaces only the definition and keeps every other byte', () => {
    const before = [
      "<?xml version='1.1' encoding='UTF-8'?>",
      '<flow-definition plugin="workflow-job@1436">',
      '  <!-- kept -->',
      '  <properties><hudson.model.ParametersDefinitionProperty/></properties>',
      '  <definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition" plugin="workflow-cps@1">',
      '    <script><![CDATA[pipeline { agent any }]]></script>',
      '  </definition>',
      '  <disabled>false</disabled>',
      '</flow-definition>',
    ].join('\n');
    const root = parseXml(before);
    expect(definitionDifferences(readDefinition(root), SPEC)).toContain('definition org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition -> pipeline script from SCM');
    const after = withDefinition(before, root, SPEC);
    const definition = root.children.find((c) => c.name === 'definition')!;
    expect(after.startsWith(before.slice(0, definition.start))).toBe(true);
    expect(after.endsWith(before.slice(definition.end))).toBe(true);
    expect(definitionDifferences(readDefinition(parseXml(after)), SPEC)).toEqual([]);
  });

  it('adds a definition to a job that has none', () => {
    const before = "<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition>\n  <disabled>false</disabled>\n</flow-definition>\n";
    const after = withDefinition(before, parseXml(before), SPEC);
    expect(definitionDifferences(readDefinition(parseXml(after)), SPEC)).toEqual([]);
  });

  it('rejects what is not well-formed', () => {
    expect(() => parseXml('<a><b></a>')).toThrow(XmlError);
    expect(() => parseXml('<a>&nbsp;</a>')).toThrow(/unknown entity/);
    expect(parseXml('<a>x &amp; &#65;&#x42;<!-- c --><![CDATA[<y>]]></a>').text).toBe('x & AB<y>');
  });
});

describe('the declarative linter answer and the job names', () => {
  it('parses success and errors as ModelConverterAction writes them', () => {
    expect(parseValidation('Jenkinsfile successfully validated.\n')).toEqual({ valid: true, errors: [] });
    expect(parseValidation('Errors encountered validating Jenkinsfile:\nWorkflowScript: 3: Expected a stage @ line 3, column 5.\n')).toEqual({
      valid: false,
      errors: ['WorkflowScript: 3: Expected a stage @ line 3, column 5.'],
    });
  });

  it('names one job per Jenkinsfile', () => {
    const file = (path: string) => ({ path, content: '' });
    expect(jobsFor([file('.mlgen/gate.py'), file('Jenkinsfile'), file('jenkins/retrain-full.Jenkinsfile')], 'ml/hp').map((j) => j.name)).toEqual([
      'ml/hp',
      'ml/hp-retrain-full',
    ]);
  });
});

describe('the printed trigger command', () => {
  it('survives the shell: each form field arrives as one argument, even with quotes in the branch name', () => {
    const command = triggerCommand({
      apiUrl: 'https://gitlab.example.com/api/v4/projects/7/trigger/pipeline',
      ref: "it's $HOME",
      variables: { MLGEN_PIPELINE: 'retrain', MLGEN_EVENT: 'drift-detected' },
    });
    const probe = command.replace(/^curl /, `printf '%s\\n' `);
    const run = spawnSync('sh', ['-c', probe], { encoding: 'utf8', env: { MLGEN_TRIGGER_TOKEN: 'glptt-secret', PATH: process.env.PATH } });
    expect(run.stdout.split('\n')).toEqual([
      '--request',
      'POST',
      '--form',
      'token=glptt-secret',
      '--form',
      "ref=it's $HOME",
      '--form',
      'variables[MLGEN_PIPELINE]=retrain',
      '--form',
      'variables[MLGEN_EVENT]=drift-detected',
      'https://gitlab.example.com/api/v4/projects/7/trigger/pipeline',
      '',
    ]);
  });
});
