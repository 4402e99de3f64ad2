/**
 * Builds the network of a family (the only place that knows every family's factory).
 */
import type { ModelDims, TaskShapes } from '../api.js';
import type { Net } from '../task/net.js';
import { createTransformerModel } from '../transformer/model.js';

export function createNet(dims: ModelDims, shapes: TaskShapes, seed: number): Net {
  if (dims.family === 'transformer') return createTransformerModel(dims, shapes, seed);
  if (dims.family === 'gatr') {
    throw new Error('family "gatr": the GATr network (src/gatr) is not available in this build yet');
  }
  throw new Error(`dims.family must be "transformer" or "gatr" (got "${String((dims as { family: unknown }).family)}")`);
}
