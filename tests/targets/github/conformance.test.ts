/**
 * Conformance: for every fixture and example manifest, actionlint and GitHub's workflow parser
 * accept the generated workflows, and for every event (with and without a change to
 * train.paths) GitHub would run exactly the jobs of `selectJobs`.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadManifest } from '../../../src/manifest/index.js';
import { eventsOf, formatEvent, selectJobs } from '../../../src/plan/index.js';
import { ACTIONS } from '../../../src/targets/github/actions.js';
import { githubHarness, workflowDoc, workflows } from '../../support/harness-github.js';
import { exampleManifests, fixtureNames, fixtureText, generateFor } from '../../support/harness.js';

const manifests = [
  ...fixtureNames().map((name) => ({ name: `fixture ${name}`, text: fixtureText(name) })),
  ...exampleManifests().map(({ name, text }) => ({ name: `example ${name}`, text })),
].filter(({ text }) => {
  const loaded = loadManifest(text, 'mlgen.yaml');
  return loaded.ok && loaded.manifest.targets.includes('github');
});

type Mapping = Record<string, unknown>;

/** Every `uses:` in a parsed workflow, with the raw line it came from. */
function usesLines(content: string): string[] {
  return content.split('\n').filter((line) => /^\s*(- )?uses:/.test(line));
}

describe('github conformance', () => {
  it('actionlint and the workflow parser accept every generated workflow', async () => {
    const sets = manifests.map(({ text }) => generateFor(text, 'github').files);
    expect(sets.every((files) => workflows(files).length > 0)).toBe(true);
    const findings = await githubHarness.validate(sets);
    expect(Object.fromEntries(manifests.map(({ name }, i) => [name, findings[i]]))).toEqual(
      Object.fromEntries(manifests.map(({ name }) => [name, []])),
    );
  });

  it('the validators reject broken workflows (so their silence means something)', async () => {
    const { files } = generateFor(fixtureText('spec-complete'), 'github');
    const edit = (from: string, to: string) => files.map((f) => (f.path.endsWith('mlgen-ci.yml') ? { ...f, content: f.content.replace(from, to) } : f));
    const [unknownKey, cycle, label] = await githubHarness.validate([
      edit('timeout-minutes: 60', 'timeout-minutes: 60\n    bogus-key: 1'),
      edit('needs:\n      - train', 'needs:\n      - production'),
      files.filter((f) => f.path !== '.github/actionlint.yaml'),
    ]);
    expect(unknownKey!.join('\n')).toMatch(/bogus-key/);
    expect(cycle!.join('\n')).toMatch(/cycl/i);
    expect(label!.join('\n')).toMatch(/label "gpu" is unknown/);
  });

  it.each(manifests)('$name: same input, byte-identical output', ({ text }) => {
    expect(generateFor(text, 'github').files).toEqual(generateFor(text, 'github').files);
  });

  it.each(manifests)('$name: every event runs the jobs of selectJobs', async ({ text }) => {
    const { plan, files } = generateFor(text, 'github');
    const cases = eventsOf(plan).flatMap((event) => [true, false].map((pathsChanged) => ({ event, pathsChanged })));
    const label = ({ event, pathsChanged }: (typeof cases)[number]) => `${formatEvent(event)} paths=${pathsChanged}`;
    const actual = await Promise.all(cases.map(async (c) => [label(c), await githubHarness.jobsFor(files, plan, c.event, c.pathsChanged)]));
    const expected = cases.map((c) => [label(c), selectJobs(plan, c.event, c.pathsChanged)]);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  });

  it.each(manifests)('$name: every action is pinned to a SHA from the table, with its version beside it', ({ text }) => {
    const { files } = generateFor(text, 'github');
    const pinned = new Map(Object.values(ACTIONS).map((a) => [`${a.repository}@${a.sha}`, a.version]));
    const lines = workflows(files).flatMap((f) => usesLines(f.content));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const match = /uses: (\S+@([0-9a-f]{40})) # (v\d+\.\d+\.\d+)$/.exec(line);
      expect(match, line).not.toBeNull();
      expect(pinned.get(match![1]!), line).toBe(match![3]);
    }
  });

  it.each(manifests)('$name: read-only token by default; only ghcr pushes may write packages, only the monitor may dispatch', ({ text }) => {
    const { plan, files } = generateFor(text, 'github');
    for (const file of workflows(files)) {
      const doc = workflowDoc(file);
      // The manifest's overrides may widen it on purpose (an example asks for id-token).
      const widened = (plan.overrides.github?.permissions ?? {}) as Mapping;
      expect(doc.permissions, file.path).toEqual({ contents: 'read', ...widened });
      expect(Object.keys(doc.on as Mapping)).not.toContain('pull_request_target');
      const jobOverrides = ((plan.overrides.github?.jobs ?? {}) as Record<string, Mapping>);
      for (const [id, job] of Object.entries(doc.jobs as Record<string, Mapping>)) {
        if (job.permissions === undefined) continue;
        // What the manifest's overrides grant one job on purpose (fraud-canary's deploy jobs mint OIDC tokens).
        if (jobOverrides[id]?.permissions !== undefined) {
          expect(job.permissions).toEqual(jobOverrides[id]!.permissions);
          continue;
        }
        // evaluate.report: comment: the CI workflow's evaluate job alone may write its pull-request comment.
        const evaluate = plan.jobs.find((j) => j.id === 'evaluate');
        if (id === 'evaluate' && evaluate?.report?.comment) {
          expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
          expect((job.steps as Mapping[]).find((s) => s.name === 'Comment the gate report')?.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
          continue;
        }
        // The monitor job alone may start a workflow_dispatch run: the drift retrain.
        if (id === 'monitor' && file.path.endsWith('mlgen-monitor.yml')) {
          expect(job.permissions).toEqual({ actions: 'write', contents: 'read' });
          continue;
        }
        expect(id).toBe('package');
        expect(plan.image?.startsWith('ghcr.io/')).toBe(true);
        expect(job.permissions).toEqual({ contents: 'read', packages: 'write' });
      }
    }
  });

  it('adversarial commands reach the shell intact', async () => {
    const { plan, files } = generateFor(fixtureText('adversarial'), 'github');
    const scripts = await githubHarness.scripts(files);
    const commands = plan.jobs.flatMap((j) => j.steps.flatMap((s) => (s.type === 'shell' && !s.own ? [s.run] : [])));
    expect(commands.length).toBeGreaterThan(5);
    for (const command of commands) expect(scripts).toContain(command);
    // Read back by a second YAML reader too: the YAML 1.1 reader of the `yaml` package.
    const ci = files.find((f) => f.path.endsWith('mlgen-ci.yml'))!;
    const again = parse(ci.content, { version: '1.1' }) as Mapping;
    const runs = Object.values(again.jobs as Record<string, Mapping>).flatMap((j) => (j.steps as Mapping[]).map((s) => s.run));
    for (const command of commands) expect(runs).toContain(command);
  });
});
