/**
 * A net's variables as one flat Float32 master copy (variable order), as the trainers keep them for Adam and
 * checkpoints: read once at the start, written back after every update. Used by the rigid-body trainer and the
 * weight-space benchmark's trainer alike.
 */
import * as tf from '@tensorflow/tfjs';

/** Reads every variable into one flat array (variable order). */
export function readParams(net: { variables: readonly tf.Variable[] }): Float32Array {
  const flat = tf.tidy(() => tf.concat(net.variables.map((v) => tf.reshape(v, [-1]))));
  const out = Float32Array.from(flat.dataSync() as Float32Array);
  flat.dispose();
  return out;
}

/** Writes the flat master copy back into the variables (copied: the master copy is updated in place later). */
export function writeParams(net: { variables: readonly tf.Variable[] }, params: Float32Array): void {
  let off = 0;
  for (const v of net.variables) {
    const n = v.shape.reduce((p, x) => p * x, 1);
    const t = tf.tensor(params.slice(off, off + n), v.shape);
    v.assign(t);
    t.dispose();
    off += n;
  }
}
