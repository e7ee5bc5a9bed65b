/**
 * The commented `mlgen.yaml` that `init` writes, from templates/init/mlgen.yaml.hbs.
 *
 * A text template keeps the comments a person reads first; every value in it goes through
 * the `yaml` helper, which prints the value as a YAML scalar or flow list (quoted wherever
 * YAML 1.1 or 1.2 would read it as something else), so no answer can change the structure.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { stringify } from 'yaml';
import { loadManifest, type Diagnostic } from '../manifest/index.js';
import { compileTemplate, createHandlebars } from '../templates.js';
import type { InitAnswers } from './detect.js';

const handlebars = createHandlebars();

/** One line of YAML for a value: a scalar, or a flow list of scalars. Never a block. */
function yamlInline(value: unknown): string {
  const text = stringify(value, { version: '1.1', lineWidth: 0, minContentWidth: 0, collectionStyle: 'flow', flowCollectionPadding: false }).trimEnd();
  if (!text.includes('\n')) return text;
  // Multi-line strings (or anything the printer would fold) as JSON: a valid YAML double-quoted scalar.
  if (Array.isArray(value)) return `[${value.map(yamlInline).join(', ')}]`;
  return JSON.stringify(value);
}

handlebars.registerHelper('yaml', (value: unknown) => yamlInline(value));

const SAFE_PATH = /^[A-Za-z0-9._/-]+$/;

/** Where editors find the schema offline: in the project's node_modules, relative to the manifest. */
export const DEFAULT_SCHEMA_REF = 'node_modules/mlgen/schemas/mlgen.schema.json';

/**
 * The `$schema` path for a manifest in `manifestDir`: the nearest node_modules/mlgen above it,
 * relative to the manifest (editors resolve the modeline's path relative to the file), else the
 * path it will have once mlgen is installed beside the manifest.
 */
export function schemaRefFor(manifestDir: string): string {
  for (let dir = resolve(manifestDir); ; dir = dirname(dir)) {
    if (existsSync(join(dir, DEFAULT_SCHEMA_REF))) return relative(manifestDir, join(dir, DEFAULT_SCHEMA_REF)).split(sep).join('/');
    if (dirname(dir) === dir) return DEFAULT_SCHEMA_REF;
  }
}

/** What init saw besides the answers, for the notes it writes beside them. */
export interface ScaffoldContext {
  /** Whether a requirements file or pyproject.toml was found (else the install line gets a note). */
  installFound?: boolean;
}

export function renderManifest(answers: InitAnswers, schemaRef = DEFAULT_SCHEMA_REF, context: ScaffoldContext = { installFound: true }): string {
  const install = answers.install.length === 1 ? answers.install[0] : answers.install;
  return compileTemplate(handlebars, 'init/mlgen.yaml.hbs')({
    ...answers,
    install,
    schemaRef: SAFE_PATH.test(schemaRef) ? schemaRef : DEFAULT_SCHEMA_REF,
    installMissing: context.installFound === false && install === 'pip install -r requirements.txt',
    // Interpolated into comments only when it cannot break out of one.
    dockerfileComment: answers.dockerfile && SAFE_PATH.test(answers.dockerfile) ? answers.dockerfile : 'Dockerfile',
    nameComment: /^[a-z0-9][a-z0-9-]*$/.test(answers.name) ? answers.name : 'my-model',
  });
}

/** Checks a rendered manifest by loading it: the manifest's own rules decide whether the answers fit. */
export function checkManifest(text: string): Diagnostic[] {
  const loaded = loadManifest(text, 'mlgen.yaml');
  return loaded.ok ? [] : loaded.diagnostics;
}
