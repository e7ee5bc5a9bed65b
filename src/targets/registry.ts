/**
 * The targets' code, by catalog id. Adding a platform is a folder under targets/, its entry in
 * catalog.ts and a line here; an extension or a test adds both with `registerTarget`.
 */
import { azureTarget } from './azure/index.js';
import { addCatalogEntry, type CatalogEntry } from './catalog.js';
import { githubTarget } from './github/index.js';
import { gitlabTarget } from './gitlab/index.js';
import { jenkinsTarget } from './jenkins/index.js';
import type { Target } from './types.js';

const TARGETS = new Map<string, Target>([
  ['github', githubTarget],
  ['gitlab', gitlabTarget],
  ['azure', azureTarget],
  ['jenkins', jenkinsTarget],
]);

export function targetFor(id: string): Target {
  const target = TARGETS.get(id);
  if (!target) throw new Error(`no target "${id}" is registered`); // the schema accepts only catalog ids
  return target;
}

/** Adds a target: its catalog entry (the manifest then accepts its id and overrides) and its printer. */
export function registerTarget(entry: CatalogEntry, target: Target): void {
  if (entry.id !== target.id) throw new Error(`the catalog entry "${entry.id}" and the target "${target.id}" differ`);
  addCatalogEntry(entry);
  TARGETS.set(entry.id, target);
}
