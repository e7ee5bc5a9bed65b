/**
 * Handlebars templates from `templates/`, compiled once per process. Each user of templates
 * keeps its own Handlebars environment, so helpers for Groovy never leak into other text.
 */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

const TEMPLATE_ROOT = new URL('../templates/', import.meta.url);

export type HandlebarsEnv = typeof Handlebars;

export function createHandlebars(): HandlebarsEnv {
  return Handlebars.create();
}

export function readTemplate(name: string): string {
  return readFileSync(new URL(name, TEMPLATE_ROOT), 'utf8');
}

const compiled = new WeakMap<HandlebarsEnv, Map<string, Handlebars.TemplateDelegate>>();

/** Compiles `templates/<name>` in `env` (strict: a missing variable is an error, not an empty string). */
export function compileTemplate(env: HandlebarsEnv, name: string): Handlebars.TemplateDelegate {
  let cache = compiled.get(env);
  if (!cache) compiled.set(env, (cache = new Map()));
  let template = cache.get(name);
  if (!template) {
    template = env.compile(readTemplate(name), { strict: true, noEscape: true });
    cache.set(name, template);
  }
  return template;
}
