/**
 * gitlab-ci-local's own handler, called in this process: the same code as the pinned CLI
 * (its published bundle, node_modules/gitlab-ci-local/dist/index.js), without a Node start and
 * a 1 MiB bundle compile per call.
 *
 * Why: the conformance run asks gitlab-ci-local which jobs GitLab creates for every event of
 * 200 random manifests, twice (train.paths changed or not): some 4,000 questions. As a process
 * each costs ~0.4 s, ~80 ms in process, and 40 to 55 ms with the two wrappers in load(). The
 * answers are the tool's: the last test of tests/targets/gitlab/conformance.test.ts checks them
 * against the CLI's for every event of every example and fixture.
 *
 * How: the bundle's last statement is its CLI (signal handlers and a yargs program whose
 * handler calls `handler(argv, new WriteStreamsProcess(), jobs)` and then `process.exit`). A
 * copy without that statement, exporting `handler` and the `Utils` class it spawns git through,
 * is written to node_modules/.cache/mlgen-tests/ and imported. The two names are read from the bundle
 * by the shape of its code; if a new gitlab-ci-local changes that shape, loading fails and says
 * so (the CLI path, gitlabCiLocal(), still works). Two of its functions are wrapped, not
 * changed: git commands of frozen repositories and variable expansion answer equal questions once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { limiter } from './limit.js';

const BUNDLE = new URL('../../node_modules/gitlab-ci-local/dist/index.js', import.meta.url).pathname;
const CACHE = new URL('../../node_modules/.cache/mlgen-tests/', import.meta.url).pathname;

interface WriteStreams {
  stdout(text: string): void;
  stderr(text: string): void;
  memoStdout(text: string): void;
  flush(): void;
}
type Handler = (args: Record<string, unknown>, streams: WriteStreams, jobs: unknown[]) => Promise<unknown>;
type Spawn = (command: string[], cwd?: string) => unknown;
type Variables = Record<string, string>;
interface Module {
  handler: Handler;
  Utils: { spawn: Spawn; syncSpawn: Spawn; expandVariables: (variables: Variables) => Variables };
}

/** The bundle without its CLI statement, exporting handler and Utils. */
export function deriveModule(bundle: string): string {
  const source = bundle.replace(/^#!.*\n/, '');
  const cli = /handler:async\(([\w$]+)\)=>\{try\{[^]*?await ([\w$]+)\(\1,new [\w$]+,[\w$]+\)/.exec(source);
  const start = source.indexOf('process.on("SIGINT"');
  const end = source.lastIndexOf('})();');
  const syncSpawn = source.indexOf('static syncSpawn(');
  const utils = syncSpawn === -1 ? undefined : [...source.slice(0, syncSpawn).matchAll(/class ([\w$]+)\{/g)].at(-1)?.[1];
  if (!cli || start === -1 || end < start || !utils) {
    throw new Error(`gitlab-ci-local's bundle (${BUNDLE}) no longer has the shape tests/support/gitlab-ci-local-in-process.ts reads (its CLI statement, handler, Utils.syncSpawn): update deriveModule() for this version`);
  }
  return `${source.slice(0, start)}${source.slice(end + '})();'.length)}\nexport { ${cli[2]} as handler, ${utils} as Utils };\n`;
}

/**
 * Repositories whose git facts do not change while they are asked (the conformance harness's:
 * made once, then only listed). For these, each git command gitlab-ci-local spawns (branch,
 * sha, remote, user, `git diff --name-only <default branch>`) runs once and its result is reused.
 */
const frozen = new Set<string>();

export function freezeRepository(dir: string): void {
  frozen.add(resolve(dir));
}

let loading: Promise<Module> | undefined;

function load(): Promise<Module> {
  loading ??= (async () => {
    const bundle = readFileSync(BUNDLE, 'utf8');
    const file = join(CACHE, `gitlab-ci-local-${createHash('sha256').update(bundle).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, deriveModule(bundle));
      renameSync(temporary, file);
    }
    const module = (await import(pathToFileURL(file).href)) as Module;
    for (const name of ['spawn', 'syncSpawn'] as const) {
      const original = module.Utils[name].bind(module.Utils);
      const answers = new Map<string, unknown>();
      module.Utils[name] = (command, cwd = process.cwd()) => {
        if (!frozen.has(resolve(cwd))) return original(command, cwd);
        const key = JSON.stringify([command, resolve(cwd)]);
        if (!answers.has(key)) answers.set(key, original(command, cwd));
        return answers.get(key);
      };
    }
    // Utils.expandVariables is a pure function of its argument (it copies it and expands
    // $NAME references until nothing changes), quadratic in the number of variables and asked
    // again for every job of every call: half of a call's time. Equal arguments share one answer.
    const expand = module.Utils.expandVariables.bind(module.Utils);
    const expanded = new Map<string, Variables>();
    module.Utils.expandVariables = (variables) => {
      const key = JSON.stringify(variables);
      let answer = expanded.get(key);
      if (!answer) {
        // Most repeats are within one call; a bound keeps 200 manifests' worth out of memory.
        if (expanded.size >= 5000) expanded.clear();
        expanded.set(key, (answer = expand(variables)));
      }
      return { ...answer };
    };
    return module;
  })();
  return loading;
}

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const LISTS = new Set(['variable', 'unset-variable']);
const VALUES = new Set(['state-dir', 'file']);
const SWITCHES = new Set(['list-json', 'preview', 'validate-dependency-chain']);

/**
 * The CLI flags the harness uses, as the yargs program of the bundle hands them to handler()
 * (camel-cased keys, arrays for repeated flags, `--no-X` as `X: false`). Any other flag is
 * refused, so that a new one is added here on purpose.
 */
export function handlerArguments(cwd: string, args: readonly string[]): Record<string, unknown> {
  const parsed: Record<string, unknown> = { cwd: relative(process.cwd(), cwd) || '.' };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!.replace(/^--/, '');
    if (flag.startsWith('no-')) parsed[camel(flag.slice(3))] = false;
    else if (SWITCHES.has(flag)) parsed[camel(flag)] = true;
    else if (LISTS.has(flag)) ((parsed[camel(flag)] ??= []) as string[]).push(args[++i]!);
    else if (flag === 'ignore-predefined-vars') parsed.ignorePredefinedVars = args[++i]!.split(',');
    else if (VALUES.has(flag)) parsed[camel(flag)] = args[++i]!;
    else throw new Error(`gitlab-ci-local in process: the flag --${flag} is not mapped (tests/support/gitlab-ci-local-in-process.ts)`);
  }
  return parsed;
}

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A few at a time: each holds its parsed file and job list until it answers. */
const limited = limiter(4);

/** gitlab-ci-local `args` in `cwd`, in this process: exit code 1 and the message when it refuses. */
export function gitlabCiLocalInProcess(cwd: string, args: readonly string[]): Promise<InProcessResult> {
  return limited(() => ask(cwd, args));
}

async function ask(cwd: string, args: readonly string[]): Promise<InProcessResult> {
  const { handler } = await load();
  const out: string[] = [];
  const err: string[] = [];
  const said = new Set<string>();
  const streams: WriteStreams = {
    stdout: (t) => out.push(t),
    // As the bundle's own streams: a memo message is written once.
    memoStdout: (t) => void (said.has(t) || (said.add(t), out.push(t))),
    stderr: (t) => err.push(t),
    flush: () => undefined,
  };
  try {
    await handler(handlerArguments(cwd, args), streams, []);
    return { code: 0, stdout: out.join(''), stderr: err.join('') };
  } catch (error) {
    return { code: 1, stdout: out.join(''), stderr: `${err.join('')}${(error as Error).message}\n` };
  }
}
