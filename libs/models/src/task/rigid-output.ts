/**
 * The 'rigid' output parametrisation shared by both families (api.ts OutputMode): per body a translation t of
 * its vertex centroid c (mean of its real vertices at frame t) and a rotation vector w (axis * angle, radians)
 * about c; vertex v goes to
 *   curr_v + t + R(w) (curr_v - c) - (curr_v - c),
 * R(w) by Rodrigues' formula: R r = r + a (w x r) + b w x (w x r), a = sin(θ)/θ, b = (1 - cos θ)/θ²,
 * θ = |w| (b written as 2 sin²(θ/2)/θ², stable near 0). Six numbers per body: every rigid motion is reachable,
 * so no model is rank-limited in how a body's vertices move together. Equivariance: t is a vector and w an
 * axial vector (w -> det(R) R w under x -> R x), so R(w') r' = R (R(w) r) for r' = R r, reflections included.
 */
import * as tf from '@tensorflow/tfjs';

/** (3, 9): w -> the row-major cross-product matrix K(w), K(w) r = w x r. */
let skewBasis: tf.Tensor2D | null = null;
function skew(): tf.Tensor2D {
  if (skewBasis === null || skewBasis.isDisposed) {
    // K = [[0, -w2, w1], [w2, 0, -w0], [-w1, w0, 0]]
    const m = new Float32Array(27);
    const set = (comp: number, row: number, col: number, v: number) => (m[comp * 9 + row * 3 + col] = v);
    set(2, 0, 1, -1); set(1, 0, 2, 1); set(2, 1, 0, 1); set(0, 1, 2, -1); set(1, 2, 0, -1); set(0, 2, 1, 1);
    skewBasis = tf.keep(tf.tensor2d(m, [3, 9]));
  }
  return skewBasis;
}

/**
 * Displacements (N, B, V, 3) of the vertices curr (N, B, V, 3) (vertMask (N, B, V)) under per-body translations
 * (N, B, 3) and rotation vectors (N, B, 3). Padding vertices get the body's translation (the loss masks them).
 * Written as few, larger ops (wasm pays per op): per body M = R(w) - I = a K + b K², and the displacement of
 * r (a row vector) is r Mᵀ = r (b K² - a K) (Kᵀ = -K, K² symmetric): one batched matMul over the vertices.
 */
export function rigidDisplacement(curr: tf.Tensor, vertMask: tf.Tensor, translation: tf.Tensor, rotation: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [n, b, v] = curr.shape as [number, number, number, number];
    const m = vertMask.reshape([n, b, v, 1]);
    const centre = tf.div(tf.sum(tf.mul(curr, m), 2, true), tf.maximum(tf.sum(m, 2, true), 1)); // (N, B, 1, 3)
    const r = tf.mul(tf.sub(curr, centre), m).reshape([n * b, v, 3]);
    const w = rotation.reshape([n * b, 3]);
    const k = tf.matMul(w as tf.Tensor2D, skew()).reshape([n * b, 3, 3]);
    const theta2 = tf.add(tf.sum(tf.square(w), 1), 1e-12).reshape([n * b, 1, 1]);
    const theta = tf.sqrt(theta2);
    const a = tf.div(tf.sin(theta), theta);
    const bb = tf.div(tf.mul(tf.square(tf.sin(tf.mul(theta, 0.5))), 2), theta2);
    const mT = tf.sub(tf.mul(bb, tf.matMul(k as tf.Tensor3D, k as tf.Tensor3D)), tf.mul(a, k)); // (R - I)ᵀ
    const disp = tf.matMul(r as tf.Tensor3D, mT as tf.Tensor3D).reshape([n, b, v, 3]);
    return tf.add(disp, translation.reshape([n, b, 1, 3]));
  });
}
