export * from './schema.js';
export * from './connect.js';
export * from './migrate.js';
export * from './queue/index.js';
export * from './sweeps/index.js';
export * from './workers.js';
export * from './monitoring.js';
export * from './dashboard.js';
