/**
 * THE destinations table: for every manifest field that reaches a generated file, the grammar
 * it must follow (grammar.ts, or the command rules of schema.ts) and every kind of text it ends
 * up in. A new field, or a field printed somewhere new, is added here; the fuzzer
 * (tests/fuzz/destinations.fuzz.test.ts) draws hostile strings per field from this table and
 * reads each output back with the destination's own parser.
 */

/** A kind of text a manifest string is written into, named after who reads it. */
export type Destination =
  /** A scalar of a YAML file (GitHub, GitLab, Azure), read by YAML 1.1 and 1.2 parsers. */
  | 'yaml-scalar'
  /** A shell script run as written (run:, script:, sh). */
  | 'shell-command'
  /** One word mlgen quotes into a shell command it writes (src/escape/shell.ts). */
  | 'shell-word'
  /** A single-quoted Groovy string in a Jenkinsfile (src/escape/groovy.ts). */
  | 'groovy-single-quoted'
  /** Text next to a GitHub `${{ }}` expression (a context name, or compared inside one). */
  | 'github-expression'
  /** Text Azure's agent scans for `$(macros)`, or a value compared in a condition expression. */
  | 'azure-macro'
  /** A string in the JSON config inside .mlgen/gate.py's Python string literals. */
  | 'python-string'
  /** A `#` or `//` comment line: a header, or the setup notes atop a pipeline file. */
  | 'header-comment'
  /** A field GitLab expands `$VARIABLES` in (image, artifacts:paths, environment:url). */
  | 'gitlab-expanded'
  /** A Jenkins Ant pattern list (archiveArtifacts, stash includes), split on commas and spaces. */
  | 'ant-pattern'
  /** A glob read by @actions/glob or Azure's file matching (`~/` is the home directory there). */
  | 'glob';

/** The grammar a field's value follows. */
export type Grammar =
  | 'command'
  | 'image-reference'
  | 'package-image'
  | 'runner-label'
  | 'workspace-path'
  | 'http-url'
  | 'cron'
  | 'metric-name'
  | 'secret-name'
  | 'variable-name'
  | 'variable-value'
  | 'slug'
  | 'branch'
  | 'approver'
  | 'manifest-path';

export interface FieldDestinations {
  /** The key path; `[]` stands for any list item, `{}` for any key of a mapping. */
  field: string;
  grammar: Grammar;
  destinations: readonly Destination[];
}

const COMMAND: readonly Destination[] = ['yaml-scalar', 'shell-command', 'groovy-single-quoted', 'azure-macro'];
const IMAGE: readonly Destination[] = ['yaml-scalar', 'groovy-single-quoted', 'gitlab-expanded', 'azure-macro'];
const RUNNER: readonly Destination[] = ['yaml-scalar', 'groovy-single-quoted', 'azure-macro', 'header-comment'];
/** The sections with their own runtime (manifest 1.1): image, runner and install each. */
const RUNTIME_SECTIONS = ['defaults', 'data', 'checks[]', 'data.tests[]', 'train', 'evaluate', 'deploy', 'pipelines.predict', 'pipelines.monitor'] as const;

