export * from './create-sweep.js';
export * from './sweep-queries.js';
