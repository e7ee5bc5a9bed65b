/**
 * ajv 8 set up as an editor would use the published schema: draft-07, every error reported,
 * and strict about the schema itself (unknown keywords, type mix-ups and ignored keywords
 * throw), so a schema ajv would half-understand fails here.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { buildManifestJsonSchema } from '../../scripts/write-schema.js';

function strictLogger() {
  const fail = (...args: unknown[]) => {
    throw new Error(`ajv: ${args.join(' ')}`);
  };
  return { log() {}, warn: fail, error: fail };
}

export function compileManifestSchema(schema: object = buildManifestJsonSchema()): { ajv: Ajv; validate: ValidateFunction } {
  const ajv = new Ajv({ allErrors: true, strictTypes: true, strictTuples: true, logger: strictLogger() });
  return { ajv, validate: ajv.compile(schema) };
}
