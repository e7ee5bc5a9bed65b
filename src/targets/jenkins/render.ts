/**
 * Renders Jenkinsfiles from templates/jenkins/: the helpers the templates may call (the Groovy
 * escaping first: every manifest string reaches a Jenkinsfile through it), the pipeline-level
 * view (options, parameters, notify) and the comment block each file starts with.
 */
import { groovyString } from '../../escape/groovy.js';
import type { Plan, Schedule, TrainMode, PipelineId } from '../../plan/index.js';
import { TRAIN_MODES } from '../../plan/index.js';
import { compileTemplate, createHandlebars, readTemplate, type HandlebarsEnv } from '../../templates.js';
import type { BlockItem, JenkinsfileView, PostView, StageView } from './model.js';
import { labelFor, postOnNode, stagesFor } from './stages.js';
import { DRIFT_VARIABLE, registryCredentialsIds, secretsOf } from './steps.js';

const PARTIALS = ['stage', 'agent', 'when', 'condition', 'block', 'post'];

/** How many builds (and how many builds' archived models) Jenkins keeps: every train build archives its model. */
const KEEP_BUILDS = 50;
const KEEP_ARTIFACTS = 10;

function createJenkinsHandlebars(): HandlebarsEnv {
  const env = createHandlebars();
  env.registerHelper('groovy', (text: unknown) => {
    if (typeof text !== 'string') throw new Error(`groovy: expected a string, got ${JSON.stringify(text)}`);
    return groovyString(text);
  });
  env.registerHelper('is', (a: unknown, b: unknown) => a === b);
  for (const name of PARTIALS) env.registerPartial(name, readTemplate(`jenkins/partials/${name}.hbs`));
  return env;
}

// Made on first use: importing the target (every generate, plan and sync does) reads no template.
let handlebars: HandlebarsEnv | undefined;

export function renderTemplate(name: string, view: object): string {
  handlebars ??= createJenkinsHandlebars();
  return compileTemplate(handlebars, `jenkins/${name}`)(view);
}

/** The name of an options line: `buildDiscarder(...)` is `buildDiscarder`. */
function optionName(line: string): string {
  return /^\s*([A-Za-z_$][\w$]*)/.exec(line)?.[1] ?? line;
}

/** mlgen's options, with each override line replacing mlgen's line of the same name (Jenkins refuses a duplicate option). */
export function pipelineOptions(plan: Plan): string[] {
  const own = [
    `buildDiscarder(logRotator(numToKeepStr: '${KEEP_BUILDS}', artifactNumToKeepStr: '${KEEP_ARTIFACTS}'))`,
    // The source stage checks out once; every other stage unstashes that tree.
    'skipDefaultCheckout()',
  ];
  const extra = plan.overrides.jenkins?.options ?? [];
  const replaced = new Set(extra.map(optionName));
  return [...own.filter((line) => !replaced.has(optionName(line))), ...extra];
}

function notifyPost(plan: Plan): PostView[] {
  const notify = plan.notify;
  if (!notify) return [];
  // A checkout of its own: the run may have failed before the source stage stashed anything.
  const source: BlockItem[] = [{ kind: 'deleteDir' }, { kind: 'script', text: 'checkout(scm)' }];
  return [postOnNode(plan, notify.runtime, 'unsuccessful', 'A run that fails, times out or is aborted notifies: unsuccessful covers FAILURE, UNSTABLE and ABORTED (ABORTED runs no failure block).', notify.steps, source)];
}

function walk(stages: readonly StageView[]): StageView[] {
  return stages.flatMap((s) => [s, ...walk(s.stages ?? []), ...walk(s.parallel ?? [])]);
}

