/**
 * The config.xml of the Multibranch Pipeline project that runs the main Jenkinsfile
 * (workflow-multibranch's WorkflowMultiBranchProject with the git plugin's GitSCMSource, as
 * Jenkins writes it when the project is configured in the UI). Only a multibranch project sets
 * BRANCH_NAME and CHANGE_*, which `when { branch }` and `changeRequest()` read, and builds every
 * branch; and each of its builds carries the revision the branch indexing found, so every
 * `checkout scm` of the run checks out that one commit (a plain Pipeline job resolves the
 * branch again at each checkout).
 *
 * mlgen owns the branch source (`<sources>`) and the script path (`<factory>`); updates replace
 * those two elements and keep every other byte Jenkins or a person wrote.
 */
import { escapeXml, findElement, findElements, type XmlElement } from '../xml.js';

export const MULTIBRANCH_CLASS = 'org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject';
const GIT_SOURCE_CLASS = 'jenkins.plugins.git.GitSCMSource';
const FACTORY_CLASS = 'org.jenkinsci.plugins.workflow.multibranch.WorkflowBranchProjectFactory';
const BRANCH_DISCOVERY = 'jenkins.plugins.git.traits.BranchDiscoveryTrait';
/** The id of mlgen's branch source: Jenkins keys each branch's job and build history to it. */
export const SOURCE_ID = 'mlgen-git';
/** Branch indexing every 15 minutes finds new commits when no push hook reaches Jenkins. */
const INDEXING_INTERVAL_MS = 15 * 60 * 1000;

export interface MultibranchSpec {
  repoUrl: string;
  credentialsId?: string | undefined;
  scriptPath: string;
}

export interface MultibranchState {
  sourceClasses: string[];
  remotes: string[];
  credentialsIds: string[];
  discoversBranches: boolean;
  factoryClass?: string;
  scriptPath?: string;
}

const OWNER = `<owner class="${MULTIBRANCH_CLASS}" reference="../.."/>`;

function sourcesXml(spec: MultibranchSpec, indent = '  '): string {
  const i = (level: number) => indent.repeat(level);
  return [
    '<sources class="jenkins.branch.MultiBranchProject$BranchSourceList" plugin="branch-api">',
    `${i(1)}<data>`,
    `${i(2)}<jenkins.branch.BranchSource>`,
    `${i(3)}<source class="${GIT_SOURCE_CLASS}" plugin="git">`,
    `${i(4)}<id>${SOURCE_ID}</id>`,
    `${i(4)}<remote>${escapeXml(spec.repoUrl)}</remote>`,
    `${i(4)}<credentialsId>${escapeXml(spec.credentialsId ?? '')}</credentialsId>`,
    `${i(4)}<traits>`,
    `${i(5)}<${BRANCH_DISCOVERY}/>`,
    `${i(4)}</traits>`,
    `${i(3)}</source>`,
    `${i(3)}<strategy class="jenkins.branch.DefaultBranchPropertyStrategy">`,
    `${i(4)}<properties class="empty-list"/>`,
    `${i(3)}</strategy>`,
    `${i(2)}</jenkins.branch.BranchSource>`,
    `${i(1)}</data>`,
    `${i(1)}${OWNER}`,
    '</sources>',
  ].join(`\n${indent}`);
}

function factoryXml(spec: MultibranchSpec, indent = '  '): string {
  return [`<factory class="${FACTORY_CLASS}">`, `${indent}${OWNER}`, `${indent}<scriptPath>${escapeXml(spec.scriptPath)}</scriptPath>`, '</factory>'].join(`\n${indent}`);
}

export function newMultibranchConfig(spec: MultibranchSpec, description: string): string {
  return [
    "<?xml version='1.1' encoding='UTF-8'?>",
    `<${MULTIBRANCH_CLASS} plugin="workflow-multibranch">`,
    '  <actions/>',
    `  <description>${escapeXml(description)}</description>`,
    '  <properties/>',
    '  <folderViews class="jenkins.branch.MultiBranchProjectViewHolder" plugin="branch-api">',
    `    ${OWNER}`,
    '  </folderViews>',
    '  <healthMetrics/>',
    '  <icon class="jenkins.branch.MetadataActionFolderIcon" plugin="branch-api">',
    `    ${OWNER}`,
    '  </icon>',
    '  <orphanedItemStrategy class="com.cloudbees.hudson.plugins.folder.computed.DefaultOrphanedItemStrategy" plugin="cloudbees-folder">',
    '    <pruneDeadBranches>true</pruneDeadBranches>',
    '    <daysToKeep>-1</daysToKeep>',
    '    <numToKeep>-1</numToKeep>',
    '    <abortBuilds>false</abortBuilds>',
    '  </orphanedItemStrategy>',
    '  <triggers>',
    '    <com.cloudbees.hudson.plugins.folder.computed.PeriodicFolderTrigger plugin="cloudbees-folder">',
    '      <spec>H/15 * * * *</spec>',
    `      <interval>${INDEXING_INTERVAL_MS}</interval>`,
    '    </com.cloudbees.hudson.plugins.folder.computed.PeriodicFolderTrigger>',
    '  </triggers>',
    '  <disabled>false</disabled>',
    `  ${sourcesXml(spec)}`,
    `  ${factoryXml(spec)}`,
    `</${MULTIBRANCH_CLASS}>`,
    '',
  ].join('\n');
}

