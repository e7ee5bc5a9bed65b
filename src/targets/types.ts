/**
 * The contract every CI platform implements: a pure function from the plan to files.
 * A target may import plan types and `files/`, never the manifest, the disk or another target.
 */
import type { RenderedFile } from '../files/index.js';
import type { Plan, TargetId } from '../plan/index.js';

export interface Target {
  id: TargetId;
  /** The platform's name for people, e.g. "GitHub Actions". */
  displayName: string;
  /** Renders the plan into file bodies; the engine adds headers. Returns [] when the plan has no jobs. */
  render(plan: Plan): RenderedFile[];
}

/**
 * A manifest value a target cannot print without breaking the pipeline (an override that would
 * disable it): generate reports it as a diagnostic at `path` in the manifest, not as a crash.
 */
export class TargetInputError extends Error {
  constructor(
    message: string,
    /** The manifest key path, e.g. ['overrides', 'azure', 'variables', 0, 'name']. */
    readonly path: (string | number)[],
    readonly hint?: string,
  ) {
    super(message);
  }
}
