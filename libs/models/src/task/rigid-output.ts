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

function cross(u: tf.Tensor, v: tf.Tensor): tf.Tensor {
  const [u0, u1, u2] = tf.split(u, 3, -1);
  const [v0, v1, v2] = tf.split(v, 3, -1);
  return tf.concat([tf.sub(tf.mul(u1!, v2!), tf.mul(u2!, v1!)), tf.sub(tf.mul(u2!, v0!), tf.mul(u0!, v2!)), tf.sub(tf.mul(u0!, v1!), tf.mul(u1!, v0!))], -1);
}

/**
 * Displacements (N, B, V, 3) of the vertices curr (N, B, V, 3) (vertMask (N, B, V)) under per-body translations
 * (N, B, 3) and rotation vectors (N, B, 3). Padding vertices get the body's translation (the loss masks them).
 */
export function rigidDisplacement(curr: tf.Tensor, vertMask: tf.Tensor, translation: tf.Tensor, rotation: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [n, b, v] = curr.shape as [number, number, number, number];
    const m = vertMask.reshape([n, b, v, 1]);
    const centre = tf.div(tf.sum(tf.mul(curr, m), 2, true), tf.maximum(tf.sum(m, 2, true), 1)); // (N, B, 1, 3)
    const r = tf.mul(tf.sub(curr, centre), m);
    const w = rotation.reshape([n, b, 1, 3]);
    const theta2 = tf.add(tf.sum(tf.square(w), -1, true), 1e-12);
    const theta = tf.sqrt(theta2);
    const a = tf.div(tf.sin(theta), theta);
    const half = tf.sin(tf.mul(theta, 0.5));
    const bb = tf.div(tf.mul(tf.square(half), 2), theta2);
    const wr = cross(tf.broadcastTo(w, [n, b, v, 3]), r);
    const wwr = cross(tf.broadcastTo(w, [n, b, v, 3]), wr);
    return tf.add(translation.reshape([n, b, 1, 3]), tf.add(tf.mul(a, wr), tf.mul(bb, wwr)));
  });
}
