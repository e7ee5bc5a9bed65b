/**
 * The manifest model of `shared/manifest-v1.md`, in zod: types, defaults and every rule.
 * `schemas/mlgen.schema.json` is generated from this file (`npm run schema`), so each key
 * carries the description an editor shows.
 */
import { z } from 'zod';
import { checkDuration, DURATION_PATTERN } from './duration.js';
import {
  APPROVER,
  BRANCH_NAME,
  checkHttpUrl,
  checkImageReference,
  checkMetricName,
  checkRunnerLabel,
  checkSchedule,
  checkVariableValue,
  grammarString,
  HTTP_URL_START,
  IMAGE_REFERENCE,
  METRIC_NAME,
  RUNNER_LABEL,
  SECRET_NAME,
  SLUG,
  VARIABLE_NAME,
  workspacePathCheck,
} from './grammar.js';
import { catalog, catalogVersion, reservedPrefixes } from '../targets/catalog.js';

export const CACHE_KINDS = ['pip', 'dvc'] as const;
export const TRAIN_MODES = ['full', 'incremental', 'drift'] as const;

const IMAGE_NAME = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?((:[0-9]+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+)?$/;
/** The sections a secret's `to:` may name: each is a group of jobs. */
export const SECRET_SECTIONS = ['data', 'checks', 'train', 'evaluate', 'package', 'deploy', 'predict', 'monitor', 'notify'] as const;
export type SecretSection = (typeof SECRET_SECTIONS)[number];

/**
 * Rules zod checks in code, restated as JSON Schema keywords (via `.meta`) so editors flag them
 * too. Each restatement is exact: the JSON Schema never refuses what zod accepts.
 */
const notMatching = (...patterns: string[]) =>
  patterns.length === 1 ? { not: { pattern: patterns[0]! } } : { allOf: patterns.map((pattern) => ({ not: { pattern } })) };
const oneOfKeysRequired = (...keys: string[]) => ({ anyOf: keys.map((key) => ({ required: [key] })) });

/** A secret's name; prefixes that belong to mlgen or to a platform (the catalog's) would be shadowed. */
const secretNameFor = (prefixes: readonly string[]) =>
  z
    .string()
    .regex(SECRET_NAME, 'a secret is named in UPPER_SNAKE_CASE, e.g. REGISTRY_PASSWORD; its value lives in the CI system')
    .refine((n) => !prefixes.some((p) => n.startsWith(p)), {
      message: `a secret name may not start with ${prefixes.join(', ')}: the platforms or mlgen set those`,
    })
    .meta(notMatching(`^(${prefixes.join('|')})`));
const nameOf = (s: string | { name: string }): string => (typeof s === 'string' ? s : s.name);

const slug = (what: string) =>
  z
    .string()
    .max(63, 'is at most 63 characters')
    .regex(SLUG, `${what} holds only lowercase letters, digits and "-", and starts with a letter or digit (e.g. house-prices)`);

/** A shell command run in the repository root. `${{` would be evaluated by GitHub or Azure before the shell sees it. */
const command = z
  .string()
  // A command of blanks alone runs nothing, and YAML block scalars cannot carry it faithfully.
  .regex(/\S/, 'a command cannot be empty or only blanks: write the command to run')
  .refine((text) => !text.includes('${{'), {
    message:
      'a command may not contain "${{": GitHub and Azure would evaluate it as an expression before the shell runs (an injection risk); read values from environment variables instead, e.g. "$MLGEN_VERSION"',
  })
  .meta(notMatching('\\$\\{\\{'))
  .describe('A shell command, run in the repository root with the MLGEN_* variables set.');

const commands = z
  .union([command, z.array(command).min(1)])
  .describe('One command or a list of commands, run in order.');

/** A path or glob inside the workspace (grammar.ts): no ~/, no absolute path, no "..", no separators of a list. */
const relativePath = (what: string) =>
  grammarString(workspacePathCheck(what)).meta(notMatching('^([/\\\\]|[A-Za-z]:|~)', '(^|[/\\\\])\\.\\.([/\\\\]|$)', '[\\s,$]'));

const cron = grammarString(checkSchedule)
  .describe('A cron expression with five fields, in UTC, e.g. "0 6 * * *".');

const duration = z
  .string()
  .superRefine((text, ctx) => {
    const problem = checkDuration(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ pattern: DURATION_PATTERN })
  .describe('A duration: a whole number with s, m, h or d, e.g. "15m".');

const runnerLabel = grammarString(checkRunnerLabel, RUNNER_LABEL);
const runner = z
  .union([runnerLabel, z.array(runnerLabel).min(1)])
  .describe('A runner label, or a list of labels a runner must all have (e.g. [self-hosted, gpu]).');

const image = grammarString(checkImageReference, IMAGE_REFERENCE).describe('A container image to run the job in, e.g. python:3.11-slim.');

/**
 * Where a section's commands run (manifest 1.1): every section that runs commands may name its
 * own runtime; what it leaves out comes from `defaults`.
 */
const sectionRuntime = {
  image: image.optional(),
  runner: runner.optional(),
  install: z
    .union([command, z.array(command)])
    .optional()
    .describe('Replaces defaults.install in this section\'s jobs: one command or a list ([] installs nothing).'),
  timeout: duration.optional(),
};

const namedCommand = (what: string) =>
  z.strictObject({
    name: slug(`a ${what} name`).describe(`The ${what}'s name, used in job names: lowercase letters, digits and "-".`),
    run: command.describe(`The command that runs the ${what}.`),
    ...sectionRuntime,
  });

const defaults = z
  .strictObject({
    python: z
      .string({ error: 'must be a quoted string such as "3.11" (YAML reads 3.10 as the number 3.1)' })
      .regex(/^3\.\d+(\.\d+)?$/, 'is a Python 3 version such as "3.11" or "3.12.4"')
      .default('3.11')
      .describe('The Python version jobs set up. Quote it: "3.10", not 3.10.'),
    image: image.optional(),
    runner: runner.default('ubuntu-latest'),
    install: commands.default('pip install -r requirements.txt').describe('How every job installs dependencies: one command or a list.'),
    cache: z
      .array(z.enum(CACHE_KINDS))
      .default(['pip'])
      .describe('Caches to keep between runs: pip (keyed on requirements files), dvc (keyed on dvc.lock).'),
    timeout: duration.default('60m').describe('How long a job may run unless its section says otherwise.'),
    branch: z
      .string()
      .min(1)
      .regex(BRANCH_NAME, 'a branch name holds letters, digits, ".", "_", "/" and "-"')
      .default('main')
      .describe('The release branch: packaging and deploys run only from it.'),
  })
  .describe('How every job runs unless a section overrides it.');

const data = z
  .strictObject({
    pull: command.optional().describe('Fetches versioned data before data tests and training, e.g. "dvc pull".'),
    tests: z.array(namedCommand('data test')).default([]).describe('Data tests, run in parallel with the code checks.'),
    ...sectionRuntime,
  })
  .describe('Versioned data and its tests.');

const train = z
  .strictObject({
    run: command.describe('The training command. It writes the model and, with an evaluate section, the metrics file.'),
    paths: z
      .array(relativePath('a path pattern'))
      .min(1)
      .optional()
      .describe('On pushes and pull requests, train only when a file matching one of these globs changed. Default: always.'),
    ...sectionRuntime,
    gpu: z.boolean().default(false).describe("Give the training job's container the machine's GPUs (a GPU runner is still chosen by `runner`)."),
    artifacts: z
      .array(relativePath('an artifact path'))
      .default([])
      .describe('Files and folders training produces, passed to later jobs and kept.'),
  })
  .describe('Model training.');

const gate = z
  .strictObject({
    metric: grammarString(checkMetricName, METRIC_NAME.source)
      .describe('The key of the metric in the metrics file.'),
    min: z.number().finite().optional().describe('The metric must be at least this.'),
    max: z.number().finite().optional().describe('The metric must be at most this.'),
  })
  .refine((g) => g.min !== undefined || g.max !== undefined, {
    message: 'a gate needs a bound: add "min" or "max", e.g. { metric: r2, min: 0.8 }',
  })
  .refine((g) => g.min === undefined || g.max === undefined || g.min <= g.max, {
    message: 'this gate can never pass: its min is above its max',
  })
  .meta(oneOfKeysRequired('min', 'max'))
  .describe('A bound on one metric: min, max or both.');

const baseline = z
  .strictObject({
    fetch: command.optional().describe('Writes the production model\'s metrics to `file` before the comparison.'),
    file: relativePath('the baseline file').describe('A flat JSON object of the production model\'s metrics.'),
    tolerance: z
      .record(grammarString(checkMetricName, METRIC_NAME.source), z.number().finite().min(0, 'a tolerance is a share such as 0.05, never negative'))
      .default({})
      .describe('Relative slack per metric: 0.05 lets a metric be at most 5 % worse than the baseline. Default 0.'),
  })
  .describe('No regression against the model in production.');

const evaluate = z
  .strictObject({
    metrics: relativePath('the metrics file').default('metrics.json').describe('A flat JSON object of numbers written by training.'),
    gates: z.array(gate).default([]).describe('Bounds a metric must meet; each needs min or max.'),
    baseline: baseline.optional(),
    report: z
      .enum(['summary', 'comment'])
      .default('summary')
      .describe(
        'Where the gate\'s report shows besides each platform\'s test view and run summary: `summary` (default) only there; `comment` also as one pull-request comment, updated in place, on GitHub pull requests from the same repository (never from forks).',
      ),
    ...sectionRuntime,
  })
  .superRefine((e, ctx) => {
    const gated = new Set(e.gates.map((g) => g.metric));
    for (const metric of Object.keys(e.baseline?.tolerance ?? {})) {
      if (!gated.has(metric)) {
        ctx.addIssue({
          code: 'custom',
          path: ['baseline', 'tolerance', metric],
          message: `"${metric}" has a tolerance but no gate, so mlgen cannot tell which direction is worse: add a gate for it`,
        });
      }
      const bounds = e.gates.filter((g) => g.metric === metric);
      const hasMin = bounds.some((g) => g.min !== undefined);
      const hasMax = bounds.some((g) => g.max !== undefined);
      if (hasMin && hasMax) {
        ctx.addIssue({
          code: 'custom',
          path: ['baseline', 'tolerance', metric],
          message: `"${metric}" is gated with both min and max, so neither direction is "worse" than the baseline: drop its tolerance or one of its bounds`,
        });
      }
    }
  })
  .describe('Metric gates: thresholds and no regression against production.');

const packageSection = z
  .strictObject({
    image: z
      .string()
      // Path components separated by "/"; a ":port" only after the first one when more follow
      // ("localhost:5000/model"), so "model:latest" (a tag) is refused: MLGEN_IMAGE adds the tag.
      .regex(IMAGE_NAME, 'an image name is lowercase, without a tag (mlgen tags it with the commit)')
      .optional()
      .describe('The image to build from the Dockerfile and push, tagged with the commit SHA.'),
    dockerfile: relativePath('the Dockerfile path').default('Dockerfile').describe('The Dockerfile to build the image from.'),
    login: command.optional().describe('Logs in to the registry before the push, e.g. reading a password from a secret.'),
    register: command.optional().describe('Registers the model, e.g. in a model registry.'),
    // `image` here is what gets built; the job itself runs where Docker is (the runner's host).
    runner: sectionRuntime.runner,
    install: sectionRuntime.install,
    timeout: sectionRuntime.timeout,
  })
  .refine((p) => p.image !== undefined || p.register !== undefined, {
    message: 'package needs "image" (a container to build) or "register" (a model registry command), or both',
  })
  .meta(oneOfKeysRequired('image', 'register'))
  .describe('Packaging and model registration, from the release branch only.');

/** Shown as a link on the platforms' deployment pages, which take http(s) only. */
const environmentUrl = grammarString(checkHttpUrl, HTTP_URL_START);

const staging = z
  .strictObject({
    run: command.describe('Deploys to staging; $MLGEN_IMAGE names the image.'),
    url: environmentUrl.optional().describe('Where staging answers, shown on the deployment.'),
    smoke: command.optional().describe('A smoke test against staging, run after the deploy.'),
  })
  .describe('The staging environment.');

const canary = z
  .strictObject({
    steps: z
      .array(z.number().int('a canary step is a whole percentage').min(1, 'canary steps lie within 1..99').max(99, 'canary steps lie within 1..99 (production takes the rest)'))
      .min(1)
      .refine((steps) => steps.every((s, i) => i === 0 || s > steps[i - 1]!), { message: 'canary steps must strictly increase, e.g. [10, 50]' })
      .meta({ uniqueItems: true })
      .describe('Traffic percentages in order; production takes the rest.'),
    run: command.describe('Shifts $MLGEN_CANARY_PERCENT of traffic to $MLGEN_IMAGE.'),
    analysis: command.optional().describe('Decides whether the canary is healthy; a failure triggers rollback.'),
    interval: duration.default('10m').describe('Soak time before each analysis.'),
    rollback: command.optional().describe('Undoes the canary when a step fails.'),
  })
  .describe('A canary rollout in steps with analysis and rollback.');

const production = z
  .strictObject({
    run: command.describe('Deploys to production.'),
    url: environmentUrl.optional().describe('Where production answers, shown on the deployment.'),
    approval: z
      .union([
        z.boolean(),
        z.strictObject({
          approvers: z
            .array(z.string().min(1).regex(APPROVER, 'an approver is a user or group name: letters, digits, "@", ".", "_", "/", " " and "-"'))
            .default([])
            .describe('Who may approve: users or groups, as the platform names them.'),
          timeout: duration.default('3d').describe('How long the approval waits; then the run fails. Default 3d.'),
        }),
      ])
      .default(false)
      .describe('A person approves before production: true for the platform defaults, or {approvers, timeout}.'),
  })
  .describe('The production environment.');

const deploy = z
  .strictObject({ staging: staging.optional(), canary: canary.optional(), production: production.optional(), ...sectionRuntime })
  .describe('Environments, deployed in order from the release branch.');

const trigger = z
  .strictObject({
    mode: z.enum(TRAIN_MODES).describe('How to retrain; commands see it as $MLGEN_TRAIN_MODE.'),
    schedule: cron.optional(),
    event: slug('an event name').optional().describe('An external event that starts this retrain, e.g. drift-detected.'),
  })
  .refine((t) => t.schedule !== undefined || t.event !== undefined, {
    message: 'a retrain trigger needs "schedule" (a cron) or "event" (an external event name)',
  })
  .meta(oneOfKeysRequired('schedule', 'event'))
  .describe('One way to start a retrain: a schedule or an external event, with a mode.');

const pipelines = z
  .strictObject({
    predict: z
      .strictObject({
        schedule: cron,
        run: command.describe('The batch prediction; $MLGEN_MODEL_VERSION names the model (default latest).'),
        ...sectionRuntime,
      })
      .optional()
      .describe('Scheduled batch prediction.'),
    retrain: z
      .strictObject({
        deploy: z.boolean().default(false).describe('A retrained model that passes the gates goes on to staging, canary and approved production.'),
        triggers: z.array(trigger).min(1, 'retrain needs at least one trigger').describe('Schedules and events that retrain.'),
      })
      .optional()
      .describe('Retraining: incremental, full and drift-triggered.'),
    monitor: z
      .strictObject({
        schedule: cron,
        run: command.describe('The drift check: runs with the project installed and $MLGEN_MODEL_VERSION set, and writes `report`.'),
        report: relativePath('the drift report').describe('The JSON file the drift check writes: {"drift": true|false, ...}; true starts the retrain chain in drift mode. A missing or malformed report fails the monitor.'),
        ...sectionRuntime,
      })
      .optional()
      .describe('Watches the model in production on a schedule; reported drift runs the retrain chain in drift mode (data tests, train, evaluate, package, and deploys when retrain.deploy is true).'),
  })
  .describe('Pipelines beyond CI.');

/** The whole manifest, for the targets the catalog holds now. */
function buildManifestSchema() {
  const prefixes = reservedPrefixes();
  const secretName = secretNameFor(prefixes);
  const ids = catalog().map((e) => e.id) as [string, ...string[]];
  const overrides = z
    .strictObject(Object.fromEntries(catalog().map((e) => [e.id, e.overrides])) as Record<string, z.ZodType>)
    .describe('Escape hatch, applied after mlgen renders each target.');
  return z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema for editors.'),
    version: z.literal(1, { error: 'must be 1, the only manifest version so far' }).describe('The manifest version: 1.'),
    name: slug('a project name').describe('The project name, used in job, file and image names.'),
    targets: z
      .array(z.enum(ids))
      .min(1)
      .refine((t) => new Set(t).size === t.length, { message: 'each target is named once' })
      .meta({ uniqueItems: true })
      .default([...ids])
      .describe(`The CI systems to generate for. Default: all of them (${ids.join(', ')}).`),
    defaults: defaults.default(() => defaults.parse({})),
    data: data.optional(),
    checks: z.array(namedCommand('check')).default([]).describe('Code checks on every change, in parallel with the data tests.'),
    train: train.optional(),
    evaluate: evaluate.optional(),
    package: packageSection.optional(),
    deploy: deploy.optional(),
    pipelines: pipelines.optional(),
    env: z
      .record(
        z
          .string()
          .regex(VARIABLE_NAME, 'a variable is named in UPPER_SNAKE_CASE, e.g. MLFLOW_TRACKING_URI')
          .refine((n) => !prefixes.some((p) => n.startsWith(p)), {
            message: `a variable name may not start with ${prefixes.join(', ')}: the platforms or mlgen set those`,
          }),
        grammarString(checkVariableValue, undefined, { allowEmpty: true }),
      )
      .default({})
      .describe('Plain (non-secret) environment variables for every command.'),
    secrets: z
      .array(z.union([secretName, z.strictObject({ name: secretName.describe('The secret\'s name, as stored in the CI system.'), to: z.array(z.enum(SECRET_SECTIONS)).min(1).describe('The sections whose commands see this secret.') })]))
      .refine((s) => new Set(s.map(nameOf)).size === s.length, { message: 'each secret is named once' })
      .default([])
      .describe('Names of secrets; values live in the CI system and reach commands as environment variables. A bare name reaches every section; {name, to} only the sections listed.'),
    notify: z
      .strictObject({ failure: command.describe('Runs when the pipeline fails.') })
      .optional()
      .describe('Commands run when a pipeline fails, e.g. to post to a chat.'),
    overrides: overrides.optional(),
  })
  .superRefine((m, ctx) => {
    const unique = (names: string[], where: (string | number)[], what: string) => {
      names.forEach((n, i) => {
        if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: [...where, i, 'name'], message: `${what} "${n}" is named twice` });
      });
    };
    unique(m.checks.map((c) => c.name), ['checks'], 'check');
    unique((m.data?.tests ?? []).map((t) => t.name), ['data', 'tests'], 'data test');
    if (m.evaluate && !m.train) {
      ctx.addIssue({ code: 'custom', path: ['evaluate'], message: 'evaluate reads metrics written by training: add a train section' });
    }
    if (m.pipelines?.retrain && !m.train) {
      ctx.addIssue({ code: 'custom', path: ['pipelines', 'retrain'], message: 'retrain runs the train section: add one' });
    }
    if (m.pipelines?.monitor && !m.train) {
      ctx.addIssue({ code: 'custom', path: ['pipelines', 'monitor'], message: 'reported drift retrains with the train section: add one' });
    }
    const hasDeploy = m.deploy && (m.deploy.staging || m.deploy.canary || m.deploy.production);
    if (m.pipelines?.retrain?.deploy && !hasDeploy) {
      ctx.addIssue({ code: 'custom', path: ['pipelines', 'retrain', 'deploy'], message: 'retrain.deploy is true but there is no deploy section to go to' });
    }
    // A schedule is how GitHub (github.event.schedule) and Azure (the schedule's name) tell pipelines apart.
    const seen = new Map<string, string>();
    const schedules: [string, (string | number)[]][] = [];
    if (m.pipelines?.predict) schedules.push([m.pipelines.predict.schedule, ['pipelines', 'predict', 'schedule']]);
    if (m.pipelines?.monitor) schedules.push([m.pipelines.monitor.schedule, ['pipelines', 'monitor', 'schedule']]);
    m.pipelines?.retrain?.triggers.forEach((t, i) => {
      if (t.schedule) schedules.push([t.schedule, ['pipelines', 'retrain', 'triggers', i, 'schedule']]);
    });
    for (const [expression, path] of schedules) {
      const key = expression.trim().split(/\s+/).join(' ');
      if (seen.has(key)) {
        ctx.addIssue({ code: 'custom', path, message: `the schedule "${expression}" is used twice; the platforms could not tell the pipelines apart: shift one by a minute` });
      }
      seen.set(key, expression);
    }
    // An external event is known by its name alone (plan.events, GitLab's MLGEN_EVENT), so one
    // name starts one retrain. Several schedules may share a mode (retrain-full, retrain-full-2).
    const events = new Map<string, number>();
    m.pipelines?.retrain?.triggers.forEach((t, i) => {
      if (t.event === undefined) return;
      const first = events.get(t.event);
      if (first === undefined) events.set(t.event, i);
      else {
        ctx.addIssue({
          code: 'custom',
          path: ['pipelines', 'retrain', 'triggers', i, 'event'],
          message: `the event "${t.event}" already starts triggers[${first}]; an event starts one retrain: rename one`,
        });
      }
    });
  })
  .describe(`mlgen.yaml: an ML project described once, compiled into native CI for ${catalog().map((e) => e.displayName).join(', ')}.`);
}

type ManifestSchema = ReturnType<typeof buildManifestSchema>;
let built: { version: number; schema: ManifestSchema } | undefined;

/** The manifest schema for the catalog as it is (rebuilt when a target is added). */
export function manifestSchema(): ManifestSchema {
  if (built?.version !== catalogVersion()) built = { version: catalogVersion(), schema: buildManifestSchema() };
  return built.schema;
}

/** The ids of every target in the catalog. */
export function targetIds(): string[] {
  return catalog().map((e) => e.id);
}

/** The manifest as written (defaults not yet applied). */
export type ManifestInput = z.input<ManifestSchema>;
/** The manifest after validation, with every default filled in. */
export type Manifest = z.output<ManifestSchema>;
/** A catalog entry's id: `github`, `gitlab`, `azure`, `jenkins`, or an added target's. */
export type TargetId = string;
export type TrainMode = (typeof TRAIN_MODES)[number];
export type CacheKind = (typeof CACHE_KINDS)[number];