export const FIELD_DESTINATIONS: readonly FieldDestinations[] = [
  { field: '(manifest path)', grammar: 'manifest-path', destinations: ['header-comment'] },
  { field: 'name', grammar: 'slug', destinations: ['yaml-scalar', 'groovy-single-quoted', 'shell-word', 'header-comment'] },
  { field: 'defaults.branch', grammar: 'branch', destinations: ['yaml-scalar', 'groovy-single-quoted', 'github-expression', 'azure-macro', 'shell-word'] },
  { field: 'defaults.install', grammar: 'command', destinations: COMMAND },
  ...RUNTIME_SECTIONS.flatMap((section): FieldDestinations[] => [
    { field: `${section}.image`, grammar: 'image-reference', destinations: IMAGE },
    { field: `${section}.runner`, grammar: 'runner-label', destinations: RUNNER },
    { field: `${section}.runner[]`, grammar: 'runner-label', destinations: RUNNER },
  ]),
  { field: 'data.pull', grammar: 'command', destinations: COMMAND },
  { field: 'data.tests[].name', grammar: 'slug', destinations: ['yaml-scalar', 'groovy-single-quoted'] },
  { field: 'data.tests[].run', grammar: 'command', destinations: COMMAND },
  { field: 'checks[].name', grammar: 'slug', destinations: ['yaml-scalar', 'groovy-single-quoted'] },
  { field: 'checks[].run', grammar: 'command', destinations: COMMAND },
  { field: 'train.run', grammar: 'command', destinations: COMMAND },
  { field: 'train.paths[]', grammar: 'workspace-path', destinations: ['yaml-scalar', 'shell-word', 'groovy-single-quoted'] },
  { field: 'train.artifacts[]', grammar: 'workspace-path', destinations: ['yaml-scalar', 'groovy-single-quoted', 'gitlab-expanded', 'ant-pattern', 'glob'] },
  { field: 'evaluate.metrics', grammar: 'workspace-path', destinations: ['python-string', 'yaml-scalar', 'groovy-single-quoted', 'gitlab-expanded', 'ant-pattern', 'glob'] },
  { field: 'evaluate.gates[].metric', grammar: 'metric-name', destinations: ['python-string'] },
  { field: 'evaluate.baseline.file', grammar: 'workspace-path', destinations: ['python-string'] },
  { field: 'evaluate.baseline.fetch', grammar: 'command', destinations: COMMAND },
  { field: 'evaluate.baseline.tolerance{}', grammar: 'metric-name', destinations: ['python-string'] },
  { field: 'package.image', grammar: 'package-image', destinations: ['yaml-scalar', 'groovy-single-quoted', 'shell-command', 'azure-macro'] },
  { field: 'package.dockerfile', grammar: 'workspace-path', destinations: ['shell-word', 'yaml-scalar', 'groovy-single-quoted'] },
  { field: 'package.login', grammar: 'command', destinations: COMMAND },
  { field: 'package.register', grammar: 'command', destinations: COMMAND },
  { field: 'deploy.staging.run', grammar: 'command', destinations: COMMAND },
  { field: 'deploy.staging.smoke', grammar: 'command', destinations: COMMAND },
  { field: 'deploy.staging.url', grammar: 'http-url', destinations: ['yaml-scalar', 'gitlab-expanded', 'groovy-single-quoted'] },
  { field: 'deploy.canary.run', grammar: 'command', destinations: COMMAND },
  { field: 'deploy.canary.analysis', grammar: 'command', destinations: COMMAND },
  { field: 'deploy.canary.rollback', grammar: 'command', destinations: COMMAND },
  { field: 'deploy.production.run', grammar: 'command', destinations: COMMAND },
  { field: 'deploy.production.url', grammar: 'http-url', destinations: ['yaml-scalar', 'gitlab-expanded', 'groovy-single-quoted'] },
  { field: 'deploy.production.approval.approvers[]', grammar: 'approver', destinations: ['yaml-scalar', 'groovy-single-quoted', 'header-comment'] },
  { field: 'pipelines.predict.schedule', grammar: 'cron', destinations: ['yaml-scalar', 'groovy-single-quoted', 'github-expression', 'azure-macro'] },
  { field: 'pipelines.predict.run', grammar: 'command', destinations: COMMAND },
  { field: 'pipelines.retrain.triggers[].schedule', grammar: 'cron', destinations: ['yaml-scalar', 'groovy-single-quoted', 'github-expression', 'azure-macro'] },
  { field: 'pipelines.retrain.triggers[].event', grammar: 'slug', destinations: ['yaml-scalar', 'groovy-single-quoted', 'github-expression', 'azure-macro', 'shell-word'] },
  { field: 'pipelines.monitor.schedule', grammar: 'cron', destinations: ['yaml-scalar', 'groovy-single-quoted', 'github-expression', 'azure-macro'] },
  { field: 'pipelines.monitor.run', grammar: 'command', destinations: COMMAND },
  { field: 'pipelines.monitor.report', grammar: 'workspace-path', destinations: ['shell-word', 'yaml-scalar', 'groovy-single-quoted', 'gitlab-expanded', 'ant-pattern', 'glob'] },
  { field: 'env{}', grammar: 'variable-name', destinations: ['yaml-scalar', 'groovy-single-quoted', 'azure-macro'] },
  { field: 'env{}.value', grammar: 'variable-value', destinations: ['yaml-scalar', 'groovy-single-quoted', 'azure-macro'] },
  { field: 'secrets[]', grammar: 'secret-name', destinations: ['yaml-scalar', 'github-expression', 'azure-macro', 'groovy-single-quoted', 'header-comment'] },
  { field: 'notify.failure', grammar: 'command', destinations: COMMAND },
];

/** The entry for a field, e.g. `train.artifacts[]`. */
export function destinationsOf(field: string): FieldDestinations | undefined {
  return FIELD_DESTINATIONS.find((f) => f.field === field);
}
