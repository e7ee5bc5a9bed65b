/** Cron expressions every target runs alike: five fields, ranges, lists, steps, names; no macros, nothing under five minutes. */
import { describe, expect, it } from 'vitest';
import { checkCron } from '../../src/manifest/cron.js';
import { accepts, at, BASE, only, text } from './diagnose.js';

describe('cron', () => {
  it.each([
    '0 6 * * *',
    '*/5 * * * *',
    '0 3 1 * *',
    '0 4 1 */3 *',
    '0 9 * * MON-FRI',
    '0 9 * * mon',
    '0 0 1 JAN,JUL *',
    '0 0 1 jan-jun *',
    '0,30 * * * *',
    '15 14 1 * 1-5',
    '5/15 * * * *',
    '10-20/5 * * * *',
    '0 0 * * 0',
    '0 0 * * SAT,SUN',
    '59 23 31 12 6',
    ' 0 6 * * * ',
    '0\t6 * * *',
  ])('accepts %j', (cron) => {
    expect(checkCron(cron)).toBeUndefined();
  });

  it.each([
    ['@daily', /macros such as "@daily" are not portable: write the five fields, e.g. "0 0 \* \* \*"/],
    ['@reboot', /macros/],
    ['* * * *', /has 5 fields .* has 4/],
    ['0 0 * * * *', /has 6/],
    ['', /has 5 fields/],
    ['60 * * * *', /minute 60 is out of range 0-59/],
    ['0 24 * * *', /hour 24 is out of range 0-23/],
    ['0 0 0 * *', /day of month 0 is out of range 1-31/],
    ['0 0 32 * *', /day of month 32 is out of range/],
    ['0 0 * 13 *', /month 13 is out of range 1-12/],
    ['0 0 * * 7', /day of week 7 is out of range 0-6/],
    ['0 0 * FOO *', /"FOO" is not a month: use 1-12 or JAN-DEC/],
    ['0 0 * * FRIDAY', /is not a day of week/],
    ['H 0 * * *', /"H" is not a number for minute/],
    ['0 0 ? * *', /is not a number for day of month/],
    ['0 0 L * *', /is not a number/],
    ['0 0 * * 1#2', /is not a day of week/],
    ['5-1 * * * *', /range 5-1 in minute runs backwards/],
    ['*/0 * * * *', /step "\/0" in minute must be a positive whole number/],
    ['1,,2 * * * *', /empty list item/],
    ['1/2/3 * * * *', /more than one "\/"/],
    ['* * * * *', /runs more often than every 5 minutes/],
    ['*/2 * * * *', /more often than every 5 minutes/],
    ['0,2 * * * *', /more often/],
    ['58,1 * * * *', /more often/], // wraps around the hour: 58 -> 1 is 3 minutes
    ['*/7 * * * *', /more often/], // 56 -> 0 is 4 minutes
  ])('refuses %j', (cron, message) => {
    expect(checkCron(cron)).toMatch(message);
  });

  it('is checked at the schedule, with the key in the message', () => {
    const d = only(text(...BASE, 'pipelines:', '  predict:', '    schedule: "*/2 * * * *"', '    run: python predict.py'));
    expect(at(d)).toBe('7:15 pipelines.predict.schedule: "*/2 * * * *" runs more often than every 5 minutes, GitHub\'s shortest interval');
    const trigger = only(text(...BASE, 'pipelines:', '  retrain:', '    triggers:', '      - { mode: full, schedule: "@weekly" }'));
    expect(trigger.path).toEqual(['pipelines', 'retrain', 'triggers', 0, 'schedule']);
  });

  it('keeps the schedule as written', () => {
    expect(accepts(text(...BASE, 'pipelines:', '  predict: { schedule: "0 9 * * MON-FRI", run: x }')).pipelines!.predict!.schedule).toBe('0 9 * * MON-FRI');
  });
});
