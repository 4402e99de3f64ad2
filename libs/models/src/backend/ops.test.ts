import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@equiscale/rigid-body';
import { initBackend } from './init.js';
import { gelu, layerNorm, linear } from './ops.js';

before(async () => {
  await initBackend('cpu');
});

function rand(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

function close(a: tf.Tensor, b: tf.Tensor, tol = 1e-4): void {
  assert.deepEqual(a.shape, b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < x.length; i++) {
    assert.ok(Math.abs(x[i] - y[i]) <= tol * (1 + Math.abs(y[i])), `index ${i}: ${x[i]} vs ${y[i]}`);
  }
}

/** Gradients of sum(f(inputs) * w) for a fixed random w, so every output element matters differently. */
function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number): tf.Tensor[] {
  const out = f(...inputs);
  const w = rand(out.shape, seed);
  return tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs);
}

test('linear: value and gradients equal the plain ops (linear and relu)', () => {
  const x = rand([5, 3], 1);
  const w = rand([3, 4], 2);
  const b = rand([4], 3);
  for (const act of ['linear', 'relu'] as const) {
    const ref = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
      const y = tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb);
      return act === 'relu' ? tf.relu(y) : y;
    };
    const mine = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => linear(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, act);
    close(mine(x, w, b), ref(x, w, b));
    const g1 = gradsOf(mine, [x, w, b], 4);
    const g2 = gradsOf(ref, [x, w, b], 4);
    g1.forEach((g, i) => close(g, g2[i]));
  }
});

test('gelu: tanh-approximation GELU, gradient equals autodiff of the tanh formula', () => {
  const x = tf.mul(rand([7, 3], 5), 2);
  const ref = (t: tf.Tensor) =>
    tf.mul(tf.mul(t, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(t, tf.mul(0.044715, tf.pow(t, 3)))))));
  close(gelu(x), ref(x));
  close(gradsOf(gelu, [x], 6)[0], gradsOf(ref, [x], 6)[0]);
  // GELU_tanh(1) = 0.5 * (1 + tanh(sqrt(2/pi) * 1.044715)) = 0.8411920
  assert.ok(Math.abs(gelu(tf.scalar(1)).dataSync()[0] - 0.841192) < 1e-5);
});

test('layerNorm: value and gradient equal autodiff of the textbook formula (no gain or bias)', () => {
  const x = rand([6, 5], 7);
  const ref = (xx: tf.Tensor) => {
    const { mean, variance } = tf.moments(xx, -1, true);
    return tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-5)));
  };
  const mine = (xx: tf.Tensor) => layerNorm(xx as tf.Tensor2D);
  close(mine(x), ref(x));
  close(gradsOf(mine, [x], 10)[0], gradsOf(ref, [x], 10)[0], 2e-4);
});

test('BatchMatMul gradient override: every transpose combination matches finite differences', () => {
  const a0 = rand([2, 3, 4], 11);
  const b0 = rand([2, 4, 5], 12);
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    const a = ta ? tf.transpose(a0, [0, 2, 1]) : a0;
    const b = tb ? tf.transpose(b0, [0, 2, 1]) : b0;
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, ta, tb);
    const w = rand([2, 3, 5], 13);
    const loss = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), w));
    const [ga, gb] = tf.grads(loss)([a, b]);
    // d loss / d a[i] by central differences (float64 in JS from float32 tensors is fine at eps 1e-2: loss is bilinear)
    for (const [t, g, which] of [[a, ga, 0], [b, gb, 1]] as const) {
      const base = t.dataSync().slice();
      const gd = g.dataSync();
      for (const i of [0, 5, base.length - 1]) {
        const plus = base.slice();
        const minus = base.slice();
        plus[i] += 1e-2;
        minus[i] -= 1e-2;
        const tp = tf.tensor(plus, t.shape);
        const tm = tf.tensor(minus, t.shape);
        const lp = (which === 0 ? loss(tp, b) : loss(a, tp)).dataSync()[0];
        const lm = (which === 0 ? loss(tm, b) : loss(a, tm)).dataSync()[0];
        const fd = (lp - lm) / 2e-2;
        assert.ok(Math.abs(fd - gd[i]) < 1e-2 * (1 + Math.abs(fd)), `ta=${ta} tb=${tb} input ${which} [${i}]: ${gd[i]} vs fd ${fd}`);
      }
    }
  }
});

test('BatchMatMul gradient override: broadcast batch dims are summed back', () => {
  const a = rand([3, 2, 4], 14);
  const b = rand([1, 4, 5], 15);
  const [, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D)))([a, b]);
  assert.deepEqual(gb.shape, [1, 4, 5]);
  // d sum(A B) / d B[k, j] = sum over batch and rows of A[.., k]
  const colSums = tf.sum(a, [0, 1]).dataSync();
  const g = gb.dataSync();
  for (let k = 0; k < 4; k++) for (let j = 0; j < 5; j++) assert.ok(Math.abs(g[k * 5 + j] - colSums[k]) < 1e-4);
});
