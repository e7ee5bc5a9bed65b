/**
 * Puts the recording stand-ins (./bin: docker, helm, kubectl, az; checks in ./lib/standin.mjs)
 * first on PATH for a test, and reads back what they were called with.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const STANDIN_BIN = new URL('./bin/', import.meta.url).pathname.replace(/\/$/, '');

export interface StandinOptions {
  /** MLGEN_IMAGE, the tag docker build and push must use (a workflow's own env wins over it). */
  image?: string;
  /** Paths the docker build context must hold; default `model/` (the stand-in's default). */
  expectContext?: string[];
  /** `<tool>[:<subcommand>]` calls that fail on purpose. */
  fail?: string[];
  /** More environment variables to record with each call. */
  recordEnv?: string[];
}

export interface StandinEnvironment {
  /** Merge into the environment of the process under test (PATH already has the stand-ins first). */
  env: Record<string, string>;
  logFile: string;
  /** An empty DOCKER_CONFIG, so the host's docker credentials never count as a login. */
  dockerConfig: string;
}

export function standinEnvironment(options: StandinOptions = {}): StandinEnvironment {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-standins-'));
  const dockerConfig = join(dir, 'docker-config');
  mkdirSync(dockerConfig);
  const logFile = join(dir, 'calls.jsonl');
  const env: Record<string, string> = {
    PATH: [STANDIN_BIN, process.env.PATH ?? ''].join(delimiter),
    MLGEN_STANDIN_LOG: logFile,
    DOCKER_CONFIG: dockerConfig,
  };
  if (options.image !== undefined) env.MLGEN_IMAGE = options.image;
  if (options.expectContext) env.MLGEN_STANDIN_EXPECT_CONTEXT = options.expectContext.join(',');
  if (options.fail?.length) env.MLGEN_STANDIN_FAIL = options.fail.join(',');
  if (options.recordEnv?.length) env.MLGEN_STANDIN_ENV = options.recordEnv.join(',');
  return { env, logFile, dockerConfig };
}

/** One call of a stand-in, as logged. */
export interface StandinCall {
  tool: 'docker' | 'helm' | 'kubectl' | 'az';
  subcommand: string;
  /** The arguments, passwords given with -p masked. */
  argv: string[];
  cwd: string;
  /** The CI job the call came from (e.g. `github:1:package`). */
  job: string;
  env: Record<string, string>;
  ok: boolean;
  /** Why the stand-in refused the call. */
  message?: string;
  /** docker build/tag/pull: the images it made known to the job. */
  images?: string[];
  /** docker login/logout: the registry. */
  registry?: string;
}

export function readStandinLog(logFile: string): StandinCall[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StandinCall);
}
