/**
 * The desired state against what the project holds: the changes to make, as data. Pure: the
 * server's answers come in (client.ts read them), actions go out (index.ts applies them).
 */
import { DEPLOY_PROCESS_MODE, type ResourceGroupState } from './settings.js';
import { TIMEZONE, type DesiredSchedule, type DesiredTrigger, type GitLabDesired } from './desired.js';

/** A schedule mlgen owns, with the details GET /pipeline_schedules/:id gives. */
export interface ScheduleState {
  id: number;
  description: string;
  cron: string;
  cronTimezone: string;
  ref: string;
  active: boolean;
  variables: { key: string; value: string; variableType: string }[];
}

export interface TriggerState {
  id: number;
  description: string;
  token: string;
}

/** What the project holds of what mlgen owns. */
export interface GitLabState {
  /** mlgen's schedules, oldest first; `details` only for those the plan still wants. */
  schedules: { id: number; description: string; details?: ScheduleState }[];
  /** mlgen's trigger tokens, oldest first. */
  triggers: TriggerState[];
  /** The deploy lock's resource group: undefined when GitLab has not created it yet. */
  resourceGroup?: { process_mode?: unknown } | undefined;
}

export interface ScheduleEdit {
  cron?: string;
  cronTimezone?: string;
  ref?: string;
  active?: boolean;
}

export type GitLabAction =
  | { kind: 'create-schedule'; want: DesiredSchedule }
  | { kind: 'update-schedule'; id: number; edit: ScheduleEdit; variables: { key: string; value: string; exists: boolean }[] }
  | { kind: 'delete-schedule'; id: number }
  | { kind: 'create-trigger'; trigger: DesiredTrigger }
  | { kind: 'delete-trigger'; id: number }
  | { kind: 'set-resource-group'; key: string };

export interface PlannedChange {
  action: 'create' | 'update' | 'delete';
  subject: string;
  details: string[];
  todo: GitLabAction;
}

export interface GitLabDiff {
  /** Creates and updates first, deletions last: if anything fails, what runs today keeps running. */
  changes: PlannedChange[];
  upToDate: string[];
  /** One line per thing left as it is, in the order sync looked at them. */
  notes: string[];
  /** The trigger each external event already has. */
  existingTriggers: Map<string, TriggerState>;
  resourceGroup?: ResourceGroupState;
}

