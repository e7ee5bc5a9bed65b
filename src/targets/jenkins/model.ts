/**
 * The view model of a Jenkinsfile: what templates/jenkins/ lays out. Every decision is made in
 * stages.ts and steps.ts; manifest text stays raw here and the templates' `groovy` helper
 * escapes it where it lands. Fragments marked "Groovy" are already escaped (src/escape/groovy.ts).
 */
import type { PipelineId, TrainMode } from '../../plan/index.js';

/** Where a stage runs: any agent, a label expression, or a Docker image (on a labelled agent). */
export type AgentView = { kind: 'any' } | { kind: 'label'; label: string } | { kind: 'docker'; image: string; label?: string; args?: string };

/** One node of a `when` tree: a group, or a leaf already written as Groovy. */
export type ConditionView = { kind: 'group'; op: 'anyOf' | 'allOf' | 'not'; children: ConditionView[] } | { kind: 'leaf'; text: string };

export interface WhenView {
  beforeAgent: boolean;
  beforeInput: boolean;
  /** Decide before the stage's options (a lock) apply: a skipped stage never takes the lock. */
  beforeOptions: boolean;
  conditions: ConditionView[];
}

/** One step of a block, in order. */
export type BlockItem =
  | { kind: 'sh'; script: string; label: string }
  | { kind: 'unstash'; name: string }
  | { kind: 'stash'; name: string; includes: string; archive: boolean; useDefaultExcludes: boolean }
  | { kind: 'sleep'; seconds: number }
  | { kind: 'deleteDir' }
  | { kind: 'milestone'; ordinal: number; label: string }
  | { kind: 'echo'; message: string }
  /** Groovy: the source stage's script block (checkout, commit, change detection). */
  | { kind: 'script'; text: string }
  /** Secret-text credentials bound for the body only; none for a fork's change request when `forkGuard`. */
  | { kind: 'withCredentials'; credentials: string[]; forkGuard: boolean; body: BlockItem[] }
  | { kind: 'registryLogin'; credentialsId: string; script: string; label: string; body: BlockItem[] }
  /** The workspace virtualenv first on PATH for the body. */
  | { kind: 'venv'; bin: string; root: string; body: BlockItem[] }
  /** JUnit results into the build's Tests view (an absent file is no error: the step that writes it may not have run). */
  | { kind: 'junit'; testResults: string }
  /** Files kept with the build, shown on its page. */
  | { kind: 'archive'; artifacts: string }
  /** HTML Publisher: the page in `reportDir` linked from the build as `reportName` (an absent page is no error, as for junit). */
  | { kind: 'publishHTML'; reportDir: string; reportFiles: string; reportName: string }
  /** A Docker image around the body, inside a post block (the stage's agent is gone there). */
  | { kind: 'inside'; image: string; body: BlockItem[] }
  /**
   * The script's stdout, trimmed, as `env.<variable>` for the rest of the run (later stages'
   * `when` and `environment` read it); a failing script fails the step, and so does any output
   * but one of `values`.
   */
  | { kind: 'capture'; variable: string; script: string; label: string; values: string[]; failure: string };

export interface PostView {
  condition: 'unsuccessful' | 'always' | 'success';
  /** Why this block runs on this condition (a comment). */
  why: string;
  /** The node the block takes (post blocks of agentless stages and of the pipeline have none). */
  node?: { label?: string };
  /** The block's own time limit (the helper's or the section's timeout): a post block has no stage options. */
  timeoutMinutes: number;
  items: BlockItem[];
}

/** One `environment` line: a value (escaped where it lands) or a Groovy string already written (a GString computed at the stage). */
export type EnvEntry = { name: string; value: string } | { name: string; gstring: string };

export interface StageView {
  name: string;
  /** A comment above the stage's body. */
  comment?: string;
  /** Undefined: no agent (the stage holds no executor). */
  agent?: AgentView;
  when?: WhenView;
  /** Groovy lines for `options { }`. */
  options: string[];
  environment: EnvEntry[];
  input?: { message: string; ok: string; submitter?: string };
  steps?: BlockItem[];
  stages?: StageView[];
  parallel?: StageView[];
  post: PostView[];
}

export interface JenkinsfileView {
  /** The comment block at the top: secrets, environments, approvals, plugins, settings. */
  about: string[];
  /** Groovy lines for `options { }`. */
  options: string[];
  parameters: { pipelines: PipelineId[]; modes: TrainMode[] };
  defaults: { pipeline: PipelineId; mode: TrainMode };
  cron?: string;
  environment: { name: string; value: string }[];
  stages: StageView[];
  post: PostView[];
}
