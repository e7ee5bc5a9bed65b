/**
 * overrides.azure, merged so that it can never silently disable the pipeline. Every stage
 * condition reads the root variables mlgen sets (MLGEN_PIPELINE, …): an override that
 * replaced the `variables` block (Azure's list form is a list, and the shared deepMerge
 * replaces lists) would leave every condition false and the run green having done nothing.
 *
 * So `variables` merges by name in either of Azure's forms
 * (https://learn.microsoft.com/azure/devops/pipelines/yaml-schema/variables): a mapping key or a
 * list entry's `name` adds a variable or changes one mlgen does not depend on; `group` and
 * `template` entries are added after mlgen's; naming a variable mlgen's conditions or
 * commands depend on (MLGEN_*, mlgen.*) or deleting one is refused, with its manifest path.
 * Everything else deep-merges as before.
 */
import { deepMerge } from '../../files/index.js';
import { TargetInputError } from '../types.js';
import { isMapping } from './model.js';

type Doc = Record<string, unknown>;
type Variables = Record<string, unknown>;

/** Thrown for an override that would disable the pipeline; `path` is its manifest key path. */
export class OverrideRefused extends TargetInputError {}

const BASE_PATH = ['overrides', 'azure', 'variables'];
const HINT = 'mlgen sets MLGEN_* and mlgen.* itself and its stage conditions read them; name another variable, or change the manifest instead';

/** Whether mlgen's pipeline depends on a root variable of this name (or a template conditional of them). */
function reserved(name: string): boolean {
  return /^mlgen[_.]/i.test(name) || name.startsWith('${{');
}

export function mergeOverrides(doc: Doc, override: Doc): Doc {
  const { variables, ...rest } = override;
  const merged = deepMerge(doc, rest);
  if (variables === undefined) return merged;
  const generated = (doc.variables ?? {}) as Variables;
  merged.variables = Array.isArray(variables) ? mergeList(generated, variables) : mergeMapping(generated, variables);
  return merged;
}

function mergeMapping(generated: Variables, override: unknown): Variables {
  if (!isMapping(override)) throw new OverrideRefused('overrides.azure.variables must be a mapping or a list of variables', BASE_PATH, HINT);
  for (const name of Object.keys(override)) {
    if (reserved(name)) throw new OverrideRefused(`overrides.azure.variables may not set or delete "${name}": the pipeline's conditions depend on it`, [...BASE_PATH, name], HINT);
  }
  return deepMerge(generated, override);
}

/** mlgen's mapping in Azure's list form (a conditional holds a list), then the override's entries merged by name. */
function mergeList(generated: Variables, override: unknown[]): unknown[] {
  const list: unknown[] = Object.entries(generated).map(([name, value]) =>
    isMapping(value) ? { [name]: Object.entries(value).map(([n, v]) => ({ name: n, value: v })) } : { name, value },
  );
  override.forEach((entry, i) => {
    const name = isMapping(entry) && typeof entry.name === 'string' ? entry.name : undefined;
    if (name === undefined) {
      list.push(entry);
      return;
    }
    if (reserved(name)) throw new OverrideRefused(`overrides.azure.variables[${i}] may not set "${name}": the pipeline's conditions depend on it`, [...BASE_PATH, i, 'name'], HINT);
    const at = list.findIndex((e) => isMapping(e) && typeof e.name === 'string' && e.name.toLowerCase() === name.toLowerCase());
    if (at >= 0) list[at] = entry;
    else list.push(entry);
  });
  return list;
}
