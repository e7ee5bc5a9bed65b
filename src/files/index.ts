export type { GeneratedFile, RenderedFile } from './types.js';
export { addHeader, isUntouched, MARKER, parseHeader, sha256, shortHash, type HeaderInfo, type ParsedHeader } from './header.js';
export { deepMerge } from './merge.js';
export { toYaml, type YamlOptions } from './yaml.js';
export { renderYamlFile, type YamlFileParts } from './render-tail.js';