export function readMultibranch(root: XmlElement): MultibranchState {
  const sources = root.children.find((c) => c.name === 'sources');
  const found = sources ? findElements(sources, 'source') : [];
  const factory = root.children.find((c) => c.name === 'factory');
  const state: MultibranchState = {
    sourceClasses: found.map((s) => s.attributes.class ?? ''),
    remotes: found.map((s) => s.children.find((c) => c.name === 'remote')?.text.trim() ?? ''),
    credentialsIds: found.map((s) => s.children.find((c) => c.name === 'credentialsId')?.text.trim() ?? '').filter((c) => c !== ''),
    discoversBranches: found.some((s) => findElement(s, BRANCH_DISCOVERY) !== undefined),
  };
  if (factory?.attributes.class) state.factoryClass = factory.attributes.class;
  const scriptPath = factory?.children.find((c) => c.name === 'scriptPath')?.text.trim();
  if (scriptPath !== undefined) state.scriptPath = scriptPath;
  return state;
}

/**
 * One branch source of a platform plugin (GitHub, GitLab, Bitbucket) that a person put in
 * place of mlgen's Git source: those also discover pull requests, so mlgen keeps it and owns
 * only the script path.
 */
export function keepsOwnSource(current: MultibranchState): boolean {
  return current.sourceClasses.length === 1 && current.sourceClasses[0] !== GIT_SOURCE_CLASS && current.sourceClasses[0] !== '';
}

/** What differs from the project mlgen wants, for people; empty when nothing does. */
export function multibranchDifferences(current: MultibranchState, want: MultibranchSpec): string[] {
  const differences: string[] = [];
  const show = (values: readonly string[]) => (values.length === 0 ? 'none' : values.join(', '));
  if (keepsOwnSource(current)) {
    if (current.factoryClass !== FACTORY_CLASS) differences.push(`project factory ${current.factoryClass ?? 'none'} -> Jenkinsfile`);
    if (current.scriptPath !== want.scriptPath) differences.push(`script path ${current.scriptPath ?? 'none'} -> ${want.scriptPath}`);
    return differences;
  }
  if (current.sourceClasses.length !== 1 || current.sourceClasses[0] !== GIT_SOURCE_CLASS) differences.push(`branch sources ${show(current.sourceClasses)} -> one Git source`);
  if (current.remotes.length !== 1 || current.remotes[0] !== want.repoUrl) differences.push(`repository ${show(current.remotes)} -> ${want.repoUrl}`);
  const wantCredentials = want.credentialsId ? [want.credentialsId] : [];
  if (current.credentialsIds.join('\n') !== wantCredentials.join('\n')) differences.push(`credentials ${show(current.credentialsIds)} -> ${show(wantCredentials)}`);
  if (!current.discoversBranches) differences.push('branch discovery off -> on');
  if (current.factoryClass !== FACTORY_CLASS) differences.push(`project factory ${current.factoryClass ?? 'none'} -> Jenkinsfile`);
  if (current.scriptPath !== want.scriptPath) differences.push(`script path ${current.scriptPath ?? 'none'} -> ${want.scriptPath}`);
  return differences;
}

/** The project's config.xml with mlgen's `<sources>` and `<factory>` in place of its own; everything else kept. */
export function withMultibranchSource(configXml: string, root: XmlElement, spec: MultibranchSpec, keepSources = false): string {
  let xml = configXml;
  // Replace from the end so that earlier offsets stay valid.
  const parts = [
    ...(keepSources ? [] : [{ element: root.children.find((c) => c.name === 'sources'), render: (indent: string) => sourcesXml(spec, indent) }]),
    { element: root.children.find((c) => c.name === 'factory'), render: (indent: string) => factoryXml(spec, indent) },
  ].sort((a, b) => (b.element?.start ?? -1) - (a.element?.start ?? -1));
  const missing: string[] = [];
  for (const { element, render } of parts) {
    if (!element) {
      missing.push(render('  '));
      continue;
    }
    const lineStart = xml.lastIndexOf('\n', element.start - 1) + 1;
    const lead = xml.slice(lineStart, element.start);
    const indent = /^[ \t]+$/.test(lead) ? lead : '  ';
    xml = xml.slice(0, element.start) + render(indent) + xml.slice(element.end);
  }
  if (missing.length > 0) {
    const close = xml.lastIndexOf(`</${root.name}>`);
    if (close < 0) throw new Error(`config.xml has an empty <${root.name}/>`);
    xml = `${xml.slice(0, close)}${missing.map((m) => `  ${m}\n`).join('')}${xml.slice(close)}`;
  }
  return xml;
}
