/**
 * The plan's jobs as declarative stages. The run checks out once (the `source` stage) and hands
 * that tree to every stage by stash, so every stage, and MLGEN_VERSION/MLGEN_IMAGE, is the same
 * commit; the deploy chain runs under one lock after a milestone; a soak holds no executor.
 */
import { posix } from 'node:path';
import { groovyString } from '../../escape/groovy.js';
import { PIPELINES, runFor, type CanaryPhase, type GateReport, type PipelineId, type Plan, type PlanJob, type Runtime, type Step, type TrainMode } from '../../plan/index.js';
import type { AgentView, BlockItem, ConditionView, EnvEntry, PostView, StageView, WhenView } from './model.js';
import { blockOf, DRIFT_VARIABLE, SOURCE_STASH } from './steps.js';

/** The file's parameter defaults: what MLGEN_PIPELINE and MLGEN_TRAIN_MODE are when a build has no parameters yet. */
export interface FileDefaults {
  pipeline: PipelineId;
  mode: TrainMode;
}

/** Groovy: true once the monitor stage of this run reported drift (env.MLGEN_DRIFT is unset in every other pipeline). */
const DRIFTED = `env.${DRIFT_VARIABLE} == 'true'`;

/** The jobs the monitor's drift verdict runs (plan.monitor): the monitor pipeline's run marks them `ifDrift`. */
function driftChain(plan: Plan): Set<string> {
  if (!plan.monitor) return new Set();
  const run = runFor(plan, { kind: 'manual', pipeline: 'monitor', mode: 'full' });
  return new Set(run.jobs.filter((j) => j.ifDrift).map((j) => j.id));
}

/**
 * A chain job's MLGEN_PIPELINE and MLGEN_TRAIN_MODE: the drift retrain's (plan.monitor.onDrift)
 * once the monitor reported drift, else the run's own, spelled as the pipeline's environment
 * spells it. A stage's environment applies after its `when` (ModelInterpreter.evaluateStage),
 * so these never decide whether the stage runs.
 */
function driftEnv(plan: Plan, job: PlanJob, defaults: FileDefaults): EnvEntry[] {
  const monitor = plan.monitor;
  if (!monitor || !driftChain(plan).has(job.id)) return [];
  const pick = (drifted: string, param: string, fallback: string) => `"\${${DRIFTED} ? ${groovyString(drifted)} : (params.${param} ?: ${groovyString(fallback)})}"`;
  return [
    { name: 'MLGEN_PIPELINE', gstring: pick(monitor.onDrift.pipeline, 'PIPELINE', defaults.pipeline) },
    { name: 'MLGEN_TRAIN_MODE', gstring: pick(monitor.onDrift.mode, 'MODE', defaults.mode) },
  ];
}

const SOURCE_TIMEOUT_MINUTES = 15;
export const TRAIN_CHANGED_LABEL = 'Did train.paths change?';

/** Jenkins label atoms with other characters than these must be quoted. */
const PLAIN_LABEL = /^[A-Za-z0-9_.-]+$/;

