/**
 * Compute accounting, per training sample (forward + backward), pure arithmetic (no tensors).
 *
 * Nominal (the authors' convention, gatr-spec.md section 5): 6 FLOPs per FLOPs-relevant weight per token;
 * for the transformer the relevant weights are its weight matrices (biases, norm gains not counted) and
 * the attention-score matmuls (Q K^T and P V) are NOT counted, matching the GATr convention.
 *   transformer nominal = 6 * W_matrix * T,   T = maxBodies tokens (padded slots included: they are computed)
 * Executed: what this implementation multiplies; 2mnk per forward matmul, x3 for forward + backward,
 * attention scores included:
 *   transformer executed = 3 * (2 * W_matrix * T + depth * 4 * T^2 * width)
 *   (scores (T*H x dh) @ (dh x T) = 2 T^2 d FLOPs, probs @ V another 2 T^2 d).
 * Elementwise ops, norms, softmax, column sums (bias/gain gradients, computed as ones(1,M) @ x) and the
 * optimizer are counted in neither.
 * GATr accounting lives in gatr/flops.ts (summarizeGatr); ladder.ts summarize() dispatches by family.
 */
import type { ModelSummary, TaskShapes, TransformerDims } from './api.js';
import { transformerMatrixWeights, transformerParamCount } from './transformer/layout.js';

export interface FlopCounts {
  nominalFlopsPerSample: number;
  executedFlopsPerSample: number;
}

export function transformerFlops(d: TransformerDims, s: TaskShapes): FlopCounts {
  const t = s.maxBodies;
  const w = transformerMatrixWeights(d, s);
  return {
    nominalFlopsPerSample: 6 * w * t,
    executedFlopsPerSample: 3 * (2 * w * t + d.depth * 4 * t * t * d.width),
  };
}

export function summarizeTransformer(d: TransformerDims, s: TaskShapes): ModelSummary {
  return { dims: { ...d }, paramCount: transformerParamCount(d, s), ...transformerFlops(d, s) };
}
