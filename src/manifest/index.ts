export { loadManifest, LIMITS, type LoadResult } from './load.js';
export { formatDiagnostic, formatDiagnostics, type Diagnostic, type FormatStyle } from './diagnostics.js';
export { manifestSchema, targetIds, TRAIN_MODES, type Manifest, type ManifestInput, type TargetId, type TrainMode, type CacheKind } from './schema.js';
export { durationMinutes, durationSeconds } from './duration.js';
export { SECRET_SECTIONS, type SecretSection } from './schema.js';
