/**
 * Intake and triage: the library the CLI, the JSON API and the web app share.
 */
export * from './machine.js';
export * from './actions.js';
export * from './catalog.js';
export * from './blocklist.js';
export * from './query.js';
export * from './policy.js';
