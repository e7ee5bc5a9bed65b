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
