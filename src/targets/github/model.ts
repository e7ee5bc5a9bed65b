/**
 * A GitHub Actions workflow as mlgen builds it: camelCase and typed here, GitHub's own key
 * style (`runs-on`, `pull_request`, `timeout-minutes`) only in render.ts.
 */
import type { PipelineId } from '../../plan/index.js';
import type { ActionName } from './actions.js';

export type Access = 'read' | 'write';

export interface Permissions {
  actions?: Access;
  contents?: Access;
  packages?: Access;
  pullRequests?: Access;
}

export interface DispatchInput {
  description: string;
  required: boolean;
  default: string;
  /** A choice input lists its options; a string input has none. */
  options?: string[];
}

export interface Triggers {
  /** Branch filters of `push`; tags are left out by listing branches. */
  push?: { branches: string[] };
  pullRequest?: true;
  schedules?: string[];
  /** `repository_dispatch` event types. */
  dispatchTypes?: string[];
  workflowDispatch: { inputs: Record<string, DispatchInput> };
}

export interface Environment {
  name: string;
  url?: string;
}

export interface Concurrency {
  group: string;
  cancelInProgress: boolean | string;
}

export interface Container {
  image: string;
  /** `docker create` options, e.g. `--gpus all`. */
  options?: string;
}

interface StepCommon {
  name: string;
  id?: string;
  /** A bare expression; GitHub adds `success() &&` unless it calls a status function. */
  if?: string;
  env?: Record<string, string>;
}

export type Step =
  | (StepCommon & { uses: ActionName; with?: Record<string, string | number | boolean> })
  | (StepCommon & { run: string });

export interface Job {
  /** The job id: the plan job id, or a helper named after one (canary-10, canary-rollback, notify, changes). */
  id: string;
  needs: string[];
  /** A bare expression; GitHub adds `success() &&` unless it calls a status function. */
  if?: string;
  runsOn: string[];
  container?: Container;
  timeoutMinutes: number;
  permissions?: Permissions;
  environment?: Environment;
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}

export interface Workflow {
  /** The file name under .github/workflows/. */
  file: string;
  pipeline: PipelineId;
  name: string;
  on: Triggers;
  permissions: Permissions;
  concurrency?: Concurrency;
  env: Record<string, string>;
  jobs: Job[];
}
