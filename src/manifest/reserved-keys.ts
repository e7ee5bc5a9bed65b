/**
 * Keys that JavaScript objects treat specially (security review, finding 24): `__proto__` set
 * on a plain object changes its prototype instead of adding a key, so `overrides.gitlab.__proto__`
 * or `baseline.tolerance.__proto__` vanished silently; `constructor` and `prototype` are refused
 * with them so no key can reach an object's machinery. Found on the YAML tree, before it
 * becomes JavaScript, so each has its position.
 */
import { isMap, isScalar, visit, type Document, type Node } from 'yaml';

export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface ReservedKey {
  key: string;
  /** The keys from the root to this one. */
  path: string[];
  range: [number, number] | undefined;
}

export function findReservedKeys(doc: Document): ReservedKey[] {
  const found: ReservedKey[] = [];
  visit(doc, {
    Pair(_, pair, ancestors) {
      const key = pair.key as Node | null;
      if (!isScalar(key) || typeof key.value !== 'string' || !RESERVED_KEYS.has(key.value)) return;
      // Each map ancestor's pair on the way down names one segment.
      const path: string[] = [];
      for (const ancestor of ancestors) {
        if (!isMap(ancestor) && ancestor && typeof ancestor === 'object' && 'key' in ancestor && isScalar((ancestor as { key: unknown }).key)) {
          path.push(String(((ancestor as { key: { value: unknown } }).key).value));
        }
      }
      path.push(key.value);
      found.push({ key: key.value, path, range: key.range ? [key.range[0], key.range[1]] : undefined });
    },
  });
  return found;
}
