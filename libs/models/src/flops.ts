/**
 * Compute accounting, per training sample (forward + backward), pure arithmetic (no tensors).
 *
 * Nominal (the authors' convention, gatr-spec.md section 5): 6 FLOPs per FLOPs-relevant weight per token;
 * for the transformer the relevant weights are its weight matrices (biases, norm gains not counted) and
 * the attention-score matmuls (Q K^T and P V) are NOT counted, matching the GATr convention.
 *   transformer nominal = 6 * W_matrix * T,   T = maxBodies tokens (padded slots included: they are computed)
 * Executed: what this implementation multiplies; 2mnk per forward matmul, x3 for forward + backward,
 * attention scores included:
 *   transformer executed = 3 * (2 * W_matrix * T + depth * 4 * T^2 * width) (+ rigidOutputExecutedFlops)
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

/**
 * Executed matMul FLOPs per sample of the 'rigid' output (task/rigid-output.ts), per body: forward w @ skew
 * (2·3·9), K @ K (2·27) and r @ (R − I)ᵀ (2·V·9) = 108 + 18V; backward the gradients that are needed (w's
 * through the constant skew basis 54, both factors of K @ K 108, (R − I)ᵀ's 18V; r depends only on the data)
 * = 162 + 18V. Not 3× the forward, so it is added separately. Nominal counts stay weights-only (no weights).
 */
export function rigidOutputExecutedFlops(s: TaskShapes): { forward: number; total: number } {
  const b = s.maxBodies;
  const v = s.maxVerts;
  return { forward: b * (108 + 18 * v), total: b * (270 + 36 * v) };
}

export function transformerFlops(d: TransformerDims, s: TaskShapes): FlopCounts {
  const t = s.maxBodies;
  const w = transformerMatrixWeights(d, s);
  const rigid = (d.output ?? 'rigid') === 'rigid' ? rigidOutputExecutedFlops(s).total : 0;
  return {
    nominalFlopsPerSample: 6 * w * t,
    executedFlopsPerSample: 3 * (2 * w * t + d.depth * 4 * t * t * d.width) + rigid,
  };
}

export function summarizeTransformer(d: TransformerDims, s: TaskShapes): ModelSummary {
  return { dims: { ...d }, paramCount: transformerParamCount(d, s), ...transformerFlops(d, s) };
}
