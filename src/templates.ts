/**
 * Handlebars templates from `templates/`, compiled once per process. Each user of templates
 * keeps its own Handlebars environment, so helpers for Groovy never leak into other text.
 *
 * `npm run build` precompiles every template (templates-precompiled.ts); a template or partial
 * whose file still reads the same as at build time is loaded from there instead of being
 * compiled again at run time, which is most of what a cold `mlgen generate` would spend on it.
 */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { PRECOMPILED, type PrecompiledTemplate } from './templates-precompiled.js';

const TEMPLATE_ROOT = new URL('../templates/', import.meta.url);

/** Every template and partial: strict (a missing variable is an error, not an empty string), no HTML escaping. */
export const COMPILE_OPTIONS = { strict: true, noEscape: true } as const;

export type HandlebarsEnv = typeof Handlebars;

/**
 * A new environment. A partial registered as text that a build precompiled (e.g.
 * `env.registerPartial('agent', readTemplate('jenkins/partials/agent.hbs'))`) is registered
 * precompiled; any other text is compiled when first used, as Handlebars does.
 */
export function createHandlebars(): HandlebarsEnv {
  const env = Handlebars.create();
  const register = env.registerPartial.bind(env) as (spec: Record<string, Handlebars.Template>) => void;
  env.registerPartial = ((nameOrSpec: string | Record<string, Handlebars.Template>, partial?: Handlebars.Template) => {
    const spec = typeof nameOrSpec === 'string' ? { [nameOrSpec]: partial! } : nameOrSpec;
    register(Object.fromEntries(Object.entries(spec).map(([name, p]) => [name, (typeof p === 'string' && precompiledFor(env, p)) || p])));
  }) as typeof env.registerPartial;
  return env;
}

export function readTemplate(name: string): string {
  return readFileSync(new URL(name, TEMPLATE_ROOT), 'utf8');
}

const compiled = new WeakMap<HandlebarsEnv, Map<string, Handlebars.TemplateDelegate>>();

/** Compiles `templates/<name>` in `env` with COMPILE_OPTIONS (or loads the build's precompiled form of the same text). */
export function compileTemplate(env: HandlebarsEnv, name: string): Handlebars.TemplateDelegate {
  let cache = compiled.get(env);
  if (!cache) compiled.set(env, (cache = new Map()));
  let template = cache.get(name);
  if (!template) {
    const source = readTemplate(name);
    template = precompiledFor(env, source, PRECOMPILED[name]) ?? env.compile(source, COMPILE_OPTIONS);
    cache.set(name, template);
  }
  return template;
}

let bySource: Map<string, PrecompiledTemplate> | undefined;

function precompiledFor(env: HandlebarsEnv, source: string, candidate?: PrecompiledTemplate): Handlebars.TemplateDelegate | undefined {
  bySource ??= new Map(Object.values(PRECOMPILED).map((t) => [t.source, t]));
  const found = candidate?.source === source ? candidate : bySource.get(source);
  if (!found) return undefined;
  // What env.compile records, so that a partial still given as text and invoked from this
  // template is compiled with the same options as at run time.
  return env.template({ ...found.spec, compilerOptions: { ...COMPILE_OPTIONS, data: true } } as TemplateSpecification);
}
