/**
 * What `mlgen init` suggests, read from the repository. One row per thing mlgen looks for
 * (style: GraphQL Code Generator's init picks from a data table): adding a detector is a row.
 * Pure over a `RepoView`, so tests need no disk.
 */
import { catalog } from '../targets/catalog.js';
import type { CacheKind, TargetId } from '../manifest/index.js';

/** Read-only access to the repository, relative paths with "/". */
export interface RepoView {
  /** The directory's name (the project name suggestion). */
  dirName: string;
  exists(path: string): boolean;
  /** The file's text, or undefined when it does not exist or cannot be read. */
  read(path: string): string | undefined;
  /** The branch git calls default (origin's HEAD, else the checked-out branch), if in a git repository. */
  gitBranch(): string | undefined;
  /** The names in a directory (none when it does not exist); lets init read every workflow. */
  list?(path: string): string[];
  /** origin's URL, if the repository has one. */
  gitRemote?(): string | undefined;
}

/** The image a registry next to the Git host would hold: ghcr.io/OWNER/REPO, registry.gitlab.com/GROUP/REPO. */
export function imageFromRemote(url: string | undefined): string | undefined {
  const match = /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/git@|git@)(github\.com|gitlab\.com)[:/]([\w.-]+(?:\/[\w.-]+)+?)\/?$/.exec((url ?? '').trim().replace(/\.git\/?$/, ''));
  if (!match) return undefined;
  const path = match[2]!.toLowerCase();
  const image = `${match[1] === 'github.com' ? 'ghcr.io' : 'registry.gitlab.com'}/${path}`;
  return /^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$/.test(image) ? image : undefined;
}

export interface InitAnswers {
  name: string;
  targets: TargetId[];
  python: string;
  branch: string;
  install: string[];
  cache: CacheKind[];
  dataPull: string | null;
  train: string;
  checks: { name: string; run: string }[];
  /** The Dockerfile to package, when there is one. */
  dockerfile: string | null;
  /** The image to push (package.image); without it the package section stays a comment. */
  image: string | null;
}

export type Suggestion = Partial<InitAnswers>;

export interface Detector {
  id: string;
  /** What it looks for, for people: shown next to what it found. */
  looksFor: string;
  detect(repo: RepoView): Suggestion | undefined;
}

const firstExisting = (repo: RepoView, paths: string[]) => paths.find((p) => repo.exists(p));

/** `>=3.10`, `~=3.11`, `^3.12` -> the lowest version the project supports. */
function pythonFromRequirement(text: string): string | undefined {
  const match = /requires-python\s*=\s*["']([^"']*)["']/.exec(text) ?? /^python\s*=\s*["']([^"']*)["']/m.exec(text);
  const version = match?.[1] ? /3\.(\d+)/.exec(match[1]) : null;
  return version ? `3.${version[1]}` : undefined;
}

/** Whether a requirements file or pyproject.toml lists the Python package `name` (or an extra of it). */
export function dependsOn(repo: RepoView, name: string): boolean {
  const requirement = new RegExp(`(^|["'\\s,])${name}(\\[[^\\]]*\\])?\\s*([=<>~!;"',]|$)`, 'im');
  return ['requirements.txt', 'requirements-dev.txt', 'requirements/base.txt', 'pyproject.toml', 'setup.cfg'].some((file) => {
    const text = repo.read(file);
    return text !== undefined && text.split('\n').some((line) => requirement.test(line.trim()));
  });
}

