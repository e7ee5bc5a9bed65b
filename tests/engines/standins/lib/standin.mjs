// Recording stand-ins for tools that cannot run on the test machine (no Docker daemon, no
// cluster, no cloud account): docker, helm, kubectl and az. Each call appends one JSON line to
// $MLGEN_STANDIN_LOG (argv, working directory, job, selected environment, verdict) and CHECKS
// what it is given, failing with a message and exit 1 the way the real tool would refuse:
//
// - docker build: the context is a directory holding $MLGEN_STANDIN_EXPECT_CONTEXT (comma
//   separated paths, default `model/`; empty disables) and a Dockerfile; a -t tag is $MLGEN_IMAGE.
// - docker push: the image was built or tagged in the same job, and the registry was logged
//   into in the same job (or DOCKER_CONFIG's config.json holds its credentials or a helper).
// - docker login: a user name and a non-empty password (stdin with --password-stdin).
// - docker run: the working directory is in a bind mount; the command runs on the host with only
//   the variables the command line passes (see docker.mjs checkRun).
// - helm install/upgrade: a local chart is a directory with Chart.yaml; kubectl apply -f: the files exist.
//
// MLGEN_STANDIN_FAIL=<tool>[:<subcommand>][,...] makes a call fail on purpose (a negative control).
// Usage (through bin/<tool>): node standin.mjs <tool> <args...>
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { checkDocker, dockerSubcommand } from './docker.mjs';

const [tool, ...argv] = process.argv.slice(2);

/** A job's identity, so "in the same job" means what it means on each CI system. */
function jobKey(env) {
  if (env.MLGEN_STANDIN_JOB) return env.MLGEN_STANDIN_JOB;
  if (env.GITHUB_JOB) return `github:${env.GITHUB_RUN_ID ?? ''}:${env.GITHUB_JOB}`;
  if (env.CI_JOB_ID) return `gitlab:${env.CI_JOB_ID}`;
  if (env.SYSTEM_JOBID) return `azure:${env.SYSTEM_JOBID}`;
  if (env.BUILD_TAG) return `jenkins:${env.BUILD_TAG}:${env.STAGE_NAME ?? ''}`;
  return 'host';
}

const SELECTED_ENV = ['GITHUB_JOB', 'GITHUB_RUN_ID', 'GITHUB_SHA', 'GITHUB_REF', 'CI_JOB_NAME', 'CI_JOB_ID', 'SYSTEM_JOBID', 'AGENT_JOBNAME', 'BUILD_TAG', 'STAGE_NAME', 'DOCKER_CONFIG', 'KUBECONFIG'];

function selectedEnv(env) {
  const extra = (env.MLGEN_STANDIN_ENV ?? '').split(',').filter(Boolean);
  const names = [...SELECTED_ENV, ...extra, ...Object.keys(env).filter((k) => k.startsWith('MLGEN_'))];
  return Object.fromEntries([...new Set(names)].sort().filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
}

/** The first word that is not an option: `docker --config x push img` → push. */
export function subcommandOf(args) {
  return args.find((a) => !a.startsWith('-')) ?? '';
}

function readLog(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

function readStdin() {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

function checkHelm(args, ctx) {
  const sub = subcommandOf(args);
  if (sub !== 'install' && sub !== 'upgrade') return undefined;
  const positional = args.filter((a) => !a.startsWith('-') && a !== sub);
  const chart = positional[1];
  if (!chart) return `helm ${sub}: needs a release name and a chart`;
  const local = chart.startsWith('.') || chart.startsWith('/');
  if (local && !existsSync(`${ctx.resolve(chart)}/Chart.yaml`)) return `helm ${sub}: chart '${chart}' is not a directory with Chart.yaml (cwd ${process.cwd()})`;
  return undefined;
}

function checkKubectl(args, ctx) {
  if (subcommandOf(args) !== 'apply') return undefined;
  for (let i = 0; i < args.length; i++) {
    const file = args[i] === '-f' || args[i] === '--filename' ? args[i + 1] : args[i].startsWith('--filename=') ? args[i].slice(11) : undefined;
    if (file && file !== '-' && !existsSync(ctx.resolve(file))) return `kubectl apply: ${file} does not exist (cwd ${process.cwd()})`;
  }
  return undefined;
}

function main() {
  const env = process.env;
  const logFile = env.MLGEN_STANDIN_LOG;
  if (!logFile) {
    process.stderr.write(`stand-in ${tool}: MLGEN_STANDIN_LOG is not set; the stand-ins record every call and run only under a test that reads the log\n`);
    return 2;
  }
  const job = jobKey(env);
  const sub = tool === 'docker' ? dockerSubcommand(argv) : subcommandOf(argv);
  const ctx = {
    env,
    job,
    // The calls this job made before, so push can see its login and build.
    earlier: () => readLog(logFile).filter((e) => e.job === job && e.ok),
    resolve: (p) => (p.startsWith('/') ? p : `${process.cwd()}/${p}`),
    stdin: readStdin,
  };
  let failure;
  let recorded = argv;
  let extra = {};
  let stdout;
  let run;
  const forced = (env.MLGEN_STANDIN_FAIL ?? '').split(',').filter(Boolean).find((spec) => {
    const [t, s] = spec.split(':');
    return t === tool && (!s || s === sub);
  });
  if (forced) failure = `failing '${tool} ${sub}' on purpose: MLGEN_STANDIN_FAIL=${env.MLGEN_STANDIN_FAIL}`;
  else if (tool === 'docker') ({ failure, recorded, extra = {}, stdout, run } = checkDocker(argv, ctx));
  else if (tool === 'helm') failure = checkHelm(argv, ctx);
  else if (tool === 'kubectl') failure = checkKubectl(argv, ctx);
  const entry = { tool, subcommand: sub, argv: recorded, cwd: process.cwd(), job, env: selectedEnv(env), ...extra, ok: !failure, ...(failure ? { message: failure } : {}) };
  // One write of one line: O_APPEND keeps concurrent jobs' lines whole.
  appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
  if (failure) {
    process.stderr.write(`stand-in ${tool}: ${failure}\n`);
    return 1;
  }
  // docker run: the container's command, on the host, with the container's environment (docker.mjs checkRun).
  if (run) return spawnSync(run.command[0], run.command.slice(1), { cwd: run.cwd, env: run.env, stdio: 'inherit' }).status ?? 1;
  // A command whose output callers parse (docker image inspect) prints that output alone.
  process.stdout.write(stdout ?? `stand-in ${tool}: recorded '${tool} ${recorded.join(' ')}'\n`);
  return 0;
}

process.exitCode = main();
