export * from './types.js';
export { compilePlan } from './compile.js';
export { formatRun } from './format.js';
export { eventsOf, formatEvent, jobById, jobsIn, needsIn, parseEvent, runFor, selectJobs, UnknownEventError } from './events.js';
export { TRAIN_MODES } from '../manifest/index.js';
