/**
 * Cron expressions as every target understands them: five fields, UTC, with `*`, lists,
 * ranges, steps and the English names of months and weekdays. Narrower than any single
 * platform on purpose: a schedule must mean the same thing on GitHub, GitLab, Azure and
 * Jenkins, so `H`, `?`, `L`, `#`, `@daily` and weekday 7 are refused.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/** GitHub runs schedules at most every five minutes; a finer cron would behave differently there. */
export const MIN_INTERVAL_MINUTES = 5;

function parseValue(text: string, field: CronField): number | string {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < field.min || value > field.max) {
      return `${field.name} ${value} is out of range ${field.min}-${field.max}`;
    }
    return value;
  }
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return index + field.min;
  if (field.names) {
    return `"${text}" is not a ${field.name}: use ${field.min}-${field.max} or ${field.names[0]}-${field.names[field.names.length - 1]}`;
  }
  return `"${text}" is not a number for ${field.name} (${field.min}-${field.max})`;
}

/** Expands one field into the set of values it selects, or returns an error message. */
function expandField(text: string, field: CronField): Set<number> | string {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') return `empty list item in ${field.name} "${text}"`;
    const [rangePart, stepPart, extra] = item.split('/');
    if (extra !== undefined || rangePart === undefined) return `"${item}" has more than one "/" in ${field.name}`;
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) === 0) {
        return `step "/${stepPart}" in ${field.name} must be a positive whole number`;
      }
      step = Number(stepPart);
    }
    let low: number;
    let high: number;
    if (rangePart === '*') {
      low = field.min;
      high = field.max;
    } else {
      const bounds = rangePart.split('-');
      if (bounds.length > 2 || bounds.some((b) => b === '')) return `"${rangePart}" is not a value or range in ${field.name}`;
      const first = parseValue(bounds[0]!, field);
      if (typeof first === 'string') return first;
      low = first;
      high = first;
      if (bounds.length === 2) {
        const second = parseValue(bounds[1]!, field);
        if (typeof second === 'string') return second;
        if (second < first) return `range ${rangePart} in ${field.name} runs backwards`;
        high = second;
      } else if (stepPart !== undefined) {
        high = field.max; // "5/15" means "from 5 every 15", as in Vixie cron
      }
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

/** Smallest distance between two selected minutes, wrapping around the hour. */
function smallestMinuteGap(minutes: Set<number>): number {
  const sorted = [...minutes].sort((a, b) => a - b);
  if (sorted.length < 2) return 60;
  let gap = 60 - sorted[sorted.length - 1]! + sorted[0]!;
  for (let i = 1; i < sorted.length; i++) gap = Math.min(gap, sorted[i]! - sorted[i - 1]!);
  return gap;
}

/** Returns undefined for a valid expression, otherwise what is wrong with it. */
export function checkCron(expression: string): string | undefined {
  // Jenkins reads each line of a cron spec as one more schedule (finding 23): a cron is one line
  // of printable ASCII, its fields separated by spaces.
  if (/[^\x20-\x7e\t]/.test(expression)) return 'a cron expression is one line of printable characters (no newline or control character)';
  const fields = expression.trim().split(/\s+/);
  if (expression.trim().startsWith('@')) {
    return `macros such as "${fields[0]}" are not portable: write the five fields, e.g. "0 0 * * *" for @daily`;
  }
  if (fields.length !== 5) {
    return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), "${expression}" has ${fields.length}`;
  }
  const minutes = expandField(fields[0]!, FIELDS[0]!);
  if (typeof minutes === 'string') return minutes;
  for (let i = 1; i < 5; i++) {
    const expanded = expandField(fields[i]!, FIELDS[i]!);
    if (typeof expanded === 'string') return expanded;
  }
  if (smallestMinuteGap(minutes) < MIN_INTERVAL_MINUTES) {
    return `"${expression}" runs more often than every ${MIN_INTERVAL_MINUTES} minutes, GitHub's shortest interval`;
  }
  return undefined;
}
