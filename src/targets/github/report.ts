/**
 * The gate's report on GitHub (plan `job.report`): the Markdown appended to the job summary on
 * every run, pass or fail; with `evaluate.report: comment`, also one pull-request comment that
 * each run updates in place, posted only for pull requests from this repository.
 */
import { literal } from '../../escape/github.js';
import { shellWord } from '../../escape/shell.js';
import { GATE_REPORT_MARKER } from '../../gate/index.js';
import type { GateReport, PipelineId } from '../../plan/index.js';
import type { Permissions, Step } from './model.js';

/** Only the job that comments may write to pull requests (and reads the repository like every job). */
export const COMMENT_PERMISSIONS: Permissions = { contents: 'read', pullRequests: 'write' };

/** A pull request whose head is this repository: a fork's never gets a write token, nor the comment step. */
const SAME_REPOSITORY_PR = "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository";

/**
 * Finds mlgen's comment by the marker the gate writes first in the summary, from a bot
 * (a person quoting it is not edited), and updates it; else creates it. The path arrives
 * through the environment: the script holds no expression.
 */
const COMMENT_SCRIPT = [
  "const fs = require('fs');",
  'const file = process.env.MLGEN_GATE_REPORT;',
  "if (!fs.existsSync(file)) { core.info(`no gate report at ${file}: the gate did not run`); return; }",
  "const body = fs.readFileSync(file, 'utf8');",
  `const marker = ${JSON.stringify(GATE_REPORT_MARKER)};`,
  'const { owner, repo } = context.repo;',
  'const issue_number = context.issue.number;',
  'const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });',
  "const mine = comments.find((c) => c.user && c.user.type === 'Bot' && (c.body || '').startsWith(marker));",
  'if (mine) await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });',
  'else await github.rest.issues.createComment({ owner, repo, issue_number, body });',
].join('\n');

export function reportSteps(report: GateReport, pipeline: PipelineId): Step[] {
  const markdown = shellWord(report.markdown);
  const steps: Step[] = [
    {
      name: 'Show the gate report',
      if: 'always()',
      run: `if [ -f ${markdown} ]; then cat ${markdown} >> "$GITHUB_STEP_SUMMARY"; else echo "no gate report: the gate did not run"; fi`,
    },
  ];
  if (report.comment && pipeline === 'ci') {
    steps.push({ name: 'Comment the gate report', if: `always() && ${SAME_REPOSITORY_PR}`, uses: 'githubScript', env: { MLGEN_GATE_REPORT: literal(report.markdown) }, with: { script: COMMENT_SCRIPT } });
  }
  return steps;
}

/** The job's permissions when it comments on pull requests. */
export function commentsOnPullRequests(report: GateReport | undefined, pipeline: PipelineId): boolean {
  return report?.comment === true && pipeline === 'ci';
}
