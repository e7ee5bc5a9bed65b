/**
 * What `mlgen plan` and `mlgen graph` share: their --manifest and --event flags, and turning
 * them into a plan and an event (or diagnostics, exit 1; an unknown event is a usage error).
 */
import { Flags } from '@oclif/core';
import { loadManifest, type Diagnostic } from '../manifest/index.js';
import { compilePlan, parseEvent, runFor, UnknownEventError, type Plan, type PlanEvent } from '../plan/index.js';
import { UserError } from '../engine/errors.js';
import { readManifestText } from '../engine/regenerate.js';

const EVENT_SYNTAX = 'pr, push, push:BRANCH, schedule:NAME, event:NAME, manual:PIPELINE[:MODE]';

export const planInputFlags = {
  manifest: Flags.string({ char: 'm', description: 'The manifest.', default: 'mlgen.yaml' }),
  event: Flags.string({ char: 'e', description: `Only the jobs one event runs: ${EVENT_SYNTAX}. Default: every event.` }),
};

export type PlanInput = { ok: true; plan: Plan; event?: PlanEvent } | { ok: false; text: string; diagnostics: Diagnostic[] };

export async function readPlanInput(flags: { manifest: string; event?: string | undefined }): Promise<PlanInput> {
  const text = await readManifestText(flags.manifest);
  const loaded = loadManifest(text, flags.manifest);
  if (!loaded.ok) return { ok: false, text, diagnostics: loaded.diagnostics };
  const plan = compilePlan(loaded.manifest);
  if (!flags.event) return { ok: true, plan };
  const event = parseEvent(flags.event, plan);
  if (typeof event === 'string') throw new UserError(event, 2);
  try {
    runFor(plan, event);
  } catch (error) {
    if (error instanceof UnknownEventError) throw new UserError(`${error.message}; this manifest has: ${error.known.join(', ') || 'none'}`, 2);
    throw error;
  }
  return { ok: true, plan, event };
}
