/**
 * Supply chain and privilege: every GitHub `uses:` pinned to a full SHA from the one table
 * (src/targets/github/actions.ts) with its version beside it; least-privilege `permissions`
 * on every workflow; no `pull_request_target`; and on every target, no release-only job
 * (package, staging, canary, production) runs for a pull request or another branch, as each
 * platform's own simulation decides it (tests/support/harness-*.ts).
 */
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadManifest, type Manifest } from '../../src/manifest/index.js';
import type { PlanEvent, TargetId } from '../../src/plan/index.js';
import { ACTIONS } from '../../src/targets/github/actions.js';
import { manifestToYaml, validManifest } from '../support/arbitrary.js';
import { exampleManifests, fixtureNames, fixtureText, generateFor, type TargetHarness } from '../support/harness.js';
import { azureHarness } from '../support/harness-azure.js';
import { githubHarness, workflows } from '../support/harness-github.js';
import { gitlabHarness } from '../support/harness-gitlab.js';
import { jenkinsHarness } from '../support/harness-jenkins.js';

const PINNED = new Map(Object.values(ACTIONS).map((a) => [`${a.repository}@${a.sha}`, a.version]));
const MANIFESTS = [...exampleManifests().map((e) => e.text), ...fixtureNames().map(fixtureText)];

type Mapping = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Findings in the workflows generated from `text` (or in `files`, the same workflows as edited by a test). */
function workflowFindings(text: string, files = generateFor(text, 'github').files): string[] {
  const findings: string[] = [];
  for (const file of workflows(files)) {
    const doc = parse(file.content) as Mapping;
    const on = doc.on as Mapping;
    if ('pull_request_target' in on || 'workflow_run' in on) findings.push(`${file.path}: privileged trigger`);
    // Only what the manifest's own overrides grant (an escape hatch the user writes) is added to contents: read.
    const expected = { contents: 'read', ...((loadManifest(text).ok && (loadManifest(text) as { manifest: Manifest }).manifest.overrides?.github?.permissions) || {}) };
    if (JSON.stringify(doc.permissions) !== JSON.stringify(expected)) findings.push(`${file.path}: workflow permissions ${JSON.stringify(doc.permissions)}`);
    const manifest = loadManifest(text).ok ? (loadManifest(text) as { manifest: Manifest }).manifest : undefined;
    const jobOverrides = (manifest?.overrides?.github?.jobs ?? {}) as Record<string, Mapping>;
    for (const [id, job] of Object.entries(doc.jobs as Record<string, Mapping>)) {
      // A job's own override (fraud-canary's deploy jobs ask for id-token) is the user's escape hatch.
      const overridden = jobOverrides[id]?.permissions as Record<string, string> | undefined;
      // evaluate.report: comment: the evaluate job of the CI workflow may write its PR comment, only for same-repository pull requests.
      const comments = id === 'evaluate' && manifest?.evaluate?.report === 'comment' && (job.steps as Mapping[]).some((s) => s.name === 'Comment the gate report' && String(s.if).includes('github.event.pull_request.head.repo.full_name == github.repository'));
      // pipelines.monitor: the monitor job of mlgen-monitor.yml may start the drift retrain (a workflow_dispatch needs actions: write), only beside that step.
      const dispatches = id === 'monitor' && file.path.endsWith('mlgen-monitor.yml') && (job.steps as Mapping[]).some((s) => s.name === 'Start the drift retrain');
      const granted = Object.entries((job.permissions ?? {}) as Record<string, string>).filter(
        ([scope, level]) => level === 'write' && scope !== 'packages' && overridden?.[scope] !== 'write' && !(comments && scope === 'pull-requests') && !(dispatches && scope === 'actions'),
      );
      if (job.permissions === 'write-all' || granted.length > 0) findings.push(`${file.path}: job ${id} may write ${JSON.stringify(job.permissions)}`);
      if (job.permissions?.packages === 'write' && id !== 'package') findings.push(`${file.path}: job ${id} may write packages`);
      for (const step of job.steps as Mapping[]) {
        if (step.uses === undefined) continue;
        const version = PINNED.get(step.uses);
        if (!/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(step.uses) || version === undefined) findings.push(`${file.path}: ${id} uses ${step.uses}, not a pinned action from the table`);
        else if (!file.content.includes(`uses: ${step.uses} # ${version}`)) findings.push(`${file.path}: ${step.uses} without its version comment`);
      }
    }
  }
  return findings;
}