export function labelExpression(labels: readonly string[]): string {
  return labels.map((label) => (PLAIN_LABEL.test(label) ? label : `"${label.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(' && ');
}

/** The label a stage asks for; undefined: any agent (GitHub's hosted labels mean "the default runner"). */
export function labelFor(plan: Plan, runtime: Runtime): string | undefined {
  const override = plan.overrides.jenkins?.agent;
  if (override !== undefined) return override;
  return runtime.hosted || runtime.runner.length === 0 ? undefined : labelExpression(runtime.runner);
}

export function agentFor(plan: Plan, runtime: Runtime): AgentView {
  const label = labelFor(plan, runtime);
  if (runtime.image) {
    return { kind: 'docker', image: runtime.image, ...(label !== undefined ? { label } : {}), ...(runtime.gpu ? { args: '--gpus all' } : {}) };
  }
  return label === undefined ? { kind: 'any' } : { kind: 'label', label };
}

const leaf = (text: string): ConditionView => ({ kind: 'leaf', text });
const group = (op: 'anyOf' | 'allOf' | 'not', children: ConditionView[]): ConditionView => ({ kind: 'group', op, children });

/** Does this job wait for "train.paths changed" in the ci pipeline? */
function followsTrainPaths(plan: Plan, job: PlanJob): boolean {
  return plan.trainChanges !== undefined && job.followsTraining;
}

export function whenFor(plan: Plan, job: PlanJob, flags: Partial<Pick<WhenView, 'beforeInput' | 'beforeOptions'>> = {}): WhenView {
  const pipelines = PIPELINES.filter((p) => job.pipelines.includes(p)).map((pipeline) => {
    const inPipeline = leaf(`environment(name: 'MLGEN_PIPELINE', value: ${groovyString(pipeline)})`);
    if (pipeline !== 'ci' || !followsTrainPaths(plan, job)) return inPipeline;
    return group('allOf', [
      inPipeline,
      group('anyOf', [
        // Set by the source stage from the one train.paths rule (plan.trainChanges); unset means train.
        leaf("expression { return env.MLGEN_TRAIN_CHANGED != 'false' }"),
        // A person (or the API with a person's token) asked for this run: it always trains.
        leaf("triggeredBy 'UserIdCause'"),
      ]),
    ]);
  });
  if (driftChain(plan).has(job.id)) {
    // The monitor pipeline's retrain chain: after its monitor stage reported drift (env.MLGEN_DRIFT).
    pipelines.push(group('allOf', [leaf(`environment(name: 'MLGEN_PIPELINE', value: ${groovyString('monitor')})`), leaf(`expression { return ${DRIFTED} }`)]));
  }
  const conditions: ConditionView[] = [group('anyOf', pipelines)];
  if (job.releaseOnly) {
    conditions.push(
      leaf('not { changeRequest() }'),
      group('anyOf', [
        leaf(`branch ${groovyString(plan.releaseBranch)}`),
        // Single-branch jobs (the schedules' jobs) build the release branch.
        leaf('expression { return env.BRANCH_NAME == null }'),
      ]),
    );
  } else if (job.untrusted === 'skip') {
    // CHANGE_FORK is set (by the branch source) only for a change request from a fork.
    conditions.push(leaf('expression { return !env.CHANGE_FORK }'));
  }
  return { beforeAgent: true, beforeInput: flags.beforeInput === true, beforeOptions: flags.beforeOptions === true, conditions };
}

const timeout = (minutes: number) => `timeout(time: ${minutes}, unit: 'MINUTES')`;
const entries = (env: Record<string, string>): EnvEntry[] => Object.entries(env).map(([name, value]) => ({ name, value }));

/** What every agent stage does first: an empty workspace with the run's one checkout. */
function sourceItems(): BlockItem[] {
  return [{ kind: 'deleteDir' }, { kind: 'unstash', name: SOURCE_STASH }];
}

function agentStage(plan: Plan, job: PlanJob, name: string, runtime: Runtime, steps: readonly Step[], env: EnvEntry[], timeoutMinutes: number): StageView {
  const forkGuard = !job.releaseOnly && job.untrusted === 'no-secrets';
  return {
    name,
    agent: agentFor(plan, runtime),
    options: [timeout(timeoutMinutes)],
    environment: env,
    steps: [...sourceItems(), ...blockOf(steps, { plan, forkGuard })],
    post: [],
  };
}

function jobStage(plan: Plan, job: PlanJob, defaults: FileDefaults): StageView {
  const env = [...entries(job.env), ...driftEnv(plan, job, defaults)];
  const stage = agentStage(plan, job, job.id, job.runtime, job.steps, env, job.runtime.timeoutMinutes);
  return { ...stage, when: whenFor(plan, job), post: job.report ? [reportPost(job.report, plan.overrides.jenkins?.plugins?.includes('htmlpublisher') ?? false)] : stage.post };
}

/** How long the report's post block may take: two local file operations. */
const REPORT_MINUTES = 5;

/**
 * The gate's report (plan `job.report`) on the stage's own agent, pass or fail: the JUnit file
 * into the build's Tests view, the Markdown archived with the build, and the HTML page published
 * where the manifest says the controller has HTML Publisher (overrides.jenkins.plugins).
 */
function reportPost(report: GateReport, htmlPublisher: boolean): PostView {
  const page = posix.parse(report.html);
  return {
    condition: 'always',
    why: "The gate's report shows on the build whether the gate passed or failed.",
    timeoutMinutes: REPORT_MINUTES,
    items: [
      { kind: 'junit', testResults: report.junit },
      { kind: 'archive', artifacts: report.markdown },
      ...(htmlPublisher ? [{ kind: 'publishHTML' as const, reportDir: page.dir, reportFiles: page.base, reportName: GATE_PAGE_NAME }] : []),
    ],
  };
}

/** The link on the build's page to the gate's HTML report. */
const GATE_PAGE_NAME = 'mlgen gate';

/**
 * A canary phase as stages: the traffic shift on an agent, the soak without one (`sleep` needs
 * no executor), then the analysis on an agent again, each starting from the job's setup.
 */
function phaseStages(plan: Plan, job: PlanJob, phase: CanaryPhase): StageView[] {
  const setup = job.steps;
  const own = Object.fromEntries(Object.entries(phase.env).filter(([k, v]) => job.env[k] !== v));
  const stages: StageView[] = [];
  let segment: Step[] = [];
  const flush = () => {
    if (segment.length === 0) return;
    const name = stages.length === 0 ? phase.id : `${phase.id}-analysis`;
    stages.push(agentStage(plan, job, name, job.runtime, [...setup, ...segment], entries(own), phase.timeoutMinutes));
    segment = [];
  };
  for (const step of phase.steps) {
    if (step.type !== 'soak') {
      segment.push(step);
      continue;
    }
    flush();
    stages.push({
      name: `${phase.id}-soak`,
      comment: 'No agent: the soak holds no executor.',
      options: [timeout(Math.ceil(step.seconds / 60) + 5)],
      environment: entries(own),
      steps: [{ kind: 'sleep', seconds: step.seconds }],
      post: [],
    });
  }
  flush();
  return stages;
}

/** A post block that takes a node of its own: the stage it belongs to holds none. */
export function postOnNode(plan: Plan, runtime: Runtime, condition: PostView['condition'], why: string, steps: readonly Step[], source: BlockItem[]): PostView {
  const label = labelFor(plan, runtime);
  const body = blockOf(steps, { plan, forkGuard: false });
  return {
    condition,
    why,
    node: label === undefined ? {} : { label },
    timeoutMinutes: runtime.timeoutMinutes,
    items: [...source, ...(runtime.image ? [{ kind: 'inside' as const, image: runtime.image, body }] : body)],
  };
}

function canaryStage(plan: Plan, job: PlanJob, defaults: FileDefaults): StageView {
  const canary = job.canary!;
  const rollback = canary.rollback;
  return {
    name: job.id,
    comment: 'No agent here: each phase takes its own, so the soaks between them hold none.',
    when: whenFor(plan, job),
    options: [],
    environment: [...entries(job.env), ...driftEnv(plan, job, defaults)],
    stages: canary.phases.flatMap((phase) => phaseStages(plan, job, phase)),
    post: rollback
      ? [postOnNode(plan, job.runtime, 'unsuccessful', 'A phase that fails, times out or is aborted (a timeout aborts) rolls back: unsuccessful covers FAILURE, UNSTABLE and ABORTED.', rollback.steps, sourceItems())]
      : [],
  };
}

function approvalStage(plan: Plan, job: PlanJob): StageView {
  const approval = job.approval!;
  return {
    name: `${job.id}-approval`,
    comment: 'No agent: waiting for a person holds no executor. A timeout or a rejection aborts the run.',
    when: whenFor(plan, job, { beforeInput: true }),
    options: [timeout(approval.timeoutMinutes)],
    environment: [],
    input: { message: approval.message, ok: 'Deploy', ...(approval.approvers.length > 0 ? { submitter: approval.approvers.join(',') } : {}) },
    steps: [{ kind: 'echo', message: 'Approved.' }],
    post: [],
  };
}

/**
 * The deploy chain (every job holding plan.deployLock): a milestone, then one lock around
 * staging to production (or rollback), whose first step is a second milestone. With
 * inversePrecedence the newest waiting build takes the lock; passing the milestone then aborts
 * every older build still waiting, so an older build never deploys after a newer one.
 */
function deployChain(plan: Plan, chain: PlanJob[], defaults: FileDefaults): StageView[] {
  const first = chain[0]!;
  const inner: StageView[] = [
    { name: 'deploy-turn', options: [], environment: [], steps: [{ kind: 'milestone', ordinal: 2, label: 'Deploying: holds the deploy lock' }], post: [] },
  ];
  for (const job of chain) {
    if (job.approval) inner.push(approvalStage(plan, job));
    inner.push(job.canary ? canaryStage(plan, job, defaults) : jobStage(plan, job, defaults));
  }
  return [
    {
      name: 'deploy-queue',
      comment: 'A newer build that passes this milestone aborts every older build that has not.',
      when: whenFor(plan, first),
      options: [],
      environment: [],
      steps: [{ kind: 'milestone', ordinal: 1, label: 'Deploy chain: queued' }],
      post: [],
    },
    {
      name: 'deploy-chain',
      comment: 'One lock from staging to production or rollback, shared with every Jenkinsfile of this project.',
      when: whenFor(plan, first, { beforeOptions: true }),
      options: [`lock(resource: ${groovyString(plan.deployLock ?? `${plan.name}-deploy`)}, inversePrecedence: true)`],
      environment: [],
      stages: inner,
      post: [],
    },
  ];
}

/** The Groovy of the source stage: one checkout, its commit, and the train.paths answer. */
function sourceScript(plan: Plan): string {
  const lines = ['def source = checkout(scm)', 'env.MLGEN_VERSION = source.GIT_COMMIT'];
  if (plan.image) lines.push(`env.MLGEN_IMAGE = ${groovyString(`${plan.image}:`)} + source.GIT_COMMIT`);
  if (plan.trainChanges) {
    const release = groovyString(plan.releaseBranch);
    lines.push(
      '// train.paths changed (plan.trainChanges): a change request against its target, another branch',
      '// against the release branch, the release branch over the commits since its last successful build.',
      "if (env.MLGEN_PIPELINE == 'ci') {",
      `    def kind = env.CHANGE_ID ? 'pr' : (env.BRANCH_NAME == ${release} ? 'release' : (env.BRANCH_NAME ? 'branch' : 'unknown'))`,
      "    def changes = ['MLGEN_CHANGES_KIND=' + kind,",
      `                   'MLGEN_CHANGES_TARGET=' + (env.CHANGE_ID ? env.CHANGE_TARGET : ${release}),`,
      "                   'MLGEN_CHANGES_BEFORE=' + (source.GIT_PREVIOUS_SUCCESSFUL_COMMIT ?: '')]",
      '    withEnv(changes) {',
      `        env.MLGEN_TRAIN_CHANGED = sh(script: ${groovyString(plan.trainChanges.script)}, label: ${groovyString(TRAIN_CHANGED_LABEL)}, returnStdout: true).trim()`,
      '    }',
      '}',
    );
  }
  // Indented to sit in the template's `script {` block.
  return lines.join('\n    ');
}

/** The only checkout of the run; every other stage unstashes it (history included when a job needs git). */
function sourceStage(plan: Plan): StageView {
  const needsGit = plan.jobs.some((j) => j.runtime.git);
  return {
    name: 'source',
    comment: 'The run\'s one checkout, on an agent with git: every later stage unstashes this tree, so all of them build one commit.',
    agent: (() => {
      const label = labelFor(plan, plan.runtime);
      return label === undefined ? { kind: 'any' as const } : { kind: 'label' as const, label };
    })(),
    options: [timeout(SOURCE_TIMEOUT_MINUTES)],
    environment: [],
    steps: [
      { kind: 'script', text: sourceScript(plan) },
      { kind: 'stash', name: SOURCE_STASH, includes: '**', archive: false, useDefaultExcludes: !needsGit },
    ],
    post: [],
  };
}

/**
 * Stages in plan order: consecutive jobs that need the same jobs run side by side; the deploy
 * chain under its lock. The monitor (plan.monitor) comes first after the source: the retrain
 * chain its verdict runs follows it in the same build.
 */
export function stagesFor(plan: Plan, defaults: FileDefaults): StageView[] {
  const stages: StageView[] = [sourceStage(plan)];
  const monitor = plan.jobs.find((j) => j.id === plan.monitor?.job);
  if (monitor) stages.push(jobStage(plan, monitor, defaults));
  const chain = plan.jobs.filter((j) => j.lock !== undefined);
  const groups: PlanJob[][] = [];
  for (const job of plan.jobs.filter((j) => j.lock === undefined && j !== monitor)) {
    const last = groups.at(-1);
    const sameNeeds = last && last[0]!.needs.join(',') === job.needs.join(',') && !job.needs.some((id) => last.some((j) => j.id === id));
    if (last && sameNeeds && last[0]!.kind !== 'predict' && job.kind !== 'predict') last.push(job);
    else groups.push([job]);
  }
  const chainAfter = chain.length > 0 ? Math.max(...groups.map((g, i) => (g.some((j) => chain[0]!.needs.includes(j.id)) ? i : -1))) : -2;
  groups.forEach((g, i) => {
    stages.push(g.length === 1 ? jobStage(plan, g[0]!, defaults) : { name: 'checks', options: [], environment: [], parallel: g.map((job) => jobStage(plan, job, defaults)), post: [] });
    if (i === chainAfter) stages.push(...deployChain(plan, chain, defaults));
  });
  if (chain.length > 0 && chainAfter < 0) stages.push(...deployChain(plan, chain, defaults));
  return stages;
}

