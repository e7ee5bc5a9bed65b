export * from './types.js';
export { compilePlan } from './compile.js';
export { eventsOf, formatEvent, jobById, jobsIn, needsIn, parseEvent, runFor, selectJobs, UnknownEventError } from './events.js';