describe('GitHub actions and permissions', () => {
  it('the table pins full commit SHAs', () => {
    for (const action of Object.values(ACTIONS)) {
      expect(action.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(action.version).toMatch(/^v\d+\.\d+\.\d+$/);
    }
  });

  it('every uses: is pinned from the table, every workflow reads only, no privileged trigger: examples and fixtures', () => {
    for (const text of MANIFESTS) expect(workflowFindings(text)).toEqual([]);
  });

  it('the same for arbitrary manifests', () => {
    fc.assert(
      fc.property(validManifest(), (manifest) => {
        expect(workflowFindings(manifestToYaml(manifest))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('the check notices a write grant beyond the monitor dispatch: contents on the monitor, actions on another job', () => {
    const text = fixtureText('contract-complete');
    const original = generateFor(text, 'github').files;
    const edit = (path: string, from: RegExp, to: string) => original.map((f) => (f.path.endsWith(path) ? { ...f, content: f.content.replace(from, to) } : f));
    expect(workflowFindings(text)).toEqual([]);
    expect(original.find((f) => f.path.endsWith('mlgen-monitor.yml'))?.content).toMatch(/actions: write\n {6}contents: read/);
    expect(workflowFindings(text, edit('mlgen-monitor.yml', /actions: write\n {6}contents: read/, 'actions: write\n      contents: write'))).toEqual([expect.stringMatching(/job monitor may write/)]);
    expect(workflowFindings(text, edit('mlgen-monitor.yml', /- name: Start the drift retrain/, '- name: Something else'))).toEqual([expect.stringMatching(/job monitor may write/)]);
  });

  it('the check notices an unpinned action', () => {
    const text = fixtureText('minimal');
    const files = generateFor(text, 'github').files.map((f) =>
      f.path.endsWith('mlgen-ci.yml') ? { ...f, content: f.content.replace(/uses: actions\/checkout@[0-9a-f]{40}/, 'uses: actions/checkout@v4') } : f,
    );
    expect(workflowFindings(text)).toEqual([]);
    expect(workflowFindings(text, files)).toEqual(expect.arrayContaining([expect.stringMatching(/uses actions\/checkout@v4, not a pinned action/)]));
  });
});

const HARNESSES: Record<TargetId, TargetHarness> = { github: githubHarness, gitlab: gitlabHarness, azure: azureHarness, jenkins: jenkinsHarness };
const RELEASE_ONLY = ['package', 'staging', 'canary', 'production'];

describe('release-only jobs never run for pull requests or other branches', () => {
  const { plan } = generateFor(fixtureText('spec-complete'), 'github');
  const events: PlanEvent[] = [{ kind: 'pull-request' }, { kind: 'push', branch: 'feature/x' }];
  expect(plan.jobs.filter((j) => j.releaseOnly).map((j) => j.id)).toEqual(RELEASE_ONLY);

  it.each(['github', 'gitlab', 'azure', 'jenkins'] as const)('%s, as the platform decides it', async (target) => {
    const { plan: p, files } = generateFor(fixtureText('spec-complete'), target);
    const runs = await Promise.all(events.map((event) => HARNESSES[target].jobsFor(files, p, event, true)));
    for (const ran of runs) {
      expect(ran).toContain('train'); // the simulation did run something
      expect(ran.filter((id) => RELEASE_ONLY.includes(id))).toEqual([]);
    }
    // And the push to the release branch does deploy: the conditions are not simply false.
    expect(await HARNESSES[target].jobsFor(files, p, { kind: 'push', branch: p.releaseBranch }, true)).toEqual(expect.arrayContaining(RELEASE_ONLY));
  }, 900_000);

  it('in the text: GitHub ifs need a push or manual run; GitLab rules never admit merge requests; Azure excludes PullRequest; Jenkins says not { changeRequest() }', () => {
    const text = fixtureText('spec-complete');
    for (const file of workflows(generateFor(text, 'github').files)) {
      const jobs = (parse(file.content) as Mapping).jobs as Record<string, Mapping>;
      for (const [id, job] of Object.entries(jobs)) {
        // canary-rollback runs on a canary step's failure, so only after a step that passed these conditions.
        if (!RELEASE_ONLY.some((r) => id === r || id.startsWith(`${r}-`)) || id.endsWith('-rollback')) continue;
        const condition = String(job.if ?? '');
        if (file.path.endsWith('mlgen-ci.yml')) expect(condition, id).toMatch(/github\.event_name == 'push' \|\| github\.event_name == 'workflow_dispatch'/);
        expect(condition, id).toContain("github.ref == 'refs/heads/main'");
      }
    }
    const gitlab = parse(generateFor(text, 'gitlab').files.find((f) => f.path === '.gitlab-ci.yml')!.content, { version: '1.1' }) as Record<string, Mapping>;
    for (const [id, job] of Object.entries(gitlab)) {
      if (!RELEASE_ONLY.some((r) => id === r || id.startsWith(`${r}-`))) continue;
      for (const rule of (job.rules ?? []) as Mapping[]) {
        if (rule.when === 'never') continue;
        expect(String(rule.if ?? ''), id).not.toContain('merge_request_event');
      }
    }
    const azure = generateFor(text, 'azure').files.find((f) => f.path === 'azure-pipelines.yml')!.content;
    const stages = (parse(azure) as Mapping).stages as Mapping[];
    for (const stage of stages.filter((s) => RELEASE_ONLY.some((r) => String(s.stage).startsWith(r)))) {
      expect(String(stage.condition), stage.stage).toContain("ne(variables['Build.Reason'], 'PullRequest')");
    }
    const jenkins = generateFor(text, 'jenkins').files.find((f) => f.path === 'Jenkinsfile')!.content;
    for (const id of RELEASE_ONLY) {
      const start = jenkins.indexOf(`stage('${id}`);
      expect(start, id).toBeGreaterThan(0);
      expect(jenkins.slice(start, start + 1500), id).toContain('not { changeRequest() }');
    }
  });
});
