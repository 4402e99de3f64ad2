/**
 * Differentiable building blocks with hand-written gradients: fewer, larger kernels than autodiff produces,
 * and no transposed-matmul flags (slow on wasm). All take 2-D (rows, features) inputs.
 */
import * as tf from '@tensorflow/tfjs';

// tf.customGrad's typing lumps the save function into the tensor rest-parameter; the functions below are
// written with explicit parameters instead.
const customGrad = (f: (...args: any[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] }) =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]);

export type Activation = 'linear' | 'relu';

const cache = new Map<Activation, (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D>();

function linearOp(act: Activation): (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D {
  const hit = cache.get(act);
  if (hit) return hit;
  const op = customGrad((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const y = tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b, activation: act });
    save(act === 'relu' ? [x, w, y] : [x, w]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved;
        const dz = act === 'relu' ? tf.mul(dy, tf.step(saved[2])) : dy;
        return [tf.matMul(dz as tf.Tensor2D, tf.transpose(ws) as tf.Tensor2D), tf.matMul(tf.transpose(xs) as tf.Tensor2D, dz as tf.Tensor2D), tf.sum(dz, 0)];
      },
    };
  }) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
  cache.set(act, op);
  return op;
}

/** y = act(x @ w + b); x (M, in), w (in, out), b (out). */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, act: Activation = 'linear'): tf.Tensor2D {
  return linearOp(act)(x, w, b);
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Exact (erf) GELU with a hand-written gradient. */
export const gelu = customGrad((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const cdf = tf.add(tf.mul(tf.erf(tf.mul(x, SQRT1_2)), 0.5), 0.5);
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, c] = saved;
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), INV_SQRT_2PI);
      return [tf.mul(dy, tf.add(c, tf.mul(xs, pdf)))];
    },
  };
}) as unknown as <T extends tf.Tensor>(x: T) => T;

/**
 * Layer norm over the last axis of (M, D) with gain and bias, hand-written gradient:
 * dx = rstd * (g*dy - mean(g*dy) - xhat * mean(g*dy * xhat)).
 */
export function makeLayerNorm(eps = 1e-5) {
  return customGrad((x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const variance = tf.mean(tf.square(xc), -1, true);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(xc, rstd);
    save([xhat, rstd, gain]);
    return {
      value: tf.add(tf.mul(xhat, gain), bias),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, g] = saved;
        const gdy = tf.mul(dy, g);
        const a = tf.mean(gdy, -1, true);
        const b = tf.mean(tf.mul(gdy, xh), -1, true);
        const dx = tf.mul(rs, tf.sub(tf.sub(gdy, a), tf.mul(xh, b)));
        return [dx, tf.sum(tf.mul(dy, xh), 0), tf.sum(dy, 0)];
      },
    };
  }) as unknown as (x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D) => tf.Tensor2D;
}

export const layerNorm = makeLayerNorm();
