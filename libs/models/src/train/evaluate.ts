/**
 * Masked MSE over real vertices: mean over every coordinate of every vertex with vertMask = 1.
 */
import * as tf from '@tensorflow/tfjs';
import { sliceExamples, type Examples } from '@equiscale/rigid-body';
import type { Net } from '../task/net.js';

/** (N, B, V, 3) mask with the vertex mask repeated over xyz, and the count of its ones. */
export function coordMask(ex: Examples): { mask: Float32Array; count: number } {
  const mask = new Float32Array(ex.vertMask.length * 3);
  let count = 0;
  for (let i = 0; i < ex.vertMask.length; i++) {
    if (ex.vertMask[i] !== 0) {
      mask[i * 3] = mask[i * 3 + 1] = mask[i * 3 + 2] = 1;
      count += 3;
    }
  }
  return { mask, count };
}

/** Sum of masked squared errors as a scalar tensor (call inside a tidy scope). */
export function maskedSquaredError(pred: tf.Tensor, ex: Examples, mask: Float32Array): tf.Scalar {
  const shape = [ex.count, ex.maxBodies, ex.maxVerts, 3];
  const diff = tf.sub(pred, tf.tensor(ex.target, shape));
  return tf.sum(tf.mul(tf.square(diff), tf.tensor(mask, shape)));
}

/** Masked MSE of the net on the first `limit` examples (all when omitted), in chunks. */
export function evaluateLoss(net: Net, ex: Examples, limit = ex.count, chunk = 64): number {
  const n = Math.min(limit, ex.count);
  let sum = 0;
  let count = 0;
  for (let start = 0; start < n; start += chunk) {
    const part = sliceExamples(ex, start, Math.min(n, start + chunk) - start);
    const { mask, count: c } = coordMask(part);
    const s = tf.tidy(() => maskedSquaredError(net.predict(part), part, mask));
    sum += s.dataSync()[0];
    s.dispose();
    count += c;
  }
  return count === 0 ? 0 : sum / count;
}
