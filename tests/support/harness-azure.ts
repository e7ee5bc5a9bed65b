/**
 * The Azure Pipelines harness. validate(): Microsoft's published YAML schema (the one the
 * Azure Pipelines VS Code extension uses) plus the server's rules the schema cannot express
 * (id syntax, unique ids, dependsOn targets, output-variable references, expression syntax).
 * jobsFor(): tests/targets/azure/simulate.ts. scripts(): each bash step after the agent's
 * macro pass, which is what bash receives. Running a pipeline's steps for real:
 * tests/targets/azure/agent/ (the executing simulator) through ./azure-run.ts.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { GeneratedFile } from '../../src/files/index.js';
import type { Plan, PlanEvent } from '../../src/plan/index.js';
import { STEP_VARIABLE } from '../../src/targets/azure/image-run.js';
import { expandMacros, parseExpression } from '../targets/azure/expressions.js';
import { checkoutFindings, predefined, rootVariables, simulate, stepListsOf, triggerFor, type SimulateOptions, type Trigger } from '../targets/azure/simulate.js';
import type { TargetHarness } from './harness.js';
import { sharedFile } from './needs.js';

export { azureProject, runAzureEvent, type AzureProject, type AzureRun } from './azure-run.js';

type Doc = Record<string, any>;

export const AZURE_FILE = 'azure-pipelines.yml';
const ID = /^[A-Za-z_][A-Za-z0-9_]*$/;

let compiled: ValidateFunction | undefined;

/** Microsoft's schema, compiled once per test process (about 1.5 s). */
export function schemaValidator(): ValidateFunction {
  compiled ??= new Ajv({ strict: false, unicodeRegExp: false, allErrors: false }).compile(JSON.parse(readFileSync(sharedFile('schemas/azure-pipelines.schema.json', "Microsoft's Azure Pipelines YAML schema"), 'utf8')));
  return compiled;
}

export function azureDocument(files: readonly GeneratedFile[]): Doc | undefined {
  const file = files.find((f) => f.path === AZURE_FILE);
  return file ? (parse(file.content) as Doc) : undefined;
}

/** Schema findings for one file's text: the schema types every scalar as a string, as Azure reads it. */
export function schemaFindings(text: string): string[] {
  const validate = schemaValidator();
  if (validate(taskBooleans(parse(text, { schema: 'failsafe' })))) return [];
  return (validate.errors ?? []).map((e) => `schema: ${e.instancePath || '/'} ${e.message ?? ''}`);
}

/**
 * The one place the schema types a scalar as a YAML boolean: task inputs such as
 * ManualValidation@1's allowApproversToApproveTheirOwnRuns. `true`/`false` there are read as booleans.
 */
function taskBooleans(node: unknown, key = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => taskBooleans(n));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, key === 'inputs' && (v === 'true' || v === 'false') ? v === 'true' : taskBooleans(v, k)]));
  }
  return node;
}

/** Rules the Azure server applies that the schema does not. */
export function structuralFindings(doc: Doc): string[] {
  const findings: string[] = [];
  const stageIds = new Set<string>();
  for (const stage of (doc.stages ?? []) as Doc[]) {
    const id = String(stage.stage);
    if (!ID.test(id)) findings.push(`stage id "${id}" must hold only letters, digits and _ and not start with a digit`);
    if (stageIds.has(id.toLowerCase())) findings.push(`stage id "${id}" is used twice`);
    for (const dep of [stage.dependsOn ?? []].flat()) if (!stageIds.has(String(dep).toLowerCase())) findings.push(`stage ${id} depends on "${dep}", which does not come before it`);
    stageIds.add(id.toLowerCase());
    findings.push(...expressionFindings(`stage ${id}`, stage.condition));
    const jobIds = new Set<string>();
    for (const job of (stage.jobs ?? []) as Doc[]) {
      const jobId = String(job.job ?? job.deployment);
      if (!ID.test(jobId)) findings.push(`job id "${jobId}" must hold only letters, digits and _ and not start with a digit`);
      if (job.deployment !== undefined && jobId.toLowerCase() === 'deploy') findings.push('"deploy" cannot name a deployment job');
      if (jobIds.has(jobId.toLowerCase())) findings.push(`job id "${jobId}" is used twice in stage ${id}`);
      for (const dep of [job.dependsOn ?? []].flat()) if (!jobIds.has(String(dep).toLowerCase())) findings.push(`job ${jobId} depends on "${dep}", which does not come before it`);
      jobIds.add(jobId.toLowerCase());
      findings.push(...expressionFindings(`job ${jobId}`, job.condition));
    }
    for (const match of String(stage.condition ?? '').matchAll(/dependencies\.(\w+)\.outputs\['(\w+)\.(\w+)\.(\w+)'\]/g)) {
      const [, from, job, step] = match;
      const source = ((doc.stages ?? []) as Doc[]).find((s) => s.stage === from);
      const deps = [stage.dependsOn ?? []].flat();
      const hasStep = ((source?.jobs ?? []) as Doc[]).some((j) => j.job === job && ((j.steps ?? []) as Doc[]).some((s) => s.name === step));
      if (!deps.includes(from) || !hasStep) findings.push(`stage ${id} reads output ${match[0]}, which no dependency publishes`);
    }
  }
  return [...findings, ...checkoutFindings(doc)];
}

