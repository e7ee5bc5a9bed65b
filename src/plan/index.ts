export * from './types.js';
export { compilePlan } from './compile.js';
export { DRIFT_VERDICT_LABEL } from './monitor.js';
export { formatRun } from './format.js';
export { eventsOf, formatEvent, jobById, jobsIn, needsIn, needsInRun, parseEvent, runFor, selectJobs, UnknownEventError } from './events.js';
export { TRAIN_MODES } from '../manifest/index.js';
