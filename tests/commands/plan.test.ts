import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratch } from '../files/cli.js';

describe('mlgen plan', () => {
  it('prints each event\'s jobs in order, one event on request, JSON with --json, and says what is wrong', async () => {
    const dir = scratch();
    copyFileSync(new URL('../fixtures/manifests/spec-complete.yaml', import.meta.url), join(dir, 'mlgen.yaml'));
    const bad = scratch();
    writeFileSync(join(bad, 'mlgen.yaml'), 'version: 1\nname: x\ntrian:\n  run: t\n');
    const [all, pr, json, unknown, invalid] = await Promise.all([
      runCli(['plan'], dir),
      runCli(['plan', '--event', 'pr'], dir),
      runCli(['plan', '--json', '--event', 'event:drift-detected'], dir),
      runCli(['plan', '--event', 'schedule:nightly'], dir),
      runCli(['plan'], bad),
    ]);
    expect(all.code, all.stderr).toBe(0);
    for (const event of ['pr:', 'push:main:', 'schedule:predict:', 'schedule:retrain-full:', 'event:drift-detected:', 'manual:retrain:drift:']) {
      expect(all.stdout).toContain(event);
    }
    expect(pr.stdout.split('\n')[0]).toBe('pr: pipeline ci, MLGEN_TRAIN_MODE=full');
    expect(pr.stdout).toMatch(/train\s+Train\s+\(after check-unit, check-lint, data-schema, data-ranges; if train\.paths changed\)/);
    expect(pr.stdout).not.toContain('production');
    const run = JSON.parse(json.stdout).runs[0];
    expect(run).toMatchObject({ event: 'event:drift-detected', pipeline: 'retrain', mode: 'drift' });
    expect(run.jobs.map((j: { id: string }) => j.id)).toEqual(['data-schema', 'data-ranges', 'train', 'evaluate', 'package', 'staging', 'canary', 'production']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('schedule:retrain-incremental');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('mlgen.yaml:3:1 error: unknown key "trian"; did you mean "train"?');
    expect(invalid.stderr).not.toMatch(/\n\s+at /);
  });
});
