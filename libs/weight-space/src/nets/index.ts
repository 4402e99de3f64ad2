import type { WeightSpaceDims, WeightSpaceShapes } from '../accounting.js';
import { familyArch } from '../accounting.js';
import { createDwsNet } from './dwsnet.js';
import type { InputStats } from './features.js';
import { createMlpNet } from './mlp.js';
import type { WeightSpaceNet } from './net.js';

/** The only place that knows every family's factory. */
export function createWeightSpaceNet(family: string, dims: WeightSpaceDims, shapes: WeightSpaceShapes, seed: number, stats: InputStats): WeightSpaceNet {
  const arch = familyArch(family);
  if (dims.arch !== arch) throw new Error(`dims.arch must be "${arch}" for family ${family} (got ${JSON.stringify(dims.arch)})`);
  return dims.arch === 'mlp' ? createMlpNet(family, dims, shapes, seed, stats) : createDwsNet(family, dims, shapes, seed, stats);
}

export type { WeightSpaceNet } from './net.js';
export { inputStats, standardizedParams, type InputStats } from './features.js';
