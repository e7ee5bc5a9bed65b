/** Walks a JSON Schema for its named properties (used by the description and coverage tests). */
export type JsonSchema = { [key: string]: unknown; properties?: Record<string, JsonSchema> };

/** Every named property in the schema, as a dotted path ("[]" for list items), with its schema. */
export function propertiesOf(schema: JsonSchema, path = ''): [string, JsonSchema][] {
  const found: [string, JsonSchema][] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const at = path ? `${path}.${key}` : key;
    found.push([at, child], ...propertiesOf(child, at));
  }
  const items = schema.items as JsonSchema | undefined;
  if (items && typeof items === 'object') found.push(...propertiesOf(items, `${path}[]`));
  for (const keyword of ['anyOf', 'oneOf', 'allOf']) {
    for (const option of (schema[keyword] as JsonSchema[] | undefined) ?? []) found.push(...propertiesOf(option, path));
  }
  const extra = schema.additionalProperties as JsonSchema | boolean | undefined;
  if (extra && typeof extra === 'object') found.push(...propertiesOf(extra, `${path}.*`));
  return found;
}
