/**
 * The stand-ins for the actions mlgen's workflows use (./actions/<name>/), built for act.
 *
 * act copies an action's directory and runs `node <main>` from it, without `npm install`, so
 * each stand-in's main.mjs and post.mjs are bundled with esbuild (with @actions/core, /cache,
 * /artifact inside) into main.cjs and post.cjs beside a copy of its action.yml.
 */
import { build, type Plugin } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const SOURCES = new URL('./actions/', import.meta.url).pathname;

/** `owner/repo` of each action a stand-in replaces → its directory under ./actions/. */
export const STANDIN_ACTIONS: Readonly<Record<string, string>> = {
  'actions/checkout': 'checkout',
  'actions/setup-python': 'setup-python',
  'actions/cache': 'cache',
  'actions/upload-artifact': 'upload-artifact',
  'actions/download-artifact': 'download-artifact',
  'docker/login-action': 'docker-login',
  'actions/github-script': 'github-script',
};

/**
 * act v0.2.89 signs artifact URLs with padded base64url (`sig=...=`) and @azure/core-client's
 * simpleParseQueryParams keeps only what precedes a value's own `=` (`pair.split("=", 2)`), so
 * @actions/artifact's block upload reaches act without the padding and act answers
 * "Error unauthorized" (nektos/act#6021, fix proposed in nektos/act#6099). This splits each
 * pair at its first `=` only. It fails the build when the line is gone, so an upgrade that
 * fixes or moves it is noticed.
 */
const QUERY_SPLIT = 'const [name, value] = pair.split("=", 2);';
const keepQueryPadding: Plugin = {
  name: 'keep-query-padding',
  setup(b) {
    b.onLoad({ filter: /@azure[\\/]core-client[\\/]dist[\\/].*urlHelpers\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(QUERY_SPLIT)) throw new Error(`${args.path}: the query split patched for nektos/act#6021 is gone; check whether the patch is still needed`);
      const fixed = text.replace(QUERY_SPLIT, 'const eq = pair.indexOf("="); const name = eq < 0 ? pair : pair.slice(0, eq); const value = eq < 0 ? undefined : pair.slice(eq + 1);');
      return { contents: fixed, loader: 'js' };
    });
  },
};

let bundled: Promise<string> | undefined;

/** A directory holding every stand-in, ready for act; built once per test process. */
export function bundleStandinActions(): Promise<string> {
  bundled ??= (async () => {
    const out = mkdtempSync(join(tmpdir(), 'mlgen-standin-actions-'));
    // 25 MB of bundles per test process: gone when the process ends.
    process.once('exit', () => rmSync(out, { recursive: true, force: true }));
    for (const name of Object.values(STANDIN_ACTIONS)) {
      const dest = join(out, name);
      mkdirSync(dest, { recursive: true });
      copyFileSync(join(SOURCES, name, 'action.yml'), join(dest, 'action.yml'));
      for (const entry of ['main', 'post']) {
        const source = join(SOURCES, name, `${entry}.mjs`);
        if (!existsSync(source)) continue;
        await build({ entryPoints: [source], outfile: join(dest, `${entry}.cjs`), bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error', plugins: [keepQueryPadding] });
      }
    }
    return out;
  })();
  return bundled;
}

/** Every `uses:` of the workflows' steps and jobs. */
export function usesOf(workflowTexts: readonly string[]): string[] {
  const uses = new Set<string>();
  for (const text of workflowTexts) {
    const jobs = (parse(text) as { jobs?: Record<string, { uses?: string; steps?: { uses?: string }[] }> } | null)?.jobs ?? {};
    for (const job of Object.values(jobs)) {
      if (job.uses) uses.add(job.uses);
      for (const step of job.steps ?? []) if (step.uses) uses.add(step.uses);
    }
  }
  return [...uses].sort();
}

/**
 * act's `--local-repository owner/repo@ref=<dir>` for each `uses:`, so no action is fetched from
 * github.com (unreachable here). An action without a stand-in is an error naming it: act would
 * otherwise try the network and fail with a clone error far from the cause.
 */
export function localRepositoryFlags(workflowTexts: readonly string[], standinDir: string): string[] {
  const flags: string[] = [];
  for (const uses of usesOf(workflowTexts)) {
    if (uses.startsWith('./') || uses.startsWith('docker://')) continue;
    const [path = '', ref] = uses.split('@');
    const repository = path.split('/').slice(0, 2).join('/');
    const standin = STANDIN_ACTIONS[repository];
    if (!standin || path !== repository || !ref) {
      throw new Error(`no stand-in action for '${uses}': add one under tests/engines/github/actions/ and to STANDIN_ACTIONS`);
    }
    flags.push('--local-repository', `${uses}=${join(standinDir, standin)}`);
  }
  return flags;
}
