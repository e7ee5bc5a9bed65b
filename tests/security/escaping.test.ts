/**
 * Escaping, proven per destination by reading the output back the way its reader does:
 * - YAML scalars: any string through the one serializer parses back unchanged, as YAML 1.2
 *   and as YAML 1.1 (GitLab's Ruby parser);
 * - shell: every hostile command reaches the script each platform hands to the shell intact,
 *   on all four targets (GitHub/GitLab: YAML parse; Azure: after the agent's macro pass;
 *   Jenkins: after Groovy has read the Jenkinsfile, in one groovy process);
 * - GitHub `${{ }}`: every expression in a generated workflow is one mlgen writes on purpose,
 *   and the literals in it are the plan's own (crons, modes, events, branch);
 * - Azure: `$(macro)` text in commands survives the macro pass (mlgen.dollarParen), and every
 *   `${{ }}` template expression and `$[ ]` runtime expression is mlgen's.
 */
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml, type GeneratedFile } from '../../src/files/index.js';
import { literal } from '../../src/escape/github.js';
import type { Plan, TargetId } from '../../src/plan/index.js';
import { HOSTILE_COMMANDS, hostileCommand } from '../support/adversarial.js';
import { manifestToYaml, validManifest } from '../support/arbitrary.js';
import { manifestCommands } from '../conformance/random-manifests.js';
import { fixtureText, generateFor } from '../support/harness.js';
import { azureHarness, azureScripts, AZURE_FILE } from '../support/harness-azure.js';
import { expand, githubHarness, workflowDoc, workflows } from '../support/harness-github.js';
import { gitlabHarness } from '../support/harness-gitlab.js';
import { jenkinsHarness } from '../support/harness-jenkins.js';

/** A manifest that runs each command as a check, and the first one as train, staging and notify. */
function manifestRunning(commands: readonly string[], secrets: string[] = []): string {
  return toYaml({
    version: 1,
    name: 'escaping',
    ...(secrets.length ? { secrets } : {}),
    checks: commands.map((run, i) => ({ name: `c${i}`, run })),
    train: { run: commands[0] },
    deploy: { staging: { run: commands.at(-1) } },
    notify: { failure: commands[0] },
  });
}

const HARNESSES = { github: githubHarness, gitlab: gitlabHarness, azure: azureHarness, jenkins: jenkinsHarness } as const;

/** Commands that no script of the target contains verbatim. */
async function lostCommands(target: TargetId, sets: { commands: readonly string[]; files: GeneratedFile[] }[]): Promise<string[]> {
  const scripts = await Promise.all(sets.map((s) => HARNESSES[target].scripts(s.files)));
  return sets.flatMap((s, i) => s.commands.filter((c) => !scripts[i]!.some((script) => script.includes(c))));
}

