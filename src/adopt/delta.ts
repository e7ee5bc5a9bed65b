/**
 * The override that turns one document into another under deepMerge's rules (files/merge.ts):
 * mappings merge key by key, lists and scalars replace, `null` deletes a key. So the delta
 * holds, per mapping, each changed key (recursing where both sides are mappings), the whole
 * new value of each changed list or scalar, and `null` for each removed key.
 */
export type Delta = Record<string, unknown>;

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
}

/** A key path the delta cannot carry, and why. */
export interface DeltaProblem {
  path: string[];
  message: string;
}

export type DeltaResult = { ok: true; delta: Delta } | { ok: false; problems: DeltaProblem[] };

/** The delta from `base` to `edited`, both mappings (whole documents). */
export function computeDelta(base: Record<string, unknown>, edited: Record<string, unknown>): DeltaResult {
  const problems: DeltaProblem[] = [];
  const delta = mappingDelta(base, edited, [], problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, delta };
}

function mappingDelta(base: Record<string, unknown>, edited: Record<string, unknown>, path: string[], problems: DeltaProblem[]): Delta {
  const delta: Delta = {};
  for (const key of Object.keys(base)) {
    if (!(key in edited)) delta[key] = null;
  }
  for (const [key, value] of Object.entries(edited)) {
    const where = [...path, key];
    if (key in base && deepEqual(base[key], value)) continue;
    if (value === null) {
      // An override's null deletes: it cannot set a value to null.
      problems.push({ path: where, message: `${where.join('.')} is set to null, and an override's null means "delete this key"` });
      continue;
    }
    if (key in base && isMapping(base[key]) && isMapping(value)) {
      delta[key] = mappingDelta(base[key] as Record<string, unknown>, value, where, problems);
    } else {
      delta[key] = value;
    }
  }
  return delta;
}

/** Every key path a delta sets or deletes, e.g. `jobs.train.timeout-minutes`, for people. */
export function deltaPaths(delta: Delta, prefix: string[] = []): string[] {
  return Object.entries(delta).flatMap(([key, value]) =>
    isMapping(value) && Object.keys(value).length > 0 ? deltaPaths(value, [...prefix, key]) : [[...prefix, key].join('.')],
  );
}
