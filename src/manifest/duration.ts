/** Durations in the manifest: a whole number with a unit, `30s`, `15m`, `3h` or `3d`. */
const DURATION = /^([1-9]\d*)(s|m|h|d)$/;
/** The same rule as a JSON Schema pattern, for editors. */
export const DURATION_PATTERN = DURATION.source;

const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600, d: 86400 } as const;

export function checkDuration(text: string): string | undefined {
  if (!DURATION.test(text)) {
    return `"${text}" is not a duration: write a whole number and a unit, such as 30s, 15m, 3h or 3d`;
  }
  return undefined;
}

export function durationSeconds(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`invalid duration ${text}`); // unreachable after validation
  return Number(match[1]) * SECONDS_PER_UNIT[match[2] as keyof typeof SECONDS_PER_UNIT];
}

/** Whole minutes, rounded up: CI timeouts are counted in minutes on every platform. */
export function durationMinutes(text: string): number {
  return Math.ceil(durationSeconds(text) / 60);
}
