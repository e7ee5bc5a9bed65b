/**
 * The `train_changes` stage: the plan's one rule for "train.paths changed", run as its script
 * (Azure filters paths per pipeline, not per stage), with its inputs taken from Azure's
 * predefined variables (https://learn.microsoft.com/azure/devops/pipelines/build/variables):
 *
 * - Build.Reason `PullRequest`: kind `pr`, target System.PullRequest.TargetBranch (`main` for
 *   GitHub, `refs/heads/main` for Azure Repos: the prefix is dropped);
 * - `IndividualCI`/`BatchedCI` on another branch: kind `branch`, target the release branch;
 * - `IndividualCI`/`BatchedCI` on the release branch: kind `release`. Azure does not expose the
 *   commit before a push, so the commit of the last successful CI build of the release branch
 *   stands for it (Builds - List REST API, https://learn.microsoft.com/rest/api/azure/devops/build/builds/list),
 *   read with the job's System.AccessToken. That range holds every pushed commit (and those of
 *   failed builds since). When the lookup fails, the script sees no base and trains.
 */
import { exprString } from '../../escape/azure.js';
import { shellWord } from '../../escape/shell.js';
import type { Plan, TrainChanges } from '../../plan/index.js';
import { CHANGES_ID, CHANGES_OUTPUT, CHANGES_STEP, isChangeEvent, pipelineIs, print, type Expr } from './conditions.js';
import type { Job, Stage } from './model.js';
import { poolFor, type Steps } from './steps.js';

const LOOKUP_STEP = 'last_build';

export function changesStage(plan: Plan, steps: Steps, changes: TrainChanges): Stage {
  const release = `refs/heads/${plan.releaseBranch}`;
  const query = shellWord(`branchName=${release}&resultFilter=succeeded&reasonFilter=individualCI,batchedCI&queryOrder=finishTimeDescending&$top=1&api-version=7.1`);
  const lookup = [
    '# The commit of the last successful CI build of the release branch: the base of this push.',
    `url="\${SYSTEM_COLLECTIONURI}\${SYSTEM_TEAMPROJECTID}/_apis/build/builds?definitions=\${SYSTEM_DEFINITIONID}&"${query}`,
    'before=$(curl -fsS -H "Authorization: Bearer $SYSTEM_ACCESSTOKEN" "$url" 2>/dev/null | python3 -c \'import json, sys; v = json.load(sys.stdin).get("value") or [{}]; print(v[0].get("sourceVersion") or "")\' 2>/dev/null || true)',
    'echo "Last successful build of the release branch: ${before:-none (everything counts as changed)}"',
    'echo "##vso[task.setvariable variable=MLGEN_CHANGES_BEFORE]$before"',
  ].join('\n');
  const diff = [
    'case "${BUILD_REASON:-}" in',
    '  PullRequest) kind=pr; target=${SYSTEM_PULLREQUEST_TARGETBRANCH#refs/heads/} ;;',
    `  IndividualCI|BatchedCI) if [ "\${BUILD_SOURCEBRANCH:-}" = ${shellWord(release)} ]; then kind=release; target=; else kind=branch; target=${shellWord(plan.releaseBranch)}; fi ;;`,
    '  *) kind=unknown; target= ;;',
    'esac',
    `changed=$(MLGEN_CHANGES_KIND=$kind MLGEN_CHANGES_TARGET=$target sh -c ${shellWord(changes.script)})`,
    'echo "A file of train.paths changed: $changed"',
    `echo "##vso[task.setvariable variable=${CHANGES_OUTPUT};isOutput=true]$changed"`,
  ].join('\n');
  const onRelease = print({
    fn: 'and',
    args: [
      'succeeded()',
      { fn: 'in', args: ["variables['Build.Reason']", exprString('IndividualCI'), exprString('BatchedCI')] },
      { fn: 'eq', args: ["variables['Build.SourceBranch']", exprString(release)] },
    ],
  });
  const job: Job = {
    kind: 'job',
    id: CHANGES_ID,
    displayName: 'Detect changes to train.paths',
    pool: poolFor(plan.runtime),
    timeoutInMinutes: 10,
    steps: [
      { checkout: 'self', fetchDepth: 0 },
      { bash: steps.protect(lookup), displayName: 'Find the last successful build', name: LOOKUP_STEP, condition: onRelease, env: { SYSTEM_ACCESSTOKEN: '$(System.AccessToken)' } },
      { bash: steps.protect(diff), displayName: 'Diff train.paths', name: CHANGES_STEP },
    ],
  };
  const terms: Expr[] = [{ fn: 'not', args: [{ fn: 'canceled', args: [] }] }, pipelineIs(['ci']), isChangeEvent()];
  if (!plan.runtime.hosted) terms.push({ fn: 'ne', args: ["variables['System.PullRequest.IsFork']", exprString('True')] });
  return { id: CHANGES_ID, displayName: 'Changes to train.paths', dependsOn: [], condition: print({ fn: 'and', args: terms }), jobs: [job] };
}
