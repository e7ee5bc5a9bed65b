/**
 * Writes schemas/mlgen.schema.json, the JSON Schema editors use for mlgen.yaml, from the zod
 * model in src/manifest/schema.ts. Run `npm run schema` after changing the model;
 * tests/schema fails while the committed file is stale.
 *
 * Draft-07, because that is what yaml-language-server (VS Code's YAML extension) validates
 * with, and what ajv 8's default class reads. `io: 'input'` describes the file as written:
 * keys with defaults are optional.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { manifestSchema } from '../src/manifest/schema.js';

export const SCHEMA_ID = 'https://unpkg.com/mlgen/schemas/mlgen.schema.json';
export const SCHEMA_FILE = fileURLToPath(new URL('../schemas/mlgen.schema.json', import.meta.url));

/** The schema as an object, `$schema`, `$id` and `title` first. */
export function buildManifestJsonSchema(): Record<string, unknown> {
  // 'throw' rather than 'any': a zod type JSON Schema cannot express should fail here, not
  // silently become "anything goes" in editors.
  const generated = z.toJSONSchema(manifestSchema(), { target: 'draft-7', io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: SCHEMA_ID, title: 'mlgen manifest (mlgen.yaml), version 1', ...rest };
}

/** The file's exact bytes: two-space JSON and a final newline, the same on every run. */
export function renderManifestJsonSchema(): string {
  return `${JSON.stringify(buildManifestJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderManifestJsonSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