describe('YAML scalars', () => {
  it('any string serialized by toYaml parses back unchanged, as YAML 1.2 and as YAML 1.1', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), hostileCommand, fc.constantFrom('y', 'NO', 'on', '0b101', '0x1F', '1_000', '12:30:00', '2024-01-01', '.NaN', '=', '<<', '- x', '? x', '@x', '%x', '!x', '&x', '*x', '\uFEFFx', 'a\u2028b', 'a\u0085b'));
    fc.assert(
      fc.property(text, fc.constantFrom('key', 'on', 'run'), (value, key) => {
        const yaml = toYaml({ [key]: value, list: [value] });
        for (const version of ['1.2', '1.1'] as const) {
          const doc = parse(yaml, { version }) as Record<string, unknown>;
          expect(doc[key]).toBe(value);
          expect(doc.list).toEqual([value]);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('YAML 1.2 readers (GitHub, Azure)', () => {
  // YAML 1.2's core schema reads a bare 0o17 as the number 15; YAML 1.1's quoting rules alone
  // would leave it bare, so toYaml also quotes what YAML 1.2 reads as a non-string.
  it('a string that YAML 1.2 reads as a number is quoted', () => {
    for (const value of ['0o17', '0o7']) expect((parse(toYaml({ run: value }), { version: '1.2' }) as { run: unknown }).run).toBe(value);
  });
});

describe('shell: commands reach the script intact on every target', () => {
  const fixed = { commands: HOSTILE_COMMANDS, text: manifestRunning(HOSTILE_COMMANDS, ['API_TOKEN']) };
  const sampled = fc.sample(fc.uniqueArray(hostileCommand, { minLength: 1, maxLength: 12 }), { numRuns: 20 }).map((commands) => ({ commands, text: manifestRunning(commands) }));
  const adversarial = fixtureText('adversarial');
  const cases = [fixed, { commands: manifestCommands(generateFor(adversarial, 'github').plan), text: adversarial }, ...sampled];

  it.each(['github', 'gitlab', 'azure'] as const)('%s', async (target) => {
    const sets = cases.map((c) => ({ commands: c.commands, files: generateFor(c.text, target).files }));
    expect(await lostCommands(target, sets)).toEqual([]);
  });

  it('jenkins (every Jenkinsfile read by one groovy process)', async () => {
    const sets = cases.map((c) => ({ commands: c.commands, files: generateFor(c.text, 'jenkins').files }));
    expect(await lostCommands('jenkins', sets)).toEqual([]);
  }, 600_000); // generous: the Jenkinsfiles grew (each agent stage sets up its own workspace) and the JVM shares the cores

  it('the check notices a command that changed on the way', async () => {
    const { files } = generateFor(manifestRunning(['echo one']), 'github');
    expect(await lostCommands('github', [{ commands: ['echo two'], files }])).toEqual(['echo two']);
  });
});

/** Every `${{ … }}` in a text, with what is inside. */
const expressionsIn = (text: string) => [...text.matchAll(/\$\{\{(.*?)\}\}/gs)].map((m) => m[1]!.trim());

/** An expression with its string literals taken out, and the literals. */
function skeleton(expression: string): { shape: string; literals: string[] } {
  const literals: string[] = [];
  const shape = expression.replace(/'((?:[^']|'')*)'/g, (_, body: string) => (literals.push(body.replaceAll("''", "'")), "''"));
  return { shape, literals };
}

/** The expression shapes mlgen writes into workflows: nothing else may appear. */
const GITHUB_SHAPES = [
  /^secrets\.[A-Z_][A-Z0-9_]*$/,
  /^github\.(sha|workflow|event\.before)$/,
  /^github\.event\.pull_request\.number \|\| github\.run_id$/,
  /^runner\.os$/,
  /^steps\.diff\.outputs\.train$/,
  /^inputs\.model_version \|\| ''$/,
  /^hashFiles\(''(, '')*\)$/,
  // Since the plan printers (src/targets/github/conditions.ts, steps.ts, registry.ts):
  /^github\.actor$/,
  /^hashFiles\(''(, '')*\) \|\| github\.sha$/,
  /^github\.ref == '' && github\.event_name != '' && ('' |format\('', github\.workflow, github\.run_id\) )\|\| format\('', github\.workflow, github\.event\.pull_request\.head\.repo\.full_name \|\| github\.repository, github\.head_ref \|\| github\.ref_name\)$/,
  /^github\.ref == '' && github\.event_name != '' && '' \|\| format\('', github\.workflow, github\.run_id\)$/,
  /^!\(github\.ref == '' && github\.event_name != ''\)$/,
  /^github\.event_name == '' && '' \|\| github\.event_name == '' && \(github\.ref == '' && '' \|\| ''\) \|\| ''$/,
  /^github\.event_name == '' && github\.event\.pull_request\.base\.ref \|\| ''$/,
  /^github\.event_name == '' && inputs\.mode( \|\| github\.event\.schedule == '' && ''| \|\| github\.event_name == '' && github\.event\.action == '' && '')* \|\| ''$/,
  // The monitor's verdict output and the token of its dispatch step (src/targets/github/steps.ts).
  /^steps\.verdict\.outputs\.drift$/,
  /^github\.token$/,
];

/** The registry secrets the plan's login steps name (every target logs in with these). */
function registrySecrets(plan: Plan): string[] {
  return plan.jobs.flatMap((j) => j.steps).flatMap((s) => (s.type === 'registry-login' ? [s.credentials.username, s.credentials.password] : []));
}

function githubFindings(plan: Plan, files: readonly GeneratedFile[]): string[] {
  const allowedLiterals = new Set([
    'workflow_dispatch', 'repository_dispatch', 'latest', 'full', 'incremental', 'drift', 'true', 'push', 'pull_request',
    `refs/heads/${plan.releaseBranch}`, ...plan.schedules.map((s) => s.cron), ...plan.events.map((e) => e.id),
    plan.releaseBranch, ...(plan.deployLock ? [plan.deployLock] : []), '{0}-{1}', '{0}-{1}:{2}', 'pr', 'release', 'branch', 'unknown',
  ]);
  const findings: string[] = [];
  for (const file of workflows(files)) {
    for (const expression of expressionsIn(file.content)) {
      const { shape, literals } = skeleton(expression);
      if (!GITHUB_SHAPES.some((s) => s.test(shape))) findings.push(`${file.path}: unexpected expression \${{ ${expression} }}`);
      // hashFiles() patterns are constants of src/targets/github/steps.ts.
      if (!shape.startsWith('hashFiles(')) for (const l of literals) if (!allowedLiterals.has(l)) findings.push(`${file.path}: literal '${l}' in \${{ ${expression} }}`);
      // The job token reaches one step only: the monitor's dispatch of the drift retrain.
      if (expression === 'github.token' && !(plan.monitor && file.path.endsWith('mlgen-monitor.yml'))) findings.push(`${file.path}: github.token outside the monitor's dispatch step`);
      const secret = /^secrets\.(\w+)$/.exec(expression)?.[1];
      // GITHUB_TOKEN and the registry login's credentials are mlgen's (src/targets/github/registry.ts).
      if (secret && secret !== 'GITHUB_TOKEN' && !registrySecrets(plan).includes(secret) && !plan.secrets.includes(secret)) findings.push(`${file.path}: secret ${secret} is not in the manifest`);
    }
  }
  return findings;
}

describe('GitHub ${{ }}', () => {
  it('every expression in every workflow is one mlgen writes, for arbitrary manifests, the fixtures and hostile commands', () => {
    const texts = [fixtureText('adversarial'), fixtureText('spec-complete'), manifestRunning(HOSTILE_COMMANDS, ['API_TOKEN'])];
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...texts), validManifest().map((m) => manifestToYaml(m))), (text) => {
        const { plan, files } = generateFor(text, 'github');
        expect(githubFindings(plan, files)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('the check fails on an expression smuggled into a workflow', () => {
    const { plan, files } = generateFor(fixtureText('minimal'), 'github');
    const smuggled = files.map((f) => (f.path.endsWith('mlgen-ci.yml') ? { ...f, content: f.content.replace('run: python train.py', 'run: echo ${{ github.event.pull_request.title }}') } : f));
    expect(githubFindings(plan, files)).toEqual([]);
    expect(githubFindings(plan, smuggled).join('\n')).toMatch(/unexpected expression/);
  });

  it('literal() text placed where GitHub expands templates evaluates to itself', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('${{', '}}', '${{ github.sha }}', "'", '$', '{', ' ', 'x', 'é'), { maxLength: 12 }).map((p) => p.join('')), (text) => {
        expect(expand(literal(text), { github: { sha: 'abc' } })).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('no command is placed anywhere but a run: step (so none becomes an if:, an env value or a with: input)', () => {
    const commands = HOSTILE_COMMANDS.filter((c) => c.length > 12);
    const { files } = generateFor(manifestRunning(commands), 'github');
    for (const file of workflows(files)) {
      const doc = workflowDoc(file) as { jobs: Record<string, { steps: Record<string, unknown>[] } & Record<string, unknown>> };
      for (const job of Object.values(doc.jobs)) {
        const { steps, ...rest } = job;
        const outside = [JSON.stringify(rest), ...steps.map(({ run: _run, ...step }) => JSON.stringify(step))].join('\n');
        for (const c of commands) expect(outside.includes(JSON.stringify(c).slice(1, -1)), c).toBe(false);
      }
    }
  });
});

describe("Azure's three syntaxes", () => {
  const macroCommands = [
    "echo '$(Build.SourceVersion)' $(System.AccessToken) $(API_TOKEN) $(pwd)",
    'echo $(mlgen.dollarParen) $(MLGEN_VERSION) $(date +%s) $( x ) $(a)$(b)',
    'echo $[variables.x] $[ counter(1) ] "${ parameters.y }"',
  ];

  it('macros in commands survive the agent macro pass; secrets stay in env', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(hostileCommand, fc.constantFrom(...macroCommands)), { minLength: 1, maxLength: 8 }), (commands) => {
        const { files } = generateFor(manifestRunning(commands, ['API_TOKEN']), 'azure');
        const scripts = azureScripts(files);
        for (const c of commands) expect(scripts.some((s) => s.script.includes(c)), c).toBe(true);
        // The harness gives every secret the value "secret-value": it must reach env only.
        for (const s of scripts) {
          expect(s.script).not.toContain('secret-value');
          // Each step sees the secrets the plan gives it: every command step, no setup step.
          if (commands.some((c) => s.script === c || s.script === `set -e\n${c}`)) expect(s.env.API_TOKEN).toBe('secret-value');
        }
      }),
      { numRuns: 40 },
    );
  });

  it('every ${{ }} and $[ ] in azure-pipelines.yml is mlgen\'s, whatever the commands', () => {
    const texts = [manifestRunning([...HOSTILE_COMMANDS, ...macroCommands], ['API_TOKEN']), fixtureText('spec-complete'), ...fc.sample(validManifest(), { numRuns: 20 }).map((m) => manifestToYaml(m))];
    // MLGEN_PIPELINE: the drift chain's jobs in the monitor's run set their own (src/targets/azure/render.ts).
    const TEMPLATE = /^(parameters\.(pipeline|mode|modelVersion|event)|else|(else)?if eq\((parameters\.event|variables\['Build\.(Reason|CronSchedule\.DisplayName)'\]), '[a-z0-9-]+'\)|if eq\(variables\['MLGEN_PIPELINE'\], 'monitor'\))$/i;
    for (const text of texts) {
      const file = generateFor(text, 'azure').files.find((f) => f.path === AZURE_FILE)!;
      const foreign = expressionsIn(file.content).filter((e) => !TEMPLATE.test(e));
      expect(foreign).toEqual([]);
      // Runtime expressions are whole values; a command is never one.
      const values: string[] = [];
      const walk = (node: unknown): void => {
        if (typeof node === 'string') values.push(node);
        else if (node && typeof node === 'object') Object.values(node).forEach(walk);
      };
      walk(parse(file.content, { schema: 'failsafe' }));
      const runtime = values.filter((value) => value.trimStart().startsWith('$['));
      expect(runtime.filter((value) => !/^\$\[ ?(dependencies|stageDependencies|variables|eq|and|or|not|in|coalesce)/.test(value.trimStart()))).toEqual([]);
    }
  });
});
