export type * from './types.js';
export * from './rng.js';
export * from './meshes.js';
export * from './config.js';
export * from './examples.js';
export * from './simulate.js';
export * from './generate.js';
export * from './e3.js';
export * from './cache.js';
