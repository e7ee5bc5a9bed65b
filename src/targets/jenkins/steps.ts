/**
 * The plan's steps as Jenkins steps: `sh` for shell, stash/unstash for artifacts, `sleep` for
 * a soak, a Username-with-password login for a registry. Every step after the `venv` step runs
 * inside the virtualenv's withEnv; a step's secrets are bound around that step only.
 */
import { shellWord } from '../../escape/shell.js';
import type { Plan, Step } from '../../plan/index.js';
import type { BlockItem } from './model.js';

/** The run-wide variable the monitor's drift verdict lands in (`true` or `false`); unset in every other pipeline. */
export const DRIFT_VARIABLE = 'MLGEN_DRIFT';

/** The stash that carries the run's one checkout to every stage (see sourceStage). */
export const SOURCE_STASH = 'mlgen-source';

/** The "Username with password" credential every registry login of the plan uses (listed in each file's header). */
export function registryCredentialsIds(plan: Plan): string[] {
  const ids = plan.jobs.flatMap((j) => j.steps.flatMap((s) => (s.type === 'registry-login' ? [s.credentials.id] : [])));
  return [...new Set(ids)];
}

/** Ant patterns for stash and archiveArtifacts: a folder stands for everything below it. */
export function antPatterns(paths: readonly string[]): string {
  return paths.map((p) => (p.endsWith('/') ? `${p}**` : p)).join(',');
}

/** Bash-only syntax that dash, Jenkins' /bin/sh on Debian agents, rejects or reads otherwise. */
const BASHISM = /\bset -o pipefail\b|\[\[|<\(|\bsource \w|\bfunction \w|\$\{[A-Za-z_]\w*\/\/|\bdeclare -|\bshopt\b/;

/**
 * `sh` runs the script with /bin/sh unless it starts with an interpreter line (`#!`), as the
 * sh step's documentation says. A command that needs bash gets `#!/bin/bash` first; any
 * other command reaches sh exactly as written.
 */
export function shellScript(run: string): string {
  return !run.startsWith('#!') && BASHISM.test(run) ? `#!/bin/bash\n${run}` : run;
}

export interface StepContext {
  plan: Plan;
  /** The stage may run for a fork's change request: its steps then see no secrets. */
  forkGuard: boolean;
}

export function blockOf(steps: readonly Step[], context: StepContext): BlockItem[] {
  const items: BlockItem[] = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    switch (step.type) {
      case 'venv':
        items.push({ kind: 'sh', script: step.run, label: step.label });
        // Everything after the venv step runs with its bin first on PATH.
        items.push({ kind: 'venv', bin: `/${step.dir}/bin`, root: `/${step.dir}`, body: blockOf(steps.slice(i + 1), context) });
        return items;
      case 'shell': {
        const sh: BlockItem = { kind: 'sh', script: shellScript(step.run), label: step.label };
        items.push(step.secrets.length > 0 ? { kind: 'withCredentials', credentials: [...step.secrets], forkGuard: context.forkGuard, body: [sh] } : sh);
        break;
      }
      case 'download':
        items.push({ kind: 'unstash', name: step.from });
        break;
      case 'upload':
        items.push({ kind: 'stash', name: step.name, includes: antPatterns(step.paths), archive: true, useDefaultExcludes: true });
        break;
      case 'soak':
        items.push({ kind: 'sleep', seconds: step.seconds });
        break;
      case 'registry-login':
        // The login covers the steps after it (the push), in a Docker config of this workspace.
        items.push({
          kind: 'registryLogin',
          credentialsId: step.credentials.id,
          script: `printf '%s' "$MLGEN_REGISTRY_PASSWORD" | docker login --username "$MLGEN_REGISTRY_USER" --password-stdin ${shellWord(step.registry)}`,
          label: step.label,
          body: blockOf(steps.slice(i + 1), context),
        });
        return items;
      case 'drift-verdict':
        // The verdict as env.MLGEN_DRIFT: the retrain chain's stages read it (stages.ts).
        items.push({
          kind: 'capture',
          variable: DRIFT_VARIABLE,
          script: shellScript(step.run),
          label: step.label,
          values: ['true', 'false'],
          failure: `${step.label}: the verdict is neither true nor false (the report is ${step.report})`,
        });
        break;
      default: {
        const unknown: never = step;
        throw new Error(`unknown step ${JSON.stringify(unknown)}`);
      }
    }
  }
  return items;
}

/** Every secret a block binds, for the header. */
export function secretsOf(items: readonly BlockItem[]): string[] {
  return items.flatMap((item) => {
    if (item.kind === 'withCredentials') return [...item.credentials, ...secretsOf(item.body)];
    if ('body' in item) return secretsOf(item.body);
    return [];
  });
}