/** GitLab may store a schedule's ref as `refs/heads/<branch>`; both name the same branch. */
const shortRef = (ref: string): string => ref.replace(/^refs\/heads\//, '');

export function diffGitLab(desired: GitLabDesired, state: GitLabState): GitLabDiff {
  const changes: PlannedChange[] = [];
  const deletes: PlannedChange[] = [];
  const upToDate: string[] = [];
  const notes: string[] = [];
  const keep = (subject: string, note: string): void => {
    upToDate.push(subject);
    notes.push(note);
  };

  // Schedules: one per plan schedule, matched by description; extra "mlgen:" ones are deleted.
  const keptSchedules = new Set<number>();
  for (const want of desired.schedules) {
    const subject = `schedule "${want.description}"`;
    const have = state.schedules.find((s) => s.description === want.description);
    if (!have) {
      const details = [`cron "${want.cron}" ${TIMEZONE}`, `ref ${want.ref}`, ...Object.entries(want.variables).map(([k, v]) => `${k}=${v}`)];
      changes.push({ action: 'create', subject, details, todo: { kind: 'create-schedule', want } });
      continue;
    }
    keptSchedules.add(have.id);
    const update = scheduleUpdate(want, have.details);
    if (update.details.length === 0) keep(subject, `= ${subject} is up to date`);
    else changes.push({ action: 'update', subject, details: update.details, todo: { kind: 'update-schedule', id: have.id, edit: update.edit, variables: update.variables } });
  }
  deletes.push(...staleDeletes('schedule', state.schedules, keptSchedules));

  // Trigger tokens: one per external event; their description is all there is to keep.
  const existingTriggers = new Map<string, TriggerState>();
  for (const trigger of desired.triggers) {
    const subject = `trigger "${trigger.description}"`;
    const have = state.triggers.find((t) => t.description === trigger.description);
    if (have) {
      existingTriggers.set(trigger.event, have);
      keep(subject, `= ${subject} exists (#${have.id})`);
    } else changes.push({ action: 'create', subject, details: [`starts retrain in mode ${trigger.mode}`], todo: { kind: 'create-trigger', trigger } });
  }
  const keptTriggers = new Set([...existingTriggers.values()].map((t) => t.id));
  deletes.push(...staleDeletes('trigger', state.triggers, keptTriggers));

  // The deploy chain's one lock: GitLab makes resource groups unordered; the chain needs oldest_first.
  const resourceGroup = desired.deployLock ? resourceGroupDiff(desired.deployLock, state.resourceGroup) : undefined;
  if (resourceGroup?.change) changes.push(resourceGroup.change);
  else if (resourceGroup?.state.state === 'up to date') keep(`resource group "${resourceGroup.state.key}"`, `= resource group "${resourceGroup.state.key}" is up to date (${DEPLOY_PROCESS_MODE})`);
  else if (resourceGroup) notes.push(`? ${resourceGroup.state.note}`);

  return { changes: [...changes, ...deletes], upToDate, notes, existingTriggers, ...(resourceGroup ? { resourceGroup: resourceGroup.state } : {}) };
}

/** What differs between a schedule and what mlgen wants; mlgen's variables only (hand-added ones stay). */
function scheduleUpdate(want: DesiredSchedule, current: ScheduleState | undefined) {
  const details: string[] = [];
  const edit: ScheduleEdit = {};
  const variables: { key: string; value: string; exists: boolean }[] = [];
  if (!current) return { details, edit, variables };
  if (current.cron !== want.cron) {
    edit.cron = want.cron;
    details.push(`cron "${current.cron}" -> "${want.cron}"`);
  }
  if (current.cronTimezone !== TIMEZONE) {
    edit.cronTimezone = TIMEZONE;
    details.push(`timezone ${current.cronTimezone} -> ${TIMEZONE}`);
  }
  if (shortRef(current.ref) !== want.ref) {
    edit.ref = want.ref;
    details.push(`ref ${current.ref} -> ${want.ref}`);
  }
  if (!current.active) {
    edit.active = true;
    details.push('inactive -> active');
  }
  const have = new Map(current.variables.map((v) => [v.key, v]));
  for (const [key, value] of Object.entries(want.variables)) {
    const existing = have.get(key);
    if (existing && existing.value === value && existing.variableType === 'env_var') continue;
    variables.push({ key, value, exists: Boolean(existing) });
    details.push(existing ? `${key} "${existing.value}" -> "${value}"` : `add ${key}=${value}`);
  }
  return { details, edit, variables };
}

/** Deletes mlgen's own items that the plan no longer keeps, or that repeat one it keeps. */
function staleDeletes(kind: 'schedule' | 'trigger', own: readonly { id: number; description: string }[], kept: ReadonlySet<number>): PlannedChange[] {
  return own
    .filter((item) => !kept.has(item.id))
    .map((stale) => {
      const duplicate = own.some((item) => kept.has(item.id) && item.description === stale.description);
      return {
        action: 'delete',
        subject: `${kind} "${stale.description}" (#${stale.id})`,
        details: [duplicate ? 'a duplicate' : 'no longer in the manifest'],
        todo: kind === 'schedule' ? { kind: 'delete-schedule', id: stale.id } : { kind: 'delete-trigger', id: stale.id },
      };
    });
}

/**
 * The resource group change, if any: none while GitLab has not created the group, an update
 * when its process mode is not oldest_first.
 */
function resourceGroupDiff(key: string, current: { process_mode?: unknown } | undefined): { state: ResourceGroupState; change?: PlannedChange } {
  if (!current) {
    return {
      state: {
        key,
        state: 'not created yet',
        note: `GitLab creates resource group ${key} with the first pipeline that has a deploy job; it processes jobs unordered until \`mlgen sync gitlab\` runs again after that pipeline and sets it to ${DEPLOY_PROCESS_MODE}`,
      },
    };
  }
  const mode = typeof current.process_mode === 'string' ? current.process_mode : 'unknown';
  if (mode === DEPLOY_PROCESS_MODE) return { state: { key, processMode: mode, state: 'up to date' } };
  return {
    state: { key, processMode: mode, state: 'changed' },
    change: {
      action: 'update',
      subject: `resource group "${key}"`,
      details: [`process mode ${mode} -> ${DEPLOY_PROCESS_MODE} (deploys run in pipeline order, never a newer before an older)`],
      todo: { kind: 'set-resource-group', key },
    },
  };
}
