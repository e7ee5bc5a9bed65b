/**
 * A fifth target that lives in a test folder: "shellci", a CI system that runs one POSIX
 * script per pipeline. It is a pure printer of the plan, as every target is: it prints each
 * job's steps in order and knows nothing of job kinds.
 */
import { z } from 'zod';
import type { CatalogEntry } from '../../../../src/targets/catalog.js';
import type { Target } from '../../../../src/targets/types.js';
import type { Plan, Step } from '../../../../src/plan/index.js';
import { jobsIn } from '../../../../src/plan/index.js';
import { shellWord } from '../../../../src/escape/shell.js';

export const shellciEntry: CatalogEntry = {
  id: 'shellci',
  displayName: 'Shell CI',
  files: ['ci/*.sh'],
  detectedBy: 'ci',
  reservedPrefixes: ['SHELLCI_'],
  expressionOpeners: [],
  configurationOpeners: [],
  overrides: z.strictObject({ banner: z.string().optional().describe('A line echoed first.') }).optional().describe('Shell CI settings.'),
  adopt: false,
};

function printStep(step: Step): string[] {
  switch (step.type) {
    case 'shell':
    case 'venv':
      return [`echo ${shellWord(`== ${step.label}`)}`, step.run, ...(step.type === 'venv' ? [`PATH="$PWD/${step.dir}/bin:$PATH"`] : [])];
    case 'upload':
      return [`mkdir -p "$SHELLCI_ARTIFACTS/${step.name}"`, `cp -R ${step.paths.map(shellWord).join(' ')} "$SHELLCI_ARTIFACTS/${step.name}/"`];
    case 'download':
      return [`cp -R "$SHELLCI_ARTIFACTS/${step.from}/." .`];
    case 'soak':
      return [`sleep ${step.seconds}`];
    case 'registry-login':
      return [`docker login ${shellWord(step.registry)}`];
    case 'drift-verdict':
      return [`echo ${shellWord(`== ${step.label}`)}`, `SHELLCI_DRIFT=$(${step.run})`];
  }
}

/** The monitor's pipeline ends by running the retrain script when the monitor reported drift. */
function onDrift(plan: Plan, pipeline: string): string[] {
  const next = pipeline === 'monitor' ? plan.monitor?.onDrift : undefined;
  if (!next) return [];
  return [`if [ "$SHELLCI_DRIFT" = true ]; then MLGEN_PIPELINE=${next.pipeline} MLGEN_TRAIN_MODE=${next.mode} sh ci/${next.pipeline}.sh; fi`];
}

export const shellciTarget: Target = {
  id: 'shellci',
  displayName: 'Shell CI',
  render(plan: Plan) {
    const banner = (plan.overrides as Record<string, { banner?: string } | undefined>).shellci?.banner;
    return plan.pipelines.map((pipeline) => ({
      path: `ci/${pipeline}.sh`,
      comment: '#',
      body: [
        'set -eu',
        ...(banner ? [`echo ${shellWord(banner)}`] : []),
        ...jobsIn(plan, pipeline).flatMap((job) => [`# job ${job.id}`, ...job.steps.flatMap(printStep), ...(job.canary?.phases.flatMap((p) => p.steps.flatMap(printStep)) ?? [])]),
        ...onDrift(plan, pipeline),
        '',
      ].join('\n'),
    }));
  },
};
