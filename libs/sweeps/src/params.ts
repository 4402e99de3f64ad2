/**
 * Parameter counts in Kaplan's convention: without the input and output layers ("non-embedding" N). The planner
 * stores every parameter (Trial.plan.paramCount); the study's sensitivity analysis recounts N this way.
 */
import { gatrBlockParamCount, transformerParamCount } from '@equiscale/models/accounting';
import type { TaskShapes } from './deps.js';
import { modelDims, type Trial } from './trial.js';

/** Parameters of the blocks only: a transformer's attention and MLP layers, GATr's equivariant blocks. */
export function nonEmbeddingParamCount(t: Pick<Trial, 'dims'>, shapes: TaskShapes): number {
  const d = modelDims(t);
  if (d.family === 'transformer') {
    // per block = P(depth 2) − P(depth 1): the input embedding and the head cancel
    const perBlock = transformerParamCount({ ...d, depth: 2 }, shapes) - transformerParamCount({ ...d, depth: 1 }, shapes);
    return d.depth * perBlock;
  }
  return d.blocks * gatrBlockParamCount(d.mvChannels, d.sChannels, d.heads);
}