export const DETECTORS: readonly Detector[] = [
  {
    id: 'requirements',
    looksFor: 'requirements.txt',
    detect: (repo) => (repo.exists('requirements.txt') ? { install: ['pip install -r requirements.txt'], cache: ['pip'] } : undefined),
  },
  {
    id: 'pyproject',
    looksFor: 'pyproject.toml',
    detect: (repo) => {
      const text = repo.read('pyproject.toml');
      if (text === undefined) return undefined;
      const python = pythonFromRequirement(text);
      return { install: ['pip install .'], cache: ['pip'], ...(python ? { python } : {}) };
    },
  },
  {
    id: 'python-version',
    looksFor: '.python-version',
    detect: (repo) => {
      const version = /^\s*(3\.\d+)/.exec(repo.read('.python-version') ?? '');
      return version ? { python: version[1]! } : undefined;
    },
  },
  {
    id: 'dvc',
    looksFor: 'dvc.yaml or .dvc/',
    // Only when DVC is also a dependency: `dvc pull` in a job without dvc installed fails.
    detect: (repo) => ((repo.exists('dvc.yaml') || repo.exists('.dvc')) && dependsOn(repo, 'dvc') ? { dataPull: 'dvc pull', cache: ['dvc'] } : undefined),
  },
  {
    id: 'git-lfs',
    looksFor: 'Git LFS in .gitattributes',
    detect: (repo) => (/filter=lfs/.test(repo.read('.gitattributes') ?? '') ? { dataPull: 'git lfs pull' } : undefined),
  },
  {
    id: 'train-script',
    looksFor: 'train.py, src/train.py or scripts/train.py',
    detect: (repo) => {
      const script = firstExisting(repo, ['train.py', 'src/train.py', 'scripts/train.py']);
      return script ? { train: `python ${script}` } : undefined;
    },
  },
  {
    id: 'tests',
    looksFor: 'tests/',
    detect: (repo) => (repo.exists('tests') ? { checks: [{ name: 'unit', run: 'pytest tests' }] } : undefined),
  },
  {
    id: 'ruff',
    looksFor: 'ruff.toml or [tool.ruff] in pyproject.toml',
    detect: (repo) =>
      repo.exists('ruff.toml') || /^\[tool\.ruff/m.test(repo.read('pyproject.toml') ?? '') ? { checks: [{ name: 'lint', run: 'ruff check .' }] } : undefined,
  },
  {
    id: 'dockerfile',
    looksFor: 'Dockerfile',
    // The image goes to the registry beside the Git host when origin says which; else it stays a comment.
    detect: (repo) => {
      if (!repo.exists('Dockerfile')) return undefined;
      const image = imageFromRemote(repo.gitRemote?.());
      return image ? { dockerfile: 'Dockerfile', image } : { dockerfile: 'Dockerfile' };
    },
  },
  // A CI system the repository already uses, by what the catalog says its files are.
  ...catalog().map((entry): Detector => ({ id: entry.id, looksFor: entry.detectedBy, detect: (repo: RepoView) => (repo.exists(entry.detectedBy) ? { targets: [entry.id] } : undefined) })),
  {
    id: 'git-branch',
    looksFor: 'the default branch in git',
    detect: (repo) => {
      const branch = repo.gitBranch();
      return branch ? { branch } : undefined;
    },
  },
];

/** A project name from a directory name: lowercase letters, digits and "-". */
function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return /^[a-z0-9]/.test(slug) ? slug.slice(0, 63).replace(/-+$/, '') : 'my-model';
}

export const FALLBACK: InitAnswers = {
  name: 'my-model',
  targets: catalog().map((e) => e.id),
  python: '3.11',
  branch: 'main',
  // Contract 1.1 has no "install nothing" for defaults (an absent key means this command), so
  // init writes it with a note when no requirements file says what to install (templates/init).
  install: ['pip install -r requirements.txt'],
  cache: ['pip'],
  dataPull: null,
  train: 'python train.py',
  checks: [],
  dockerfile: null,
  image: null,
};

export interface Detection {
  answers: InitAnswers;
  /** What each detector found, for the interview's preamble. */
  found: { id: string; looksFor: string }[];
}

/**
 * Runs every detector. For a single value the first row that suggests one wins (the table's
 * order is its priority: requirements.txt before pyproject.toml); lists collect every row's.
 */
export function detectDefaults(repo: RepoView): Detection {
  const answers: InitAnswers = { ...FALLBACK, name: slugify(repo.dirName) };
  const set = new Set<keyof InitAnswers>();
  const lists = { targets: [] as TargetId[], cache: [] as CacheKind[], checks: [] as InitAnswers['checks'] };
  const found: Detection['found'] = [];
  for (const detector of DETECTORS) {
    const suggestion = detector.detect(repo);
    if (!suggestion) continue;
    found.push({ id: detector.id, looksFor: detector.looksFor });
    for (const [key, value] of Object.entries(suggestion) as [keyof InitAnswers, never][]) {
      if (key === 'targets' || key === 'cache' || key === 'checks') {
        (lists[key] as unknown[]).push(...(value as unknown[]));
      } else if (!set.has(key)) {
        set.add(key);
        (answers as unknown as Record<string, unknown>)[key] = value;
      }
    }
  }
  if (lists.targets.length > 0) answers.targets = [...new Set(lists.targets)];
  if (lists.cache.length > 0) answers.cache = [...new Set(lists.cache)];
  answers.checks = lists.checks;
  return { answers, found };
}
