/**
 * What `mlgen run` executes for an event is what every target runs: selectJobs' jobs, for
 * every example, every fixture and 200 random manifests, with train.paths changed or not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/index.js';
import { compilePlan, eventsOf, selectJobs, type Plan } from '../../src/plan/index.js';
import { jobsToRun } from '../../src/run/index.js';
import { validManifest } from '../support/arbitrary.js';
import { exampleManifests, fixtureNames, fixtureText } from '../support/harness.js';

function planOf(text: string): Plan {
  const loaded = loadManifest(text);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  return compilePlan(loaded.manifest);
}

const sources = [
  ...exampleManifests().map(({ name, text }) => [`example ${name}`, text] as const),
  ...fixtureNames().map((name) => [`fixture ${name}`, fixtureText(name)] as const),
  ...fc.sample(validManifest(), { numRuns: 200 }).map((m, i) => [`random ${i}`, JSON.stringify(m)] as const),
];

describe('mlgen run selects the plan’s jobs', () => {
  it('for every event and both train.paths outcomes, on examples, fixtures and 200 random manifests', () => {
    let checked = 0;
    for (const [name, text] of sources) {
      const plan = planOf(text);
      for (const event of eventsOf(plan)) {
        for (const changed of [true, false]) {
          expect(jobsToRun(plan, event, changed, undefined).map((j) => j.id), name).toEqual(selectJobs(plan, event, changed, true)); // the monitor's chain is selected; its verdict decides at run time
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