function expressionFindings(where: string, condition: unknown): string[] {
  if (condition === undefined) return [];
  try {
    parseExpression(String(condition));
    return [];
  } catch (error) {
    return [`${where} condition: ${(error as Error).message}`];
  }
}

/** The plan job ids a run holds, in plan order; native helper jobs (approval, diff, notify) have no plan id. */
function planIds(plan: Plan, nativeIds: string[]): string[] {
  const ran = new Set(nativeIds.map((id) => id.replace(/_/g, '-')));
  return plan.jobs.map((j) => j.id).filter((id) => ran.has(id));
}

/**
 * `drift`: what the monitor's verdict step reports (default false), as a stand-in output of
 * every named step of the monitor's job that sets an output variable: the abstract simulator
 * does not run the project's drift check (tests/targets/azure/monitor.test.ts runs it).
 */
export async function simulateRun(files: readonly GeneratedFile[], plan: Plan, event: PlanEvent, pathsChanged: boolean, failing?: ReadonlySet<string>, more: Partial<SimulateOptions> & { fork?: boolean; drift?: boolean } = {}) {
  const doc = azureDocument(files);
  if (!doc) return [];
  const trigger = triggerFor(doc, plan, event);
  if (!trigger) return [];
  const { fork, drift, ...options } = more;
  if (fork) trigger.fork = true;
  const outputs = { ...monitorOutputs(doc, plan, drift ?? false), ...(options.outputs ?? {}) };
  return simulate(doc, trigger, { pathsChanged, trainPaths: plan.trainChanges?.paths ?? [], releaseBranch: plan.releaseBranch, ...(failing ? { failing } : {}), ...options, outputs });
}

function monitorOutputs(doc: Doc, plan: Plan, drift: boolean): Record<string, Record<string, string>> {
  if (!plan.monitor) return {};
  const id = plan.monitor.job.replace(/-/g, '_');
  const out: Record<string, Record<string, string>> = {};
  for (const stage of (doc.stages ?? []) as Doc[]) {
    for (const job of (stage.jobs ?? []) as Doc[]) {
      if (job.job !== id) continue;
      const values: Record<string, string> = {};
      for (const step of (job.steps ?? []) as Doc[]) {
        if (typeof step.bash !== 'string' || typeof step.name !== 'string') continue;
        for (const m of step.bash.matchAll(/##vso\[task\.setvariable variable=([^;\]]+);isOutput=true\]/gi)) values[`${step.name}.${m[1]}`] = String(drift);
      }
      out[`${stage.stage}.${id}`] = values;
    }
  }
  return out;
}

export interface AzureScript {
  stage: string;
  job: string;
  hook: string;
  displayName: string;
  /** What bash receives: the step's text after the agent's macro pass. */
  script: string;
  /** The step's env after the macro pass (a secret's macro becomes 'secret-value'). */
  env: Record<string, string>;
  /** The step's env as the file writes it. */
  rawEnv: Record<string, string>;
}

/** Every bash step with its text as bash receives it, for a push to the release branch. */
export function azureScripts(files: readonly GeneratedFile[]): AzureScript[] {
  const doc = azureDocument(files);
  if (!doc) return [];
  const trigger: Trigger = { reason: 'IndividualCI', sourceBranch: 'refs/heads/main', parameters: {} };
  const root = { ...predefined(trigger), ...rootVariables(doc, trigger), 'strategy.increment': '10' };
  const out: AzureScript[] = [];
  for (const stage of (doc.stages ?? []) as Doc[]) {
    for (const job of (stage.jobs ?? []) as Doc[]) {
      for (const list of stepListsOf(job)) {
        for (const step of list.steps) {
          if (typeof step.bash !== 'string') continue;
          const env = (step.env ?? {}) as Record<string, string>;
          // Secrets are pipeline variables too: a command must never expand one by accident.
          const secrets = Object.fromEntries(Object.values(env).flatMap((v) => [...String(v).matchAll(/^\$\(([\w.]+)\)$/g)].map((m) => [m[1] ?? '', 'secret-value'])));
          const variables = { ...secrets, ...root, ...list.variables };
          out.push({
            stage: String(stage.stage),
            job: String(job.job ?? job.deployment),
            hook: list.hook,
            displayName: String(step.displayName ?? ''),
            script: expandMacros(step.bash, variables),
            env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, expandMacros(String(v), variables)])),
            rawEnv: env,
          });
        }
      }
    }
  }
  return out;
}

export const azureHarness: TargetHarness = {
  id: 'azure',
  async validate(sets) {
    return sets.map((files) => {
      const file = files.find((f) => f.path === AZURE_FILE);
      if (!file) return [];
      return [...schemaFindings(file.content), ...structuralFindings(parse(file.content) as Doc)];
    });
  },
  async jobsFor(files, plan, event, pathsChanged) {
    const ran = await simulateRun(files, plan, event, pathsChanged);
    return planIds(
      plan,
      ran.filter((j) => j.result === 'Succeeded').map((j) => j.job),
    );
  },
  async scripts(files) {
    // A step that runs in its image through docker run hands the container its script as MLGEN_STEP (src/targets/azure/image-run.ts).
    return azureScripts(files).flatMap((s) => [s.script, ...(s.env[STEP_VARIABLE] !== undefined ? [s.env[STEP_VARIABLE]] : [])]);
  },
};
