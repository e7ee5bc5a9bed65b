/**
 * Overrides: deep-merged into a rendered document before it is serialized.
 * Mappings merge key by key; lists and scalars replace what was there; `null` deletes a key.
 * Replacing lists keeps an override predictable: it says exactly what the list becomes.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function deepMerge<T>(base: T, override: unknown): T {
  if (!isMapping(base) || !isMapping(override)) return (override === undefined ? base : override) as T;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete merged[key];
    else merged[key] = key in merged ? deepMerge(merged[key], value) : value;
  }
  return merged as T;
}