/** Minutes as people write them: 3 d, 2 h, 45 min. */
const duration = (minutes: number) => (minutes % 1440 === 0 ? `${minutes / 1440} d` : minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`);

/** One line per fact, no line breaks: manifest text in a comment must stay a comment. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');

/** The comment block: what this file needs configured on the Jenkins side, and why. */
function about(plan: Plan, stages: StageView[], post: PostView[], schedule?: Schedule): string[] {
  const all = walk(stages);
  const items = (s: StageView) => [...(s.steps ?? []), ...s.post.flatMap((p) => p.items)];
  const secretStages = new Map<string, string[]>();
  for (const stage of all) for (const name of secretsOf(items(stage))) secretStages.set(name, [...new Set([...(secretStages.get(name) ?? []), stage.name])]);
  for (const p of post) for (const name of secretsOf(p.items)) secretStages.set(name, [...new Set([...(secretStages.get(name) ?? []), 'post (notify)'])]);
  const has = (kind: BlockItem['kind']) => {
    const find = (list: readonly BlockItem[]): boolean => list.some((i) => i.kind === kind || ('body' in i && find(i.body)));
    return all.some((s) => find(items(s))) || post.some((p) => find(p.items));
  };
  const docker = all.some((s) => s.agent?.kind === 'docker') || has('inside');
  const approvals = plan.jobs.filter((j) => j.approval);
  const environments = plan.jobs.flatMap((j) => (j.environment ? [`${j.environment.name}${j.environment.url ? ` (${j.environment.url})` : ''}`] : []));
  const plugins = [
    'Pipeline: Declarative (pipeline-model-definition)',
    'Pipeline: Basic Steps (workflow-basic-steps: timeout, sleep, withEnv, deleteDir, stash)',
    'Pipeline: Nodes and Processes (workflow-durable-task-step: sh, node)',
    'Git (git: checkout, GIT_COMMIT, GIT_PREVIOUS_SUCCESSFUL_COMMIT)',
    ...(schedule ? [] : ['Pipeline: Multibranch (workflow-multibranch) with a branch source (e.g. github-branch-source: CHANGE_ID, CHANGE_TARGET, CHANGE_FORK)']),
    ...(secretStages.size > 0 || has('registryLogin') ? ['Credentials Binding (credentials-binding: withCredentials)'] : []),
    ...(docker ? ['Docker Pipeline (docker-workflow: agent { docker }, docker.image().inside) on agents with Docker'] : []),
    ...(plan.deployLock ? ['Lockable Resources (lockable-resources: lock)', 'Pipeline: Milestone Step (pipeline-milestone-step: milestone)'] : []),
    ...(approvals.length > 0 ? ['Pipeline: Input Step (pipeline-input-step: input)'] : []),
    ...(all.some((s) => s.post.some((p) => p.items.some((i) => i.kind === 'junit'))) ? ['JUnit (junit: the gate report in the Tests view)'] : []),
    ...(has('publishHTML') ? ['HTML Publisher (htmlpublisher: publishHTML, the gate report page; declared in overrides.jenkins.plugins)'] : []),
  ];
  const lines = [
    schedule
      ? `Jenkins job ${plan.name}-${schedule.id}: a Pipeline job from SCM on ${plan.releaseBranch}, started by its cron (mlgen sync jenkins creates it).`
      : `Jenkins job ${plan.name}: a Multibranch Pipeline job for this repository (docs/jenkins.md).`,
    `Plugins: ${plugins.join('; ')}.`,
  ];
  lines.push(
    secretStages.size > 0
      ? `Credentials (kind Secret text, ID = name), bound only around the steps that use them: ${[...secretStages].map(([name, where]) => `${name} (${where.length > 6 ? `${where.length} stages` : where.join(', ')})`).join('; ')}.`
      : 'Credentials: none.',
  );
  if (has('registryLogin')) for (const id of registryCredentialsIds(plan)) lines.push(`Registry login: a Username with password credential with ID ${id}.`);
  if (environments.length > 0) lines.push(`Environments: ${environments.join(', ')}; deploys hold the lock ${plan.deployLock ?? ''} (every Jenkinsfile of ${plan.name} shares it).`);
  for (const job of approvals) {
    const a = job.approval!;
    lines.push(`Approval before ${job.id}: ${a.approvers.length > 0 ? `submitter ${a.approvers.join(', ')}` : 'anyone who may build the job'}; times out (aborts) after ${duration(a.timeoutMinutes)}.`);
  }
  if (plan.monitor) {
    const { pipeline, mode } = plan.monitor.onDrift;
    lines.push(`Monitor (PIPELINE=monitor): the ${plan.monitor.job} stage reads ${plan.monitor.report} into env.${DRIFT_VARIABLE}; true runs the ${pipeline} stages next in the same build (MLGEN_PIPELINE=${pipeline}, MLGEN_TRAIN_MODE=${mode}); a missing or malformed report fails the build.`);
  }
  const labels = [...new Set(all.flatMap((s) => (s.agent?.kind === 'label' ? [s.agent.label] : s.agent?.kind === 'docker' && s.agent.label ? [s.agent.label] : [])))];
  lines.push(`Agents: ${labels.length > 0 ? `labels ${labels.join(', ')}; ` : ''}other stages run on any agent; /bin/sh may be dash; git on the agent of the source stage.`);
  if (!schedule) lines.push('Fork pull requests: set the branch source\'s Trust setting so forks cannot change this Jenkinsfile; stages that need a self-hosted agent skip forks, others run without credentials.');
  return lines.map(oneLine);
}

export function jenkinsfileView(plan: Plan, schedule?: Schedule): JenkinsfileView {
  const defaultPipeline: PipelineId = schedule?.pipeline ?? (plan.pipelines.includes('ci') ? 'ci' : plan.pipelines[0]!);
  const defaultMode: TrainMode = schedule?.mode ?? 'full';
  // A choice parameter's first choice is its default, for timers as for people.
  const first = <T>(value: T, all: readonly T[]): T[] => [value, ...all.filter((v) => v !== value)];
  const stages = stagesFor(plan, { pipeline: defaultPipeline, mode: defaultMode });
  const post = notifyPost(plan);
  return {
    about: about(plan, stages, post, schedule),
    options: pipelineOptions(plan),
    parameters: { pipelines: first(defaultPipeline, plan.pipelines), modes: first(defaultMode, TRAIN_MODES) },
    defaults: { pipeline: defaultPipeline, mode: defaultMode },
    // Jenkins reads cron in the controller's time zone unless the spec names one; mlgen schedules are UTC.
    ...(schedule ? { cron: `TZ=UTC\n${schedule.cron}` } : {}),
    // The override's variables come first: the MLGEN_* lines after them always win.
    environment: Object.entries(plan.overrides.jenkins?.environment ?? {}).map(([name, value]) => ({ name, value })),
    stages,
    post,
  };
}


