/**
 * The draft manifest from what the readers found: a plain manifest object, and for each key
 * path the places it came from, so the written file can say so next to the key.
 */
import { checkName, classify, imageOfBuild, slugOf, uniqueNames, type ClassifiedCommand } from './classify.js';
import type { ForeignPipeline, Origin, Skipped } from './types.js';
import type { TargetId } from '../../manifest/index.js';

export interface ImportDraft {
  manifest: Record<string, unknown>;
  /** Key path ("train.run", "checks.0") -> where it was read. */
  origins: Map<string, Origin[]>;
  skipped: Skipped[];
}

type Section = 'data' | 'checks' | 'train' | 'package' | 'deploy' | 'predict' | 'notify';

const SECTION_OF: Partial<Record<ClassifiedCommand['role'], Section>> = {
  pull: 'data',
  'data-test': 'data',
  check: 'checks',
  train: 'train',
  evaluate: 'train',
  'image-build': 'package',
  'image-push': 'package',
  'registry-login': 'package',
  deploy: 'deploy',
  predict: 'predict',
};

export function draftFrom(pipelines: readonly ForeignPipeline[], fallback: { name: string; branch: string }): ImportDraft {
  const origins = new Map<string, Origin[]>();
  const skipped = pipelines.flatMap((p) => p.skipped);
  const note = (path: string, ...from: Origin[]) => origins.set(path, [...(origins.get(path) ?? []), ...from.map(({ file, line }) => ({ file, line }))]);
  const commands = pipelines.flatMap((p) => classify(p.jobs));
  const of = (...roles: ClassifiedCommand['role'][]) => commands.filter((c) => roles.includes(c.role));
  const manifest: Record<string, unknown> = { version: 1, name: fallback.name, targets: [...new Set(pipelines.map((p) => p.platform))] as TargetId[] };

  const defaults: Record<string, unknown> = {};
  const python = pipelines.find((p) => p.python)?.python;
  const image = pipelines.find((p) => p.defaultImage)?.defaultImage;
  const pythonOfImage = image ? /^python:(3\.\d+)/.exec(image.value)?.[1] : undefined;
  if (python && /^3\.\d+$/.test(python.value)) (defaults.python = python.value), note('defaults.python', python);
  else if (pythonOfImage && image) (defaults.python = pythonOfImage), note('defaults.python', image);
  if (image) (defaults.image = image.value), note('defaults.image', image);
  const installs = dedupe(of('install').map((c) => ({ ...c, value: withoutUserFlag(c, skipped) })));
  if (installs.length > 0) {
    defaults.install = installs.length === 1 ? installs[0]!.value : installs.map((c) => c.value);
    note('defaults.install', ...installs);
  }
  const timeout = pipelines.find((p) => p.defaultTimeoutMinutes)?.defaultTimeoutMinutes;
  if (timeout) (defaults.timeout = `${timeout.value}m`), note('defaults.timeout', timeout);
  const branches = dedupe(pipelines.flatMap((p) => p.branches));
  defaults.branch = branches.length === 1 ? branches[0]!.value : fallback.branch;
  if (branches.length === 1) note('defaults.branch', branches[0]!);
  else if (branches.length > 1) skipped.push({ ...branches[1]!, what: `push branches ${branches.map((b) => b.value).join(', ')}`, why: `mlgen has one release branch; the draft uses ${String(defaults.branch)}` });
  manifest.defaults = defaults;

  const pulls = of('pull').sort((a, b) => a.value.length - b.value.length);
  const dataTests = uniqueNames(of('data-test').map((c) => ({ name: slugOf(c.job.name), run: c.value, from: c })));
  if (pulls.length > 0 || dataTests.length > 0) {
    const data: Record<string, unknown> = {};
    if (pulls[0]) (data.pull = pulls[0].value), note('data.pull', pulls[0]);
    if (dataTests.length > 0) data.tests = dataTests.map(({ name, run, from }, i) => (note(`data.tests.${i}`, from), { name, run }));
    manifest.data = data;
  }
  const checks = uniqueNames(dedupe(of('check')).map((c) => ({ name: checkName(c.value), run: c.value, from: c })));
  if (checks.length > 0) manifest.checks = checks.map(({ name, run, from }, i) => (note(`checks.${i}`, from), { name, run }));

  const training = of('train', 'evaluate').filter((c) => c.job.runsOn !== 'schedule' || !of('predict').some((p) => p.job === c.job));
  const trainJob = training[0]?.job;
  if (training.length > 0 && trainJob) {
    const train: Record<string, unknown> = { run: dedupe(training).map((c) => c.value).join(' && ') };
    note('train.run', ...dedupe(training));
    if (trainJob.runner) (train.runner = trainJob.runner.value.length === 1 ? trainJob.runner.value[0] : trainJob.runner.value), note('train.runner', trainJob.runner);
    if (trainJob.image && trainJob.image.value !== image?.value) (train.image = trainJob.image.value), note('train.image', trainJob.image);
    if (trainJob.timeoutMinutes) (train.timeout = `${trainJob.timeoutMinutes.value}m`), note('train.timeout', trainJob.timeoutMinutes);
    if (trainJob.artifacts) (train.artifacts = trainJob.artifacts.value), note('train.artifacts', trainJob.artifacts);
    if (of('evaluate').length > 0) skipped.push({ ...of('evaluate')[0]!, what: `the evaluation "${of('evaluate')[0]!.value}"`, why: 'it runs after training in train.run; add evaluate.metrics and gates so the pipeline stops on a bad model' });
    if (trainJob.runsOn === 'release') skipped.push({ file: trainJob.file, line: trainJob.line, what: `job ${trainJob.name} trained only on the release branch`, why: 'mlgen trains on every change that touches train.paths: set train.paths to what training reads' });
    manifest.train = train;
  } else {
    skipped.push({ file: pipelines[0]?.file ?? '', line: 1, what: 'a training command', why: 'none was found: the draft trains with "python train.py"; change train.run' });
    manifest.train = { run: 'python train.py' };
  }

  const builds = of('image-build');
  const builtImage = builds.map((c) => imageOfBuild(c.value)).find((i) => i !== undefined);
  if (builds[0] && builtImage) {
    manifest.package = { image: builtImage };
    note('package.image', builds[0]);
    for (const login of of('registry-login')) skipped.push({ ...login, what: `the registry login "${login.value}"`, why: 'mlgen logs in before the push with the registry secrets of each platform (docs/<platform>.md)' });
  }

  const deploys = of('deploy');
  if (deploys.length > 0) manifest.deploy = deploySection(deploys, note);
  const predicts = of('predict');
  const pipelinesKey: Record<string, unknown> = {};
  if (predicts[0]) {
    const owner = pipelines.find((p) => p.jobs.includes(predicts[0]!.job))!;
    const cron = owner.schedules[0];
    if (cron) {
      pipelinesKey.predict = { schedule: cron.value, run: dedupe(predicts).map((c) => c.value).join(' && ') };
      note('pipelines.predict', cron, ...predicts);
    } else {
      skipped.push({ ...predicts[0], what: `the batch prediction "${predicts[0].value}"`, why: 'its schedule is not in the file: add pipelines.predict with its cron and this run' });
    }
  }
  const retrainCron = pipelines.find((p) => p.schedules.length > 0 && !p.jobs.some((j) => of('predict').some((c) => c.job === j)))?.schedules[0];
  if (retrainCron && manifest.train && training.length > 0) {
    pipelinesKey.retrain = { deploy: false, triggers: [{ mode: 'full', schedule: retrainCron.value }] };
    note('pipelines.retrain', retrainCron);
  }
  if (Object.keys(pipelinesKey).length > 0) manifest.pipelines = pipelinesKey;

  const secrets = secretsBySection(pipelines, commands);
  if (secrets.list.length > 0) {
    manifest.secrets = secrets.list;
    secrets.list.forEach((_, i) => note(`secrets.${i}`, secrets.origins[i]!));
  }
  const failure = pipelines.flatMap((p) => p.onFailure ?? []);
  if (failure[0]) (manifest.notify = { failure: failure.map((c) => c.value).join(' && ') }), note('notify.failure', ...failure);
  for (const c of of('other')) skipped.push({ ...c, what: `the command "${c.value}" in job ${c.job.name}`, why: 'mlgen could not tell which section it belongs to: add it to the section that should run it' });
  return { manifest, origins, skipped };
}

