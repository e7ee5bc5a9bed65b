/**
 * Where a section's jobs run: its own `image`, `runner`, `install` and `timeout`, else the
 * manifest's `defaults` (manifest-v1, What every command can rely on).
 */
import { durationMinutes, type Manifest } from '../manifest/index.js';
import type { Runtime } from './types.js';

export const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** GitHub's hosted runner labels; every platform reads them as "the default runner". */
const HOSTED_LABEL = /^(ubuntu|windows|macos)-(latest|\d[\d.]*)(-[a-z0-9]+)*$/;

export function isHostedLabel(label: string): boolean {
  return HOSTED_LABEL.test(label);
}

/** The workspace virtualenv every installing job creates. */
export const VENV_DIR = '.venv';

export interface SectionRuntime {
  runner?: string | string[];
  image?: string;
  timeout?: string;
  install?: string | string[];
  gpu?: boolean;
}

export interface ResolvedRuntime {
  runtime: Runtime;
  install: string[];
}

export function resolveRuntime(manifest: Manifest, section: SectionRuntime = {}, options: { noImage?: boolean; docker?: boolean; git?: boolean } = {}): ResolvedRuntime {
  const runner = list(section.runner ?? manifest.defaults.runner);
  const install = section.install !== undefined ? list(section.install) : list(manifest.defaults.install);
  const image = options.noImage ? undefined : (section.image ?? manifest.defaults.image);
  const runtime: Runtime = {
    runner,
    hosted: runner.length === 1 && isHostedLabel(runner[0]!),
    timeoutMinutes: durationMinutes(section.timeout ?? manifest.defaults.timeout),
    python: manifest.defaults.python,
    gpu: section.gpu === true,
    docker: options.docker === true,
    git: options.git === true,
    caches: [],
  };
  if (image) runtime.image = image;
  if (install.length > 0) runtime.venv = VENV_DIR;
  return { runtime, install };
}
