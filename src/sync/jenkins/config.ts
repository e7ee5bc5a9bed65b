/**
 * The config.xml of a Pipeline job that reads its Jenkinsfile from Git ("Pipeline script from
 * SCM"). mlgen owns only the job's `<definition>`: Jenkins adds properties of its own to
 * config.xml once the Jenkinsfile has run (its cron trigger, its parameters), so updates
 * replace that one element and keep every other byte, and "up to date" compares what the
 * definition means (class, repository, credentials, branch, script path), not its bytes.
 */
import { escapeXml, findElement, findElements, parseXml, type XmlElement } from '../xml.js';

export const PIPELINE_JOB_CLASS = 'org.jenkinsci.plugins.workflow.job.WorkflowJob';
const SCM_DEFINITION_CLASS = 'org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition';
const GIT_SCM_CLASS = 'hudson.plugins.git.GitSCM';

export interface PipelineFromScm {
  repoUrl: string;
  credentialsId?: string | undefined;
  /** A branch name; Jenkins' branch specifier becomes `*\/<branch>`. */
  branch: string;
  scriptPath: string;
}

/** What a job's definition says, read from its config.xml. */
export interface DefinitionState {
  definitionClass?: string;
  scmClass?: string;
  repoUrls: string[];
  credentialsIds: string[];
  branches: string[];
  scriptPath?: string;
  lightweight?: string;
}

const branchSpec = (branch: string): string => `*/${branch}`;

/** The `<definition>` element; `indent` is both its own indentation and the step per level. */
function definitionXml(spec: PipelineFromScm, indent = '  '): string {
  const i = (level: number) => indent.repeat(level);
  const lines = [
    `<definition class="${SCM_DEFINITION_CLASS}">`,
    `${i(1)}<scm class="${GIT_SCM_CLASS}">`,
    `${i(2)}<configVersion>2</configVersion>`,
    `${i(2)}<userRemoteConfigs>`,
    `${i(3)}<hudson.plugins.git.UserRemoteConfig>`,
    `${i(4)}<url>${escapeXml(spec.repoUrl)}</url>`,
    ...(spec.credentialsId ? [`${i(4)}<credentialsId>${escapeXml(spec.credentialsId)}</credentialsId>`] : []),
    `${i(3)}</hudson.plugins.git.UserRemoteConfig>`,
    `${i(2)}</userRemoteConfigs>`,
    `${i(2)}<branches>`,
    `${i(3)}<hudson.plugins.git.BranchSpec>`,
    `${i(4)}<name>${escapeXml(branchSpec(spec.branch))}</name>`,
    `${i(3)}</hudson.plugins.git.BranchSpec>`,
    `${i(2)}</branches>`,
    `${i(2)}<doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations>`,
    `${i(2)}<submoduleCfg class="empty-list"/>`,
    `${i(2)}<extensions/>`,
    `${i(1)}</scm>`,
    `${i(1)}<scriptPath>${escapeXml(spec.scriptPath)}</scriptPath>`,
    // Lightweight checkout reads only the Jenkinsfile to start the build.
    `${i(1)}<lightweight>true</lightweight>`,
    '</definition>',
  ];
  return lines.join(`\n${indent}`);
}

export function newJobConfig(spec: PipelineFromScm, description: string): string {
  return [
    "<?xml version='1.1' encoding='UTF-8'?>",
    '<flow-definition>',
    `  <description>${escapeXml(description)}</description>`,
    '  <keepDependencies>false</keepDependencies>',
    '  <properties/>',
    `  ${definitionXml(spec)}`,
    '  <triggers/>',
    '  <disabled>false</disabled>',
    '</flow-definition>',
    '',
  ].join('\n');
}

const textOf = (root: XmlElement | undefined, name: string): string | undefined => {
  const found = root ? findElement(root, name) : undefined;
  return found ? found.text.trim() : undefined;
};

export function readDefinition(root: XmlElement): DefinitionState {
  const definition = root.children.find((c) => c.name === 'definition');
  const scm = definition?.children.find((c) => c.name === 'scm');
  const state: DefinitionState = {
    repoUrls: scm ? findElements(scm, 'url').map((e) => e.text.trim()) : [],
    credentialsIds: scm ? findElements(scm, 'credentialsId').map((e) => e.text.trim()) : [],
    branches: scm ? findElements(scm, 'hudson.plugins.git.BranchSpec').map((b) => textOf(b, 'name') ?? '') : [],
  };
  if (definition?.attributes.class) state.definitionClass = definition.attributes.class;
  if (scm?.attributes.class) state.scmClass = scm.attributes.class;
  const scriptPath = definition?.children.find((c) => c.name === 'scriptPath')?.text.trim();
  if (scriptPath !== undefined) state.scriptPath = scriptPath;
  const lightweight = definition?.children.find((c) => c.name === 'lightweight')?.text.trim();
  if (lightweight !== undefined) state.lightweight = lightweight;
  return state;
}

/** What differs between a job's definition and the one mlgen wants, for people; empty when none. */
export function definitionDifferences(current: DefinitionState, want: PipelineFromScm): string[] {
  const differences: string[] = [];
  const show = (values: readonly string[]) => (values.length === 0 ? 'none' : values.join(', '));
  if (current.definitionClass !== SCM_DEFINITION_CLASS) {
    differences.push(`definition ${current.definitionClass ?? 'none'} -> pipeline script from SCM`);
  }
  if (current.scmClass !== GIT_SCM_CLASS) differences.push(`scm ${current.scmClass ?? 'none'} -> Git`);
  if (current.repoUrls.length !== 1 || current.repoUrls[0] !== want.repoUrl) differences.push(`repository ${show(current.repoUrls)} -> ${want.repoUrl}`);
  const wantCredentials = want.credentialsId ? [want.credentialsId] : [];
  const credentials = current.credentialsIds.filter((c) => c !== '');
  if (credentials.join('\n') !== wantCredentials.join('\n')) differences.push(`credentials ${show(credentials)} -> ${show(wantCredentials)}`);
  if (current.branches.length !== 1 || current.branches[0] !== branchSpec(want.branch)) {
    differences.push(`branch ${show(current.branches)} -> ${branchSpec(want.branch)}`);
  }
  if (current.scriptPath !== want.scriptPath) differences.push(`script path ${current.scriptPath ?? 'none'} -> ${want.scriptPath}`);
  if (current.lightweight !== 'true') differences.push('lightweight checkout off -> on');
  return differences;
}

/** The job's config.xml with mlgen's definition in place of its own; everything else kept. */
export function withDefinition(configXml: string, root: XmlElement, spec: PipelineFromScm): string {
  const current = root.children.find((c) => c.name === 'definition');
  if (current) {
    const lineStart = configXml.lastIndexOf('\n', current.start - 1) + 1;
    const indent = /^[ \t]*$/.test(configXml.slice(lineStart, current.start)) ? configXml.slice(lineStart, current.start) : '  ';
    return configXml.slice(0, current.start) + definitionXml(spec, indent || '  ') + configXml.slice(current.end);
  }
  const close = configXml.lastIndexOf(`</${root.name}>`, root.end);
  if (close < root.start) throw new Error(`config.xml has an empty <${root.name}/>`);
  return `${configXml.slice(0, close)}  ${definitionXml(spec)}\n${configXml.slice(close)}`;
}

