/**
 * Builds the network of a family (the only place that knows every family's factory).
 */
import type { ModelDims, TaskShapes } from '../api.js';
import type { Net } from '../task/net.js';
import { createTransformerModel } from '../transformer/model.js';
import { createLpsModel } from '../transformer/lps.js';
import { createGatrModel, type GatrModelOptions } from '../gatr/index.js';

/** motionGain: the constant-velocity baseline every family adds to its prediction (train/motion-baseline.ts). */
export function createNet(dims: ModelDims, shapes: TaskShapes, seed: number, motionGain = 0, gatrOptions: Omit<GatrModelOptions, 'motionGain'> = {}): Net {
  if (dims.family === 'transformer') return dims.lps ? createLpsModel(dims, shapes, seed, motionGain) : createTransformerModel(dims, shapes, seed, motionGain);
  if (dims.family === 'gatr') return createGatrModel(dims, shapes, seed, { ...gatrOptions, motionGain });
  throw new Error(`dims.family must be "transformer" or "gatr" (got "${String((dims as { family: unknown }).family)}")`);
}