function dedupe<T extends { value: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.value) && seen.add(i.value));
}

/** `pip install --user` fails in the virtualenv every mlgen job installs into. */
function withoutUserFlag(command: ClassifiedCommand, skipped: Skipped[]): string {
  if (!/\s--user\b/.test(command.value)) return command.value;
  skipped.push({ ...command, what: `--user in "${command.value}"`, why: 'mlgen installs into a workspace virtualenv, where --user is refused' });
  return command.value.replace(/\s--user\b/, '');
}

function deploySection(deploys: ClassifiedCommand[], note: (path: string, ...from: Origin[]) => void): Record<string, unknown> {
  const stageOf = (c: ClassifiedCommand) => (/stag/i.test(c.job.environment?.name ?? c.job.name) || /\bstaging\b/.test(c.value) ? 'staging' : 'production');
  const deploy: Record<string, unknown> = {};
  for (const stage of ['staging', 'production'] as const) {
    const mine = deploys.filter((c) => stageOf(c) === stage);
    if (!mine[0]) continue;
    const job = mine[0].job;
    const section: Record<string, unknown> = { run: dedupe(mine).map((c) => c.value).join(' && ') };
    note(`deploy.${stage}.run`, ...mine);
    const url = job.environment?.url;
    if (url && /^https?:\/\//.test(url.value)) (section.url = url.value), note(`deploy.${stage}.url`, url);
    if (stage === 'production' && job.manual) (section.approval = true), note('deploy.production.approval', job);
    deploy[stage] = section;
  }
  const image = deploys.find((c) => c.job.image)?.job.image;
  if (image) (deploy.image = image.value), note('deploy.image', image);
  return deploy;
}

function secretsBySection(pipelines: readonly ForeignPipeline[], commands: ClassifiedCommand[]): { list: unknown[]; origins: Origin[] } {
  const sections = new Map<string, { to: Set<Section>; origin: Origin }>();
  for (const job of pipelines.flatMap((p) => p.jobs)) {
    const roles = commands.filter((c) => c.job === job).map((c) => SECTION_OF[c.role]).filter((s): s is Section => s !== undefined);
    for (const secret of job.secrets) {
      const entry = sections.get(secret.value) ?? { to: new Set<Section>(), origin: secret };
      for (const section of roles.length > 0 ? roles : ['train' as const]) entry.to.add(section);
      sections.set(secret.value, entry);
    }
  }
  const list: unknown[] = [];
  const origins: Origin[] = [];
  for (const [name, { to, origin }] of sections) {
    list.push(to.size >= 4 ? name : { name, to: [...to].sort() });
    origins.push(origin);
  }
  return { list, origins };
}
