/**
 * INRs: small MLPs x -> f(x) on R, their flat parameter layout, evaluation, and the full-batch Adam fit that the
 * dataset generator runs. Float64, plain TypeScript, only +, -, *, /, sqrt and Math.round/floor (the sine is our own
 * polynomial), so a fit is bit-identical on every machine.
 *
 * Flat layout (`inrLayout`): for each layer l = 0..L-1 (sizes[l] -> sizes[l+1], sizes = [1, ...hidden, 1]):
 * W_l as (sizes[l+1], sizes[l]) row-major (row = output neuron), then b_l (sizes[l+1]). Hidden layers apply the
 * activation; the last layer is linear.
 */

export interface InrLayout {
  /** [1, ...hidden, 1] */
  sizes: number[];
  /** Offsets of W_l and b_l in the flat vector. */
  wOffset: number[];
  bOffset: number[];
  paramCount: number;
}

export function inrLayout(hidden: readonly number[]): InrLayout {
  const sizes = [1, ...hidden, 1];
  const wOffset: number[] = [];
  const bOffset: number[] = [];
  let off = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    wOffset.push(off);
    off += sizes[l + 1] * sizes[l];
    bOffset.push(off);
    off += sizes[l + 1];
  }
  return { sizes, wOffset, bOffset, paramCount: off };
}

const TWO_PI_HI = 6.283185307179586; // 2 pi rounded to double
const TWO_PI_LO = 2.4492935982947064e-16; // 2 pi - TWO_PI_HI
const HALF_PI = 1.5707963267948966;
const PI = 3.141592653589793;

/** sin(x) from +, -, * and Math.round only (odd Taylor polynomial to x^17 after reduction to [-pi/2, pi/2]; |err| < 1e-12 for |x| < 1e4). */
export function exactSin(x: number): number {
  const k = Math.round(x / TWO_PI_HI);
  let r = x - k * TWO_PI_HI - k * TWO_PI_LO; // in [-pi, pi]
  if (r > HALF_PI) r = PI - r;
  else if (r < -HALF_PI) r = -PI - r;
  const r2 = r * r;
  // Horner form of r - r^3/3! + r^5/5! - ... - r^15/15! + r^17/17!
  let p = 1 / 355687428096000; // 1/17!
  p = p * r2 - 1 / 1307674368000;
  p = p * r2 + 1 / 6227020800;
  p = p * r2 - 1 / 39916800;
  p = p * r2 + 1 / 362880;
  p = p * r2 - 1 / 5040;
  p = p * r2 + 1 / 120;
  p = p * r2 - 1 / 6;
  return r + r * r2 * p;
}

export function exactCos(x: number): number {
  return exactSin(x + HALF_PI);
}

export type InrActivation = 'sine' | 'relu';

/** f(x) of one INR at the given points (plain TS, float64 accumulation over float32 or float64 params). */
export function evalInr(params: ArrayLike<number>, layout: InrLayout, activation: InrActivation, xs: ArrayLike<number>, paramOffset = 0): Float64Array {
  const { sizes, wOffset, bOffset } = layout;
  const out = new Float64Array(xs.length);
  let a = new Float64Array(1);
  for (let p = 0; p < xs.length; p++) {
    a = Float64Array.of(xs[p]);
    for (let l = 0; l + 1 < sizes.length; l++) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      const z = new Float64Array(nOut);
      for (let i = 0; i < nOut; i++) {
        let s = params[paramOffset + bOffset[l] + i];
        const row = paramOffset + wOffset[l] + i * nIn;
        for (let j = 0; j < nIn; j++) s += params[row + j] * a[j];
        z[i] = l + 2 < sizes.length ? (activation === 'sine' ? exactSin(s) : s > 0 ? s : 0) : s;
      }
      a = z;
    }
    out[p] = a[0];
  }
  return out;
}

