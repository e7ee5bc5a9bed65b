// The docker stand-in's checks (see standin.mjs). Option names follow `docker build --help`,
// `docker login --help` and `docker push --help` (Docker CLI 27).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Global options before the subcommand that take a value. */
const GLOBAL_VALUED = new Set(['--config', '-c', '--context', '-H', '--host', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey']);
/** build options that take a value (the rest are flags). */
const BUILD_VALUED = new Set([
  '-t', '--tag', '-f', '--file', '--build-arg', '--label', '--platform', '--target', '--cache-from', '--cache-to', '--secret', '--ssh',
  '--network', '--progress', '--iidfile', '-o', '--output', '--add-host', '--build-context', '--metadata-file', '--shm-size', '--ulimit',
  '--allow', '--annotation', '--attest', '--builder', '--call', '--cgroup-parent', '-m', '--memory', '--memory-swap', '--cpu-shares',
  '--cpuset-cpus', '--isolation', '--security-opt',
]);
const LOGIN_VALUED = new Set(['-u', '--username', '-p', '--password']);
/** run options that take a value (`docker run --help`); the first positional is the image, the rest its command. */
const RUN_VALUED = new Set(['-v', '--volume', '-w', '--workdir', '-u', '--user', '-e', '--env', '--env-file', '--entrypoint', '--gpus', '--name', '--network', '-p', '--publish', '--mount', '--platform']);

/** The subcommand of a docker command line (`docker --config d image push x` → push). */
export function dockerSubcommand(argv) {
  return split(argv).sub;
}

/** `{ globals, sub, rest }` with global options and the `image`/`buildx` group word removed. */
function split(argv) {
  const globals = {};
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) {
    const [name, inline] = argv[i].split('=', 2);
    if (GLOBAL_VALUED.has(name) && inline === undefined) {
      globals[name] = argv[i + 1];
      i += 2;
    } else {
      globals[name] = inline ?? true;
      i += 1;
    }
  }
  let sub = argv[i] ?? '';
  let rest = argv.slice(i + 1);
  if ((sub === 'image' || sub === 'buildx') && rest.length > 0) {
    sub = rest[0];
    rest = rest.slice(1);
  }
  return { globals, sub, rest };
}

/** Options (repeatable: each a list) and positionals of a subcommand's arguments. */
function options(rest, valued) {
  const opts = {};
  const positional = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    let value = eq < 0 ? true : arg.slice(eq + 1);
    if (eq < 0 && valued.has(name)) value = rest[++i];
    (opts[name] ??= []).push(value);
  }
  return { opts, positional };
}

const pick = (opts, ...names) => names.flatMap((n) => opts[n] ?? []);

const DOCKER_HUB = /^(index\.|registry-1\.)?docker\.io$/;

