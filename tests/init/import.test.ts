/**
 * `mlgen init` from existing CI files (tests/fixtures/import/: CI written in the style of
 * public ML repositories, two GitHub, two GitLab, one Azure, one Jenkins). Each draft must
 * validate, say where each key came from, and generate a pipeline that, as the platform's own
 * tools read it, runs the imported commands on the events the original ran them on.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { importCi, renderDraft } from '../../src/init/import/index.js';
import { loadManifest } from '../../src/manifest/index.js';
import type { Plan, PlanEvent, TargetId } from '../../src/plan/index.js';
import { scratch } from '../files/cli.js';
import { generateFor, type TargetHarness } from '../support/harness.js';
import { azureHarness } from '../support/harness-azure.js';
import { githubHarness } from '../support/harness-github.js';
import { gitlabHarness, removeTemporaryDirectories } from '../support/harness-gitlab.js';
import { jenkinsHarness } from '../support/harness-jenkins.js';

const ROOT = new URL('../fixtures/import/', import.meta.url).pathname;
const BIN = new URL('../../bin/run.js', import.meta.url).pathname;
const HARNESSES: Record<string, TargetHarness> = { github: githubHarness, gitlab: gitlabHarness, azure: azureHarness, jenkins: jenkinsHarness };

function fixtureRepo(name: string) {
  const dir = join(ROOT, name);
  return {
    read: (p: string) => (existsSync(join(dir, p)) ? readFileSync(join(dir, p), 'utf8') : undefined),
    list: (d: string) => (existsSync(join(dir, d)) ? readdirSync(join(dir, d)) : []),
  };
}

function draftOf(name: string) {
  const imported = importCi(fixtureRepo(name), { name, branch: 'main' });
  if (!imported) throw new Error(`${name}: nothing imported`);
  const text = renderDraft(imported, ' yaml-language-server: $schema=./node_modules/mlgen/schemas/mlgen.schema.json');
  return { imported, text };
}

type EventKey = 'pr' | 'push:release' | 'schedule:predict' | 'schedule:retrain';

/**
 * What each original file runs, read by hand from the fixture: for each event, commands it
 * runs then. The generated pipeline must run each of them on that event (it may run more:
 * mlgen trains on every change to train.paths, where some originals train on main alone).
 */
const EXPECTED: Record<string, { platform: TargetId; events: Partial<Record<EventKey, string[]>> }> = {
  'github-sklearn': {
    platform: 'github',
    events: {
      pr: ['ruff check .', 'pytest tests/unit -q'],
      'push:release': ['ruff check .', 'pytest tests/unit -q', 'python src/train.py --out model/ --metrics metrics.json'],
    },
  },
  'github-dvc-gpu': {
    platform: 'github',
    events: {
      pr: ['python scripts/validate_data.py data/raw.csv', 'dvc pull', 'dvc repro train && python scripts/evaluate.py --metrics metrics.json'],
      'push:release': ['python scripts/validate_data.py data/raw.csv', 'dvc repro train && python scripts/evaluate.py --metrics metrics.json'],
      'schedule:predict': ['python src/predict.py --input data/new/ --out predictions/'],
    },
  },
  'gitlab-tabular': {
    platform: 'gitlab',
    events: {
      pr: ['flake8 src tests', 'pytest tests/ --junitxml=report.xml', 'python -m src.data.check_schema data/train.csv'],
      'push:release': ['flake8 src tests', 'pytest tests/ --junitxml=report.xml', 'python -m src.train --config configs/train.yaml'],
    },
  },
  'gitlab-deploy': {
    platform: 'gitlab',
    events: {
      pr: ['pytest -q tests'],
      'push:release': ['pytest -q tests', 'dvc pull', 'python train.py', 'helm upgrade --install price-model chart/ --set image.tag=$MLGEN_VERSION --namespace staging'],
    },
  },
  'azure-churn': {
    platform: 'azure',
    events: {
      pr: ['pytest tests --junitxml=junit.xml', 'ruff check src', 'python scripts/train.py --output artifacts/model'],
      'push:release': ['pytest tests --junitxml=junit.xml', 'ruff check src', 'python scripts/train.py --output artifacts/model'],
      'schedule:retrain': ['python scripts/train.py --output artifacts/model'],
    },
  },
  'jenkins-forecast': {
    platform: 'jenkins',
    events: {
      pr: ['flake8 forecast/', 'pytest tests/ -q'],
      'push:release': ['flake8 forecast/', 'pytest tests/ -q', 'python -m forecast.train --horizon 14 --out model/', './deploy.sh production model/'],
      'schedule:retrain': ['python -m forecast.train --horizon 14 --out model/'],
    },
  },
};

function planEvent(plan: Plan, key: EventKey): PlanEvent {
  if (key === 'pr') return { kind: 'pull-request' };
  if (key === 'push:release') return { kind: 'push', branch: plan.releaseBranch };
  const pipeline = key === 'schedule:predict' ? 'predict' : 'retrain';
  const schedule = plan.schedules.find((s) => s.pipeline === pipeline);
  if (!schedule) throw new Error(`the plan has no ${pipeline} schedule`);
  return { kind: 'schedule', schedule: schedule.id };
}

/** The shell commands of plan jobs, as the plan hands them to every target. */
function commandsOf(plan: Plan, ids: readonly string[]): string[] {
  return plan.jobs.filter((j) => ids.includes(j.id)).flatMap((j) => j.steps.flatMap((s) => (s.type === 'shell' ? [s.run] : [])));
}

afterAll(() => removeTemporaryDirectories());

