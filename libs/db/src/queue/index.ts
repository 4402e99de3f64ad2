// All claim / lease / fencing SQL lives in this folder, one file per operation; only the coordinator imports it.
export * from './lease.js';
export * from './claim-trial.js';
export * from './heartbeat.js';
export * from './report-metrics.js';
export * from './save-checkpoint.js';
export * from './finish-trial.js';
export * from './reap-expired-leases.js';
export * from './dependencies.js';
