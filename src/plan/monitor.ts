/**
 * The monitor's verdict (manifest-v1, pipelines.monitor): the drift report the user's check
 * wrote, read by a few lines of `python3` (the monitor's runtime has Python; it need not have
 * Node), which print `true` or `false` for the target to publish as the job's output `drift`.
 * A missing or malformed report fails the step, and so the monitor, which runs notify.
 */
import { shellWord } from '../escape/shell.js';
import type { DriftVerdictStep } from './types.js';

export const DRIFT_VERDICT_LABEL = 'Read the drift report';

/**
 * No single quote inside (the script is one shell word in single quotes), messages on stderr,
 * the verdict alone on stdout. The report's own strings are never printed: only its verdict.
 */
const VERDICT_SCRIPT = [
  'import json, sys',
  'path = sys.argv[1]',
  'try:',
  '    with open(path, encoding="utf-8") as handle:',
  '        report = json.load(handle)',
  'except OSError as error:',
  '    sys.exit("mlgen: the monitor wrote no drift report at %s (%s): write {\\"drift\\": true|false} there" % (path, error.strerror))',
  'except ValueError:',
  '    sys.exit("mlgen: the drift report %s is not JSON: write {\\"drift\\": true|false}" % path)',
  'drift = report.get("drift") if isinstance(report, dict) else None',
  'if not isinstance(drift, bool):',
  '    sys.exit("mlgen: the drift report %s needs \\"drift\\": true or false (a JSON boolean)" % path)',
  'print("true" if drift else "false")',
].join('\n');

export function driftVerdictStep(report: string): DriftVerdictStep {
  return { type: 'drift-verdict', label: DRIFT_VERDICT_LABEL, report, run: `python3 -c '${VERDICT_SCRIPT}' ${shellWord(report)}` };
}
