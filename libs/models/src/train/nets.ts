/**
 * Builds the network of a family (the only place that knows every family's factory).
 */
import type { ModelDims, TaskShapes } from '../api.js';
import type { Net } from '../task/net.js';
import { createTransformerModel } from '../transformer/model.js';
import { createGatrModel } from '../gatr/index.js';

export function createNet(dims: ModelDims, shapes: TaskShapes, seed: number): Net {
  if (dims.family === 'transformer') return createTransformerModel(dims, shapes, seed);
  if (dims.family === 'gatr') return createGatrModel(dims, shapes, seed);
  throw new Error(`dims.family must be "transformer" or "gatr" (got "${String((dims as { family: unknown }).family)}")`);
}