/** The registry a login server names: `https://index.docker.io/v1/` and `docker.io` are Docker Hub. */
export function registryOfServer(server) {
  const host = server.replace(/^https?:\/\//, '').split('/')[0];
  return DOCKER_HUB.test(host) ? 'docker.io' : host;
}

/** The registry of an image reference, as docker reads it: a first part with `.` or `:` (or localhost) is a host. */
export function registryOfImage(image) {
  const first = image.split('/')[0];
  if (!image.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost')) return 'docker.io';
  return registryOfServer(first);
}

/** The image's name without its tag or digest. */
const repositoryOf = (image) => image.replace(/@.*$/, '').replace(/:[^/:]+$/, '');

function checkTags(tags, env) {
  const image = env.MLGEN_IMAGE;
  if (!image) return 'MLGEN_IMAGE is not set in this job: the image tag cannot be checked against it';
  if (tags.length === 0) return `no -t tag: expected -t ${image}`;
  if (!tags.includes(image)) return `the -t tag is ${tags.join(', ')}, expected MLGEN_IMAGE=${image}`;
  const stray = tags.filter((t) => repositoryOf(t) !== repositoryOf(image));
  if (stray.length > 0) return `tag ${stray.join(', ')} is not of ${repositoryOf(image)}`;
  return undefined;
}

function checkBuild(rest, ctx) {
  const { opts, positional } = options(rest, BUILD_VALUED);
  if (positional.length !== 1) return `docker build takes exactly one context (a directory), got ${positional.length ? positional.join(' ') : 'none'}`;
  const context = ctx.resolve(positional[0]);
  if (!existsSync(context) || !statSync(context).isDirectory()) return `the build context ${positional[0]} is not a directory (cwd ${process.cwd()})`;
  const dockerfile = pick(opts, '-f', '--file')[0] ?? join(positional[0], 'Dockerfile');
  if (dockerfile !== '-' && !existsSync(ctx.resolve(dockerfile))) return `no Dockerfile: ${dockerfile} does not exist (cwd ${process.cwd()})`;
  const expected = (ctx.env.MLGEN_STANDIN_EXPECT_CONTEXT ?? 'model/').split(',').map((p) => p.trim()).filter(Boolean);
  for (const path of expected) {
    const full = join(context, path);
    if (!existsSync(full)) return `the build context ${positional[0]} has no ${path} (MLGEN_STANDIN_EXPECT_CONTEXT): the trained model was not in the image's context`;
    if (statSync(full).isDirectory() && readdirSync(full).length === 0) return `${path} in the build context ${positional[0]} is empty: the trained model was not in the image's context`;
  }
  const tagProblem = checkTags(pick(opts, '-t', '--tag'), ctx.env);
  if (tagProblem) return tagProblem;
  if (pick(opts, '--push').length > 0) return loginProblem(ctx.env.MLGEN_IMAGE, ctx);
  return undefined;
}

/** Whether docker's config (DOCKER_CONFIG, --config, ~/.docker) already holds credentials for the registry. */
function configuredCredentials(registry, ctx) {
  const dir = ctx.configDir ?? ctx.env.DOCKER_CONFIG ?? join(ctx.env.HOME ?? '', '.docker');
  const file = join(dir, 'config.json');
  if (!existsSync(file)) return false;
  const config = JSON.parse(readFileSync(file, 'utf8'));
  if (config.credsStore) return true;
  const keys = [...Object.keys(config.auths ?? {}), ...Object.keys(config.credHelpers ?? {})];
  return keys.some((k) => registryOfServer(k) === registry);
}

function loginProblem(image, ctx) {
  const registry = registryOfImage(image);
  // The last login or logout of this registry in this job decides.
  const last = ctx
    .earlier()
    .filter((e) => e.tool === 'docker' && (e.subcommand === 'login' || e.subcommand === 'logout') && e.registry === registry)
    .at(-1);
  if (last?.subcommand === 'login') return undefined;
  if (!last && configuredCredentials(registry, ctx)) return undefined;
  return `push to ${registry} without a docker login to it earlier in this job (${ctx.job})${last ? ': it logged out' : ''}; denied: requested access to the resource is denied`;
}

function checkPush(rest, ctx) {
  const { positional } = options(rest, new Set(['--platform']));
  if (positional.length !== 1) return `docker push takes one image, got ${positional.join(' ') || 'none'}`;
  const image = positional[0];
  const built = ctx.earlier().some((e) => e.tool === 'docker' && (e.images ?? []).includes(image));
  if (!built) return `An image does not exist locally with the tag: ${image} (no docker build or tag of it earlier in this job)`;
  return loginProblem(image, ctx);
}

/** Returns `{ sub, failure?, recorded, extra? }`: the verdict and what to write to the log (passwords masked). */
export function checkDocker(argv, ctx) {
  const { globals, sub, rest } = split(argv);
  if (globals['--config']) ctx.configDir = ctx.resolve(globals['--config']);
  const result = (r) => ({ sub, ...r });
  const masked = argv.map((a, i) => (['-p', '--password'].includes(argv[i - 1]) ? '***' : a.startsWith('--password=') ? '--password=***' : a));
  if (sub === 'build') {
    const failure = checkBuild(rest, ctx);
    return result({ failure, recorded: masked, extra: { images: pick(options(rest, BUILD_VALUED).opts, '-t', '--tag') } });
  }
  if (sub === 'tag') {
    const [source, target] = options(rest, new Set()).positional;
    const known = ctx.earlier().some((e) => e.tool === 'docker' && (e.images ?? []).includes(source));
    const failure = !target ? 'docker tag takes a source and a target image' : known ? undefined : `No such image: ${source} (not built, pulled or tagged earlier in this job)`;
    return result({ failure, recorded: masked, extra: { images: target ? [target] : [] } });
  }
  if (sub === 'pull') return result({ recorded: masked, extra: { images: options(rest, new Set(['--platform'])).positional } });
  // `docker image inspect NAME…` prints a JSON array, one object per image (docs.docker.com/reference/cli/docker/image/inspect/);
  // gitlab-ci-local reads a service image's Config.ExposedPorts from it. A stand-in image exposes no port.
  if (sub === 'inspect') {
    const names = options(rest, new Set(['-f', '--format', '--platform'])).positional;
    return result({ recorded: masked, stdout: `${JSON.stringify(names.map((name) => ({ Id: `sha256:standin-${name}`, RepoTags: [name], Config: { ExposedPorts: null } })))}\n` });
  }
  if (sub === 'push') return result({ failure: checkPush(rest, ctx), recorded: masked });
  if (sub === 'run') return result({ ...checkRun(rest, ctx), recorded: masked });
  if (sub === 'login' || sub === 'logout') {
    const { opts, positional } = options(rest, LOGIN_VALUED);
    const registry = registryOfServer(positional[0] ?? 'docker.io');
    if (sub === 'logout') return result({ recorded: masked, extra: { registry } });
    const user = pick(opts, '-u', '--username')[0];
    const password = pick(opts, '--password-stdin').length > 0 ? ctx.stdin().replace(/\r?\n$/, '') : pick(opts, '-p', '--password')[0];
    let failure;
    if (!user) failure = 'docker login: no --username (a CI job cannot answer the prompt)';
    else if (!password) failure = `docker login: the password is empty${pick(opts, '--password-stdin').length ? ' (nothing came on stdin: is the secret set?)' : ''}`;
    return result({ failure, recorded: masked, extra: { registry } });
  }
  return result({ recorded: masked });
}

/**
 * `docker run IMAGE` with no daemon: the container's command runs on the host, in the working
 * directory, with only the environment docker would give it: the `--env NAME=value` and
 * `--env NAME` (the caller's value, if set) it names, and PATH for the host's tools. So a
 * variable the command line does not pass is missing, as in a real container. The stand-in
 * emulates only a bind mount at the same path (what mlgen prints): it refuses a working
 * directory outside every mount, and an image run without --entrypoint (it cannot know the
 * image's own).
 */
function checkRun(rest, ctx) {
  const image = rest.findIndex((arg, i) => !arg.startsWith('-') && !(RUN_VALUED.has(rest[i - 1]) && !rest[i - 1].includes('=')));
  if (image < 0) return { failure: 'docker run: no image' };
  const { opts } = options(rest.slice(0, image), RUN_VALUED);
  const args = rest.slice(image + 1);
  const mounts = pick(opts, '-v', '--volume').map((v) => v.split(':'));
  for (const [source, target] of mounts) {
    if (source !== target) return { failure: `docker run: the stand-in runs only bind mounts at the same path, not ${source}:${target}` };
    if (!existsSync(source)) return { failure: `docker run: the mount source ${source} does not exist` };
  }
  const workdir = pick(opts, '-w', '--workdir').at(-1);
  if (!workdir || !mounts.some(([source]) => workdir === source || workdir.startsWith(`${source}/`))) {
    return { failure: `docker run: the working directory ${workdir ?? '(none)'} is not inside a mounted volume: the job's files would not be there` };
  }
  const entrypoint = pick(opts, '--entrypoint').at(-1);
  if (!entrypoint) return { failure: `docker run ${rest[image]}: the stand-in cannot know the image's entrypoint; pass --entrypoint` };
  const env = { PATH: ctx.env.PATH };
  for (const spec of pick(opts, '-e', '--env')) {
    const eq = spec.indexOf('=');
    if (eq >= 0) env[spec.slice(0, eq)] = spec.slice(eq + 1);
    else if (ctx.env[spec] !== undefined) env[spec] = ctx.env[spec];
  }
  // The stand-ins' own settings, so tools called inside record into the same log as the same job.
  for (const [name, value] of Object.entries(ctx.env)) if (name.startsWith('MLGEN_STANDIN_')) env[name] = value;
  env.MLGEN_STANDIN_JOB = ctx.job;
  const user = pick(opts, '-u', '--user').at(-1);
  return { extra: { image: rest[image], user, passed: Object.keys(env).filter((k) => !k.startsWith('MLGEN_STANDIN_') && k !== 'PATH').sort() }, run: { command: [entrypoint, ...args], cwd: workdir, env } };
}
