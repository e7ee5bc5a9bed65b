/**
 * Conformance: for every fixture and example manifest, gitlab-ci-local accepts the generated
 * file, and for every event (with and without a change to train.paths) GitLab would run
 * exactly the jobs of `selectJobs`. The events are asked of gitlab-ci-local's handler in
 * process (as the random-manifest conformance run does); the last test checks that it answers
 * what the CLI answers, for every event of every manifest here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { eventsOf, formatEvent, selectJobs } from '../../../src/plan/index.js';
import { exampleManifests, fixtureNames, fixtureText, generateFor } from '../../support/harness.js';
import { eventArgs, gitlabHarness, listJson, removeTemporaryDirectories } from '../../support/harness-gitlab.js';
import { loadManifest } from '../../../src/manifest/index.js';
import { stringify } from 'yaml';
import { HOSTILE_COMMANDS } from '../../support/adversarial.js';

const manifests = [
  ...fixtureNames().map((name) => ({ name: `fixture ${name}`, text: fixtureText(name) })),
  ...exampleManifests().map(({ name, text }) => ({ name: `example ${name}`, text })),
].filter(({ text }) => {
  const loaded = loadManifest(text, 'mlgen.yaml');
  return loaded.ok && loaded.manifest.targets.includes('gitlab');
});

afterAll(removeTemporaryDirectories);

describe('gitlab conformance', () => {
  it('gitlab-ci-local accepts every generated .gitlab-ci.yml', async () => {
    const sets = manifests.map(({ text }) => generateFor(text, 'gitlab').files);
    expect(sets.every((files) => files.some((f) => f.path === '.gitlab-ci.yml'))).toBe(true);
    const findings = await gitlabHarness.validate(sets);
    expect(Object.fromEntries(manifests.map(({ name }, i) => [name, findings[i]]))).toEqual(
      Object.fromEntries(manifests.map(({ name }) => [name, []])),
    );
  });

  it('gitlab-ci-local accepts a file of hostile commands', async () => {
    const text = stringify({ version: 1, name: 'hostile', checks: HOSTILE_COMMANDS.map((run, i) => ({ name: `c${i}`, run })) });
    expect(await gitlabHarness.validate([generateFor(text, 'gitlab').files])).toEqual([[]]);
  });

  it('the validator rejects a broken file (so its silence means something)', async () => {
    const { files } = generateFor(fixtureText('minimal'), 'gitlab');
    const broken = files.map((f) => (f.path === '.gitlab-ci.yml' ? { ...f, content: f.content.replace('stage: train', 'stage: train\n  bogus_key: 1') } : f));
    const [findings] = await gitlabHarness.validate([broken]);
    expect(findings!.join('\n')).toMatch(/bogus_key/);
  });

  it.each(manifests)('$name: same input, byte-identical output', ({ text }) => {
    expect(generateFor(text, 'gitlab').files).toEqual(generateFor(text, 'gitlab').files);
  });

  // One test for all manifests, so gitlab-ci-local calls of different manifests overlap.
  it('every event of every manifest runs the jobs of selectJobs', async () => {
    const cases = manifests.flatMap(({ name, text }) => {
      const { plan, files } = generateFor(text, 'gitlab');
      return eventsOf(plan).flatMap((event) => [true, false].map((pathsChanged) => ({ key: `${name}: ${formatEvent(event)} paths=${pathsChanged}`, plan, files, event, pathsChanged })));
    });
    const actual = await Promise.all(cases.map(async (c) => [c.key, await gitlabHarness.jobsFor(c.files, c.plan, c.event, c.pathsChanged)]));
    const expected = cases.map((c) => [c.key, selectJobs(c.plan, c.event, c.pathsChanged)]);
    expect(cases.length).toBeGreaterThan(50);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  });

  it('adversarial commands reach the shell intact', async () => {
    const text = fixtureText('adversarial');
    const { plan, files } = generateFor(text, 'gitlab');
    const scripts = await gitlabHarness.scripts(files);
    const commands = plan.jobs.flatMap((j) => j.steps.flatMap((s) => (s.type === 'shell' && !s.own ? [s.run] : [])));
    expect(commands.length).toBeGreaterThan(5);
    for (const command of commands) expect(scripts).toContain(command);
  });

  it('gitlab-ci-local in process (its bundle without the CLI statement, git answers reused) lists exactly what its CLI lists, for every event', async () => {
    const cases = manifests.flatMap(({ name, text }) => {
      const { plan, files } = generateFor(text, 'gitlab');
      return eventsOf(plan).flatMap((event) => [true, false].map((pathsChanged) => ({ key: `${name}: ${formatEvent(event)} paths=${pathsChanged}`, plan, files, event, pathsChanged })));
    });
    const ask = async (c: (typeof cases)[number], how: 'cli' | 'in-process') =>
      listJson(await gitlabHarness.repositoryFor(c.files, c.plan, c.pathsChanged), eventArgs(c.plan, c.event), how).catch((error: Error) => error.message.replace(/\n.*/s, ''));
    const [cli, inProcess] = await Promise.all(['cli', 'in-process'].map((how) => Promise.all(cases.map(async (c) => [c.key, await ask(c, how as 'cli' | 'in-process')] as const))));
    expect(cases.length).toBeGreaterThan(50);
    // Each answer is the whole list (names, when, needs, rules), so a difference in any job shows.
    expect(cli!.filter(([, answer]) => Array.isArray(answer) && answer.length > 1)).toHaveLength(cases.length);
    expect(Object.fromEntries(inProcess!)).toEqual(Object.fromEntries(cli!));
  });
});