/** Random initial parameters (SIREN-like for sine: first layer frequencies up to firstScale; Kaiming-uniform for relu). */
export function initInr(layout: InrLayout, activation: InrActivation, uniform: () => number, firstScale: number): Float64Array {
  const { sizes, wOffset, bOffset, paramCount } = layout;
  const w = new Float64Array(paramCount);
  const L = sizes.length - 1;
  for (let l = 0; l < L; l++) {
    const nIn = sizes[l];
    const nOut = sizes[l + 1];
    let wb: number;
    let bb: number;
    if (l === L - 1) {
      wb = 1 / Math.sqrt(nIn);
      bb = 1 / Math.sqrt(nIn);
    } else if (l === 0 && activation === 'sine') {
      wb = firstScale;
      bb = PI;
    } else {
      wb = Math.sqrt(6 / nIn);
      bb = 1 / Math.sqrt(nIn);
    }
    for (let i = 0; i < nOut * nIn; i++) w[wOffset[l] + i] = (2 * uniform() - 1) * wb;
    for (let i = 0; i < nOut; i++) w[bOffset[l] + i] = (2 * uniform() - 1) * bb;
  }
  return w;
}

/**
 * Fits params in place to (xs, ys) by full-batch Adam (beta 0.9 / 0.999, eps 1e-8) on the mean squared error for
 * `steps` steps; returns the final MSE.
 */
export function fitInr(params: Float64Array, layout: InrLayout, activation: InrActivation, xs: Float64Array, ys: Float64Array, steps: number, lr: number): number {
  const { sizes, wOffset, bOffset, paramCount } = layout;
  const L = sizes.length - 1;
  const P = xs.length;
  // activations a[l] (P, sizes[l]) and pre-activations z[l+1]
  const acts = sizes.map((n) => new Float64Array(P * n));
  const pres = sizes.map((n) => new Float64Array(P * n));
  const deltas = sizes.map((n) => new Float64Array(P * n));
  const grad = new Float64Array(paramCount);
  const m = new Float64Array(paramCount);
  const v = new Float64Array(paramCount);
  acts[0].set(xs);
  const forward = (): number => {
    for (let l = 0; l < L; l++) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      const a = acts[l];
      const z = pres[l + 1];
      const y = acts[l + 1];
      const hiddenLayer = l < L - 1;
      for (let p = 0; p < P; p++) {
        for (let i = 0; i < nOut; i++) {
          let s = params[bOffset[l] + i];
          const row = wOffset[l] + i * nIn;
          for (let j = 0; j < nIn; j++) s += params[row + j] * a[p * nIn + j];
          z[p * nOut + i] = s;
          y[p * nOut + i] = hiddenLayer ? (activation === 'sine' ? exactSin(s) : s > 0 ? s : 0) : s;
        }
      }
    }
    let mse = 0;
    const out = acts[L];
    for (let p = 0; p < P; p++) mse += (out[p] - ys[p]) * (out[p] - ys[p]);
    return mse / P;
  };
  const b1 = 0.9;
  const b2 = 0.999;
  let pow1 = 1;
  let pow2 = 1;
  for (let t = 1; t <= steps; t++) {
    forward();
    grad.fill(0);
    // d loss / d out
    const dOut = deltas[L];
    for (let p = 0; p < P; p++) dOut[p] = (2 * (acts[L][p] - ys[p])) / P;
    for (let l = L - 1; l >= 0; l--) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      const d = deltas[l + 1]; // d loss / d z_{l+1}
      const a = acts[l];
      for (let p = 0; p < P; p++) {
        for (let i = 0; i < nOut; i++) {
          const g = d[p * nOut + i];
          grad[bOffset[l] + i] += g;
          const row = wOffset[l] + i * nIn;
          for (let j = 0; j < nIn; j++) grad[row + j] += g * a[p * nIn + j];
        }
      }
      if (l === 0) break;
      const dPrev = deltas[l];
      const zPrev = pres[l];
      for (let p = 0; p < P; p++) {
        for (let j = 0; j < nIn; j++) {
          let s = 0;
          for (let i = 0; i < nOut; i++) s += params[wOffset[l] + i * nIn + j] * d[p * nOut + i];
          const zz = zPrev[p * nIn + j];
          dPrev[p * nIn + j] = s * (activation === 'sine' ? exactCos(zz) : zz > 0 ? 1 : 0);
        }
      }
    }
    pow1 *= b1;
    pow2 *= b2;
    const a = lr / (1 - pow1);
    for (let k = 0; k < paramCount; k++) {
      const g = grad[k];
      m[k] = b1 * m[k] + (1 - b1) * g;
      v[k] = b2 * v[k] + (1 - b2) * g * g;
      params[k] -= (a * m[k]) / (Math.sqrt(v[k] / (1 - pow2)) + 1e-8);
    }
  }
  return forward();
}