describe('init imports existing CI files into a draft manifest', () => {
  it('reads six real-world-style CI files: two GitHub, two GitLab, one Azure, one Jenkins', () => {
    const platforms = Object.values(EXPECTED).map((e) => e.platform);
    expect(readdirSync(ROOT).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(platforms.filter((p) => p === 'github')).toHaveLength(2);
    expect(platforms.filter((p) => p === 'gitlab')).toHaveLength(2);
    expect(platforms.filter((p) => p === 'azure')).toHaveLength(1);
    expect(platforms.filter((p) => p === 'jenkins')).toHaveLength(1);
  });

  for (const [name, { platform }] of Object.entries(EXPECTED)) {
    it(`${name}: the draft validates, targets ${platform}, and every key's comment names a line that holds its value`, () => {
      const { imported, text } = draftOf(name);
      const loaded = loadManifest(text, 'mlgen.yaml');
      if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
      expect(loaded.manifest.targets).toEqual([platform]);
      const manifest = parse(text) as Record<string, unknown>;
      for (const [path, origins] of imported.draft.origins) {
        const value = path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], manifest);
        expect(value, path).toBeDefined();
        expect(text, path).toContain(`${origins[0]!.file}:${origins[0]!.line}`);
        const words = [...(JSON.stringify(value).match(/[A-Za-z0-9_./-]{3,}/g) ?? []), ...(JSON.stringify(value).match(/\d+/g) ?? [])];
        const lines = origins.map((o) => readFileSync(join(ROOT, name, o.file), 'utf8').split('\n')[o.line - 1] ?? '');
        expect(words.some((w) => lines.some((l) => l.includes(w))) || path === 'deploy.production.approval' || (path.endsWith('.timeout') && lines.some((l) => /timeout/i.test(l))), `${path} ← ${lines.join(' | ')}`).toBe(true);
      }
    });
  }

  it('lists what did not carry over, with the line and the reason', () => {
    const skipped = (name: string) => draftOf(name).imported.draft.skipped.map((s) => `${s.file}:${s.line} ${s.what}`);
    expect(skipped('jenkins-forecast')).toEqual(expect.arrayContaining([expect.stringMatching(/^Jenkinsfile:7 the spread-out time "H"/), expect.stringMatching(/^Jenkinsfile:18 --user/)]));
    expect(skipped('gitlab-deploy')).toEqual(expect.arrayContaining([expect.stringMatching(/^\.gitlab-ci\.yml:\d+ the batch prediction "python predict\.py/), expect.stringMatching(/registry login/)]));
    expect(draftOf('gitlab-deploy').text).toMatch(/# Not carried over \(each needs a decision\):\n# - \.gitlab-ci\.yml:/);
  });
});

describe('the pipelines generated from each draft run the imported commands on the same events, as each platform\'s tools read them', () => {
  for (const [name, { platform, events }] of Object.entries(EXPECTED)) {
    it(`${name} on ${platform}`, async () => {
      const { plan, files } = generateFor(draftOf(name).text, platform);
      const harness = HARNESSES[platform]!;
      expect(await harness.validate([files])).toEqual([[]]);
      const scripts = (await harness.scripts(files)).join('\n');
      for (const [key, commands] of Object.entries(events) as [EventKey, string[]][]) {
        const ran = commandsOf(plan, await harness.jobsFor(files, plan, planEvent(plan, key), true));
        for (const command of commands) {
          expect(ran, `${key}: ${command}`).toContain(command);
          expect(scripts, `${platform} reads back ${command}`).toContain(command);
        }
      }
    }, 900_000);
  }
});

describe('mlgen init in a repository with CI files', () => {
  it('writes the draft, names what did not carry over and which files keep running; --json says the same', () => {
    const dir = scratch('init-import');
    cpSync(join(ROOT, 'github-dvc-gpu'), dir, { recursive: true });
    execFileSync('git', ['init', '-q', '-b', 'release'], { cwd: dir });
    const run = spawnSync(process.execPath, [BIN, 'init', '--yes'], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('read .github/workflows/batch.yml, .github/workflows/train.yml');
    expect(run.stdout).toMatch(/\.github\/workflows\/batch\.yml, \.github\/workflows\/train\.yml will keep running beside mlgen's workflows/);
    const written = readFileSync(join(dir, 'mlgen.yaml'), 'utf8');
    expect(written).toContain('run: dvc repro train && python scripts/evaluate.py --metrics metrics.json # from .github/workflows/train.yml:34, .github/workflows/train.yml:35');
    expect(spawnSync(process.execPath, [BIN, 'validate'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
    const json = spawnSync(process.execPath, [BIN, 'init', '--yes', '--force', '--json', '--name', 'segmenter'], { cwd: dir, encoding: 'utf8' });
    expect(json.status, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.imported.files).toEqual(['.github/workflows/batch.yml', '.github/workflows/train.yml']);
    expect(readFileSync(join(dir, 'mlgen.yaml'), 'utf8')).toMatch(/^name: segmenter$/m);
  });

  it('says a file at a path mlgen writes must be moved or replaced; --no-import writes the template', () => {
    const dir = scratch('init-import-gitlab');
    cpSync(join(ROOT, 'gitlab-deploy'), dir, { recursive: true });
    const run = spawnSync(process.execPath, [BIN, 'init', '--yes'], { cwd: dir, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\.gitlab-ci\.yml exists and was not written by mlgen: mlgen generate will refuse it; mlgen generate --replace moves it/);
    const template = spawnSync(process.execPath, [BIN, 'init', '--yes', '--force', '--no-import'], { cwd: dir, encoding: 'utf8' });
    expect(template.status, template.stderr).toBe(0);
    expect(readFileSync(join(dir, 'mlgen.yaml'), 'utf8')).not.toContain('Drafted by mlgen init');
  });
});
