// The weight-space benchmark, free of TensorFlow.js: config, dataset (generation + cache), group action, baselines,
// accounting, and the plug-in object. The tfjs networks and trainer are '@equiscale/weight-space/train'.
export * from './config.js';
export * from './inr.js';
export * from './generate.js';
export * from './examples.js';
export * from './cache.js';
export * from './group.js';
export * from './baselines.js';
export * from './accounting.js';
export * from './benchmark.js';
export { KeyedRng } from './rng.js';
