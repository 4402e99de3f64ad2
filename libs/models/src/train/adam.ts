/**
 * Adam on flat Float32Arrays (TypeScript, not tensor ops): the parameters' master copy, first and second
 * moments live in plain arrays, so a checkpoint is three arrays and a step counter, and the update is
 * bit-for-bit reproducible on every backend. Gradient clipping by global norm happens here too.
 */
export interface AdamHyper {
  beta1: number;
  beta2: number;
  eps: number;
}

export const DEFAULT_ADAM: AdamHyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export interface AdamState {
  m: Float32Array;
  v: Float32Array;
  /** updates taken so far */
  t: number;
}

export function newAdamState(size: number): AdamState {
  return { m: new Float32Array(size), v: new Float32Array(size), t: 0 };
}

/** Euclidean norm of a flat gradient (float64 accumulation). */
export function globalNorm(g: Float32Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

/**
 * One Adam update of `params` in place. `gradScale` multiplies the gradient first (clipping).
 */
export function adamUpdate(
  params: Float32Array,
  grad: Float32Array,
  state: AdamState,
  lr: number,
  gradScale = 1,
  h: AdamHyper = DEFAULT_ADAM,
): void {
  state.t += 1;
  const { m, v } = state;
  const bc1 = 1 - Math.pow(h.beta1, state.t);
  const bc2 = 1 - Math.pow(h.beta2, state.t);
  const a = lr / bc1;
  const b1 = h.beta1, b2 = h.beta2, eps = h.eps;
  for (let i = 0; i < params.length; i++) {
    const g = grad[i] * gradScale;
    const mi = b1 * m[i] + (1 - b1) * g;
    const vi = b2 * v[i] + (1 - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] -= (a * mi) / (Math.sqrt(vi / bc2) + eps);
  }
}
