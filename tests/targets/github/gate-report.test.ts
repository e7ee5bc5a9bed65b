/**
 * The gate's report in GitHub workflows: actionlint and GitHub's workflow parser accept the
 * report steps (with `evaluate.report: comment` too), the summary step runs on every outcome,
 * and only the CI workflow's evaluate job may write to pull requests, never for a fork's.
 * What the steps do under a runner is shown by tests/engines/github/act.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fixtureText, generateFor } from '../../support/harness.js';
import { githubHarness, workflowDoc, workflows } from '../../support/harness-github.js';

type Mapping = Record<string, any>;

const withComment = fixtureText('spec-complete').replace(/^evaluate:\n/m, 'evaluate:\n  report: comment\n');

describe('github: the gate report steps', () => {
  it('the fixture edit took', () => expect(withComment).toContain('  report: comment\n'));

  for (const [name, text] of [
    ['summary (default)', fixtureText('spec-complete')],
    ['comment', withComment],
  ] as const) {
    it(`${name}: actionlint and the workflow parser accept every workflow`, async () => {
      const [findings] = await githubHarness.validate([generateFor(text, 'github').files]);
      expect(findings).toEqual([]);
    });
  }

  it('every evaluate job appends the Markdown summary with if: always(); only CI comments, with pull-requests: write on that job only', () => {
    const { files } = generateFor(withComment, 'github');
    const evaluates = workflows(files).flatMap((file) => {
      const doc = workflowDoc(file);
      return Object.entries(doc.jobs as Record<string, Mapping>).map(([id, job]) => ({ file: file.path, id, job }));
    });
    for (const { file, id, job } of evaluates) {
      const names = (job.steps as Mapping[]).map((s) => s.name);
      if (id !== 'evaluate') {
        expect(job.permissions?.['pull-requests'], `${file} ${id}`).toBeUndefined();
        expect(names).not.toContain('Comment the gate report');
        continue;
      }
      const show = (job.steps as Mapping[]).find((s) => s.name === 'Show the gate report')!;
      expect(show.if).toBe('always()');
      expect(show.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
      const isCi = file.endsWith('/mlgen-ci.yml');
      expect(names.includes('Comment the gate report'), file).toBe(isCi);
      expect(job.permissions, file).toEqual(isCi ? { contents: 'read', 'pull-requests': 'write' } : undefined);
      if (isCi) {
        const comment = (job.steps as Mapping[]).find((s) => s.name === 'Comment the gate report')!;
        expect(comment.if).toBe("always() && github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository");
        // The path reaches the script through the environment: no expression inside the script.
        expect(comment.with.script).not.toContain('${{');
        expect(comment.env).toEqual({ MLGEN_GATE_REPORT: '.mlgen/reports/gate-summary.md' });
      }
    }
    expect(evaluates.filter((e) => e.id === 'evaluate').length).toBeGreaterThan(1);
  });
});
