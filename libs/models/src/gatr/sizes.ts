/**
 * Sizes of GATr layers as pure arithmetic (no TensorFlow.js): the attention's per-head channels and the
 * EquiLinear parameter / FLOP counts. The tensor layers (attention.ts, equi-linear.ts) re-export these; the
 * accounting entry point (../accounting.ts) uses them without loading TensorFlow.js.
 */

export type AttentionVariant = 'sdp' | 'distance';

export interface AttentionSizes {
  heads: number;
  /** multivector channels per head: max(floor(2c / H), 1) */
  headMv: number;
  /** scalar channels per head: max(floor(2s / H), 4) (also 4 when s = 0, where the reference has none) */
  headS: number;
}

export function attentionSizes(c: number, s: number, heads: number): AttentionSizes {
  return { heads, headMv: Math.max(Math.floor((2 * c) / heads), 1), headS: Math.max(Math.floor((2 * s) / heads), 4) };
}

export interface EquiLinearShape {
  /** input multivector channels a */
  inMv: number;
  /** output multivector channels b */
  outMv: number;
  /** input scalar channels p (0: none) */
  inS: number;
  /** output scalar channels q (0: none) */
  outS: number;
}

/** 9ab + (p ? pb + b : b) + (q ? aq + q : 0) + (p and q ? pq : 0). */
export function equiLinearParamCount({ inMv: a, outMv: b, inS: p, outS: q }: EquiLinearShape): number {
  return 9 * a * b + p * b + b + (q ? a * q + q : 0) + p * q;
}

/** Nominal FLOPs per token, forward + backward (authors' convention): 6 (pq + pb + aq + 256ab). */
export function equiLinearNominalFlops({ inMv: a, outMv: b, inS: p, outS: q }: EquiLinearShape): number {
  return 6 * (p * q + p * b + a * q + 256 * a * b);
}

/**
 * How a layer multiplies (measured on wasm; see applySplit):
 * - 'dense': one matMul with the (16a + p, 16b + q) matrix; the scalar paths occupy 1 of 16 rows/columns
 *   of their blocks, so the zeros of (16a x q) and (p x 16b) are multiplied too. Fewest ops.
 * - 'split': mv (16a -> 16b) matMul plus a small scalar matMul ([a scalar blades, p] -> [b, q]); exact up to
 *   the a x b zero block, at ~8 more (cheap) ops. Chosen when it saves at least a quarter of the FLOPs.
 */
export type EquiLinearMode = 'dense' | 'split';

function splitScalarDims({ inMv: a, outMv: b, inS: p, outS: q }: EquiLinearShape): [number, number] {
  if (p === 0 && q === 0) return [0, 0];
  return [(q > 0 ? a : 0) + p, (p > 0 ? b : 0) + q];
}

/** Forward FLOPs per token of one mode. */
function forwardFlops(shape: EquiLinearShape, mode: EquiLinearMode): number {
  const { inMv: a, outMv: b, inS: p, outS: q } = shape;
  if (mode === 'dense') return 2 * (16 * a + p) * (16 * b + q);
  const [si, so] = splitScalarDims(shape);
  return 2 * (256 * a * b + si * so);
}

/** The mode a layer uses unless forced: split when it saves >= 25% of the FLOPs. */
export function equiLinearMode(shape: EquiLinearShape): EquiLinearMode {
  return forwardFlops(shape, 'split') <= 0.75 * forwardFlops(shape, 'dense') ? 'split' : 'dense';
}

/** Executed FLOPs per token, forward + backward: 3 x the forward matMul FLOPs of the layer's mode. */
export function equiLinearExecutedFlops(shape: EquiLinearShape, mode: EquiLinearMode = equiLinearMode(shape)): number {
  return 3 * forwardFlops(shape, mode);
}

