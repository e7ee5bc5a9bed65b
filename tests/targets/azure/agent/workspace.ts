/**
 * The agent's disk for one job: a fresh workspace per job (and per deployment lifecycle hook,
 * each of which "resolves into an agent job",
 * https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/jobs-deployment-strategy),
 * the checkout of the repository into it, and the run's pipeline artifacts that move files
 * between jobs.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import picomatch from 'picomatch';

export interface Workspace {
  /** $(Pipeline.Workspace) (Agent.BuildDirectory). */
  root: string;
  /** $(Build.SourcesDirectory) = $(System.DefaultWorkingDirectory) for a single repository. */
  sources: string;
  /** $(Build.ArtifactStagingDirectory). */
  staging: string;
  /** $(Agent.TempDirectory). */
  temp: string;
}

/**
 * Pipeline.Workspace holds `s` (sources), `a` (artifact staging) and `b` (binaries)
 * (https://learn.microsoft.com/azure/devops/pipelines/build/variables#agent-variables).
 */
export function newWorkspace(under: string, name: string): Workspace {
  const root = mkdtempSync(join(under, `${name.replace(/[^\w.-]/g, '_')}-`));
  const ws = { root, sources: join(root, 's'), staging: join(root, 'a'), temp: join(root, '_temp') };
  for (const dir of [ws.sources, ws.staging, join(root, 'b'), ws.temp]) mkdirSync(dir, { recursive: true });
  return ws;
}

export function runDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'mlgen-azure-run-'));
}

/** What `checkout: self` fetches: the repository and the commit the run is for. */
export interface Source {
  /** A git repository standing for the Azure Repos / GitHub repository (origin). */
  repo: string;
  /** Build.SourceVersion: the commit checked out (a pull request's merge commit). */
  commit: string;
}

/**
 * `checkout: self` into $(Build.SourcesDirectory): the tracked files at Build.SourceVersion
 * with origin's branches as remote-tracking refs. `fetchDepth` 0 is the whole history; unset,
 * new pipelines fetch one commit (shallow fetch, depth 1, is the default for pipelines created
 * since September 2022: https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/steps-checkout#shallow-fetch).
 */
export function checkout(ws: Workspace, source: Source, fetchDepth: number | undefined): string {
  const depth = fetchDepth === undefined ? 1 : fetchDepth;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws.sources, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q');
  git('remote', 'add', 'origin', `file://${source.repo}`);
  const deep = depth > 0 ? [`--depth=${depth}`] : [];
  git('fetch', '-q', '--no-tags', ...deep, 'origin', '+refs/heads/*:refs/remotes/origin/*');
  git('fetch', '-q', '--no-tags', ...deep, 'origin', source.commit);
  git('checkout', '-q', '--detach', source.commit);
  return `Checked out ${source.commit} (fetchDepth ${depth === 0 ? 'full' : depth})`;
}

/** A path as a task input gives it: absolute, or relative to $(System.DefaultWorkingDirectory). */
export function resolveIn(ws: Workspace, path: string): string {
  return isAbsolute(path) ? path : join(ws.sources, path);
}

/**
 * CopyFiles@2: files under SourceFolder matching the minimatch patterns of Contents (one a
 * line; `!` excludes) copied to TargetFolder, keeping their relative paths; no match is not an
 * error (https://learn.microsoft.com/azure/devops/pipelines/tasks/reference/copy-files-v2).
 */
export function copyFiles(sourceFolder: string, contents: string, targetFolder: string): string[] {
  const patterns = contents.split('\n').map((p) => p.trim()).filter(Boolean);
  const include = patterns.filter((p) => !p.startsWith('!')).map((p) => picomatch(p, { dot: true }));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => picomatch(p.slice(1), { dot: true }));
  const copied: string[] = [];
  for (const file of filesUnder(sourceFolder)) {
    const rel = relative(sourceFolder, file);
    if (!include.some((m) => m(rel)) || exclude.some((m) => m(rel))) continue;
    mkdirSync(dirname(join(targetFolder, rel)), { recursive: true });
    cpSync(file, join(targetFolder, rel));
    copied.push(rel);
  }
  mkdirSync(targetFolder, { recursive: true });
  return copied;
}

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !join(e.parentPath ?? e.path, e.name).split('/').includes('.git'))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
}

/**
 * The run's pipeline artifacts (https://learn.microsoft.com/azure/devops/pipelines/artifacts/pipeline-artifacts):
 * published once per name per run (a second publish of a name fails), downloaded by any later
 * job of the run; a name that was never published fails the download.
 */
export class ArtifactStore {
  readonly published = new Map<string, { dir: string; by: string }>();

  constructor(private readonly dir: string) {}

  publish(name: string, path: string, by: string): string {
    if (this.published.has(name)) throw new Error(`Artifact ${name} already exists for build (published by ${this.published.get(name)?.by})`);
    if (!existsSync(path)) throw new Error(`Path does not exist: ${path}`);
    const target = join(this.dir, name);
    if (statSync(path).isDirectory()) cpSync(path, target, { recursive: true });
    else {
      mkdirSync(target, { recursive: true });
      cpSync(path, join(target, path.split('/').at(-1) ?? 'file'));
    }
    this.published.set(name, { dir: target, by });
    return `Uploaded ${filesUnder(target).length} files as artifact ${name}`;
  }

  /** Every file of the artifact into `targetPath`; the names the run published, when none is given. */
  download(name: string | undefined, targetPath: string): string {
    const names = name ? [name] : [...this.published.keys()];
    for (const n of names) {
      const found = this.published.get(n);
      if (!found) throw new Error(`Artifact ${n} was not found for build.`);
      // One artifact of several goes to a folder of its name (the task's documented layout).
      cpSync(found.dir, name ? targetPath : join(targetPath, n), { recursive: true });
    }
    return `Downloaded ${names.join(', ') || 'no artifacts'} to ${targetPath}`;
  }

  files(name: string): string[] {
    const found = this.published.get(name);
    return found ? filesUnder(found.dir).map((f) => relative(found.dir, f)) : [];
  }
}
