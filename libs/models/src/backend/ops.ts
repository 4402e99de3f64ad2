/**
 * Differentiable building blocks with hand-written gradients: fewer, larger kernels than autodiff produces,
 * and no transposed-matmul flags (slow on wasm). All take 2-D (rows, features) inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { matMulT } from './wasm-fixes.js';

// tf.customGrad's typing lumps the save function into the tensor rest-parameter; the functions below are
// written with explicit parameters instead.
const customGrad = (f: (...args: any[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] }) =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * Sums over rows of (M, D) -> (D). Written as ones(1, M) @ x: on wasm a reduction over a non-innermost axis
 * transposes first and costs ~35x more than this matmul.
 */
export function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  const ones = tf.ones([1, x.shape[0]]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(ones, x), [x.shape[1]]);
}

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
        return [
          matMulT(dz, ws, false, true),
          matMulT(xs, dz, true, false),
          columnSums(dz as tf.Tensor2D),
        ];
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

// tanh-approximation GELU: 0.5 x (1 + tanh(z)) = x * sigmoid(2z), z = sqrt(2/pi) (x + 0.044715 x^3).
// Written with sigmoid because wasm's sigmoid is ~15x faster than its tanh or erf kernels.
const C1 = 2 * Math.sqrt(2 / Math.PI);
const C3 = C1 * 0.044715;

/** GELU (tanh approximation) with a hand-written gradient: d/dx = s + x s (1 - s) (C1 + 3 C3 x^2), s = sigmoid(2z). */
export const gelu = customGrad((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const x2 = tf.square(x);
  const s = tf.sigmoid(tf.mul(x, tf.add(tf.mul(x2, C3), C1)));
  save([x, x2, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, sq, sg] = saved;
      const dz = tf.add(tf.mul(sq, 3 * C3), C1);
      const ds = tf.mul(tf.mul(xs, tf.sub(sg, tf.square(sg))), dz);
      return [tf.mul(dy, tf.add(sg, ds))];
    },
  };
}) as unknown as <T extends tf.Tensor>(x: T) => T;

/**
 * Layer norm over the last axis of (M, D) without gain or bias (like GATr's scalar norm; the linear layer
 * that always follows absorbs an affine map), with a hand-written gradient:
 * dx = rstd * (dy - mean(dy) - xhat * mean(dy * xhat)).
 */
export function makeLayerNorm(eps = 1e-5) {
  return customGrad((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const variance = tf.mean(tf.square(xc), -1, true);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(xc, rstd);
    save([xhat, rstd]);
    return {
      value: xhat,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs] = saved;
        const a = tf.mean(dy, -1, true);
        const b = tf.mean(tf.mul(dy, xh), -1, true);
        return [tf.mul(rs, tf.sub(tf.sub(dy, a), tf.mul(xh, b)))];
      },
    };
  }) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;
}

export const layerNorm = makeLayerNorm();
