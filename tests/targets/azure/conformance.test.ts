/**
 * Conformance of the Azure target on every fixture manifest (and example project): Microsoft's
 * schema accepts the file, the simulated runs hold exactly `selectJobs` for every event, and
 * every command reaches bash as written.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedFile } from '../../../src/files/index.js';
import { eventsOf, formatEvent, selectJobs, type Plan } from '../../../src/plan/index.js';
import { exampleManifests, fixtureNames, fixtureText, generateFor } from '../../support/harness.js';
import { AZURE_FILE, azureHarness, azureScripts } from '../../support/harness-azure.js';

const cases = [...fixtureNames().map((name) => ({ name, text: fixtureText(name) })), ...exampleManifests().map((e) => ({ name: `examples/${e.name}`, text: e.text }))];
const generated = new Map<string, { plan: Plan; files: GeneratedFile[] }>(cases.map((c) => [c.name, generateFor(c.text, 'azure')]));
const get = (name: string) => generated.get(name)!;

describe('azure conformance', () => {
  let findings: string[][] = [];
  beforeAll(async () => {
    findings = await azureHarness.validate(cases.map((c) => get(c.name).files));
  });

  it.each(cases.map((c, i) => [c.name, i] as const))('%s: Microsoft\'s schema and the server rules accept the file', (name, i) => {
    expect(get(name).files.some((f) => f.path === AZURE_FILE)).toBe(true);
    expect(findings[i]).toEqual([]);
  });

  for (const { name } of cases) {
    it(`${name}: every event runs exactly the plan's jobs`, async () => {
      const { plan, files } = get(name);
      const events = eventsOf(plan);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        for (const pathsChanged of [true, false]) {
          const label = `${formatEvent(event)} pathsChanged=${pathsChanged}`;
          expect({ label, jobs: await azureHarness.jobsFor(files, plan, event, pathsChanged) }).toEqual({ label, jobs: selectJobs(plan, event, pathsChanged) });
        }
      }
    });

    it(`${name}: the same manifest gives the same bytes`, () => {
      const text = cases.find((c) => c.name === name)!.text;
      expect(generateFor(text, 'azure').files).toEqual(get(name).files);
    });
  }

  it('adversarial: every command reaches bash exactly as written', async () => {
    const { plan, files } = get('adversarial');
    const scripts = await azureHarness.scripts(files);
    const commands = plan.jobs.flatMap((j) => j.steps.flatMap((s) => (s.type === 'shell' && !s.own ? [s.run] : [])));
    expect(commands.length).toBeGreaterThan(5);
    for (const command of commands) {
      const expected = command.includes('\n') ? `set -e\n${command}` : command;
      expect(scripts).toContain(expected);
    }
  });

  it('every script of every fixture is valid bash', () => {
    for (const { name } of cases) {
      for (const { script, stage, displayName } of azureScripts(get(name).files)) {
        expect(() => execFileSync('bash', ['-n', '-c', script], { stdio: 'pipe' }), `${name} ${stage} ${displayName}`).not.toThrow();
      }
    }
  });

  it('secrets reach the steps the plan gives them, by name, and never as values in the file', () => {
    const { plan, files } = get('spec-complete');
    expect(plan.secrets.length).toBeGreaterThan(0);
    const scripts = azureScripts(files);
    const commands = plan.jobs.flatMap((j) => [...j.steps, ...(j.canary?.phases.flatMap((p) => p.steps) ?? []), ...(j.canary?.rollback?.steps ?? [])]).concat(plan.notify?.steps ?? []).flatMap((s) => (s.type === 'shell' ? [s] : []));
    let checked = 0;
    for (const script of scripts) {
      const step = commands.find((c) => c.run === script.script);
      const expected = step ? step.secrets : [];
      expect(Object.keys(script.rawEnv).filter((k) => plan.secrets.includes(k)), `${script.stage} ${script.displayName}`).toEqual(expected);
      // In the file: the secret's own macro, mapped into the step's env (a value would be a leak).
      for (const secret of expected) expect(script.rawEnv[secret]).toBe(`$(${secret})`);
      for (const secret of expected) expect(script.env[secret]).toBe('secret-value');
      if (expected.length > 0) checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });
});
