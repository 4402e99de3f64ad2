import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { geometricProduct, innerProduct, join, makeRng, multivector } from '../algebra/index.js';
import { gatedGelu, geluErf, geluTanh, geometricProductRows, joinRows, layerNorm } from './primitives.js';

before(async () => {
  await tf.setBackend('cpu');
});

const randn = (n: number, seed: number): Float32Array => {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
};

describe('GATr primitives', () => {
  it('geometricProductRows and joinRows match the algebra geometric product and plain join per channel', async () => {
    const rows = 3;
    const h = 2;
    const left = randn(rows * h * 16, 1);
    const right = randn(rows * h * 16, 2);
    const l = tf.tensor2d(left, [rows, 16 * h]);
    const r = tf.tensor2d(right, [rows, 16 * h]);
    const gp = await geometricProductRows(l, r, h).data();
    const jn = await joinRows(l, r, h).data();
    const unit = multivector({ 14: 1 });
    for (let k = 0; k < rows * h; k++) {
      const x = left.subarray(16 * k, 16 * k + 16);
      const y = right.subarray(16 * k, 16 * k + 16);
      const egp = geometricProduct(x, y);
      const ejn = join(x, y, unit);
      for (let i = 0; i < 16; i++) {
        assert.ok(Math.abs(gp[16 * k + i]! - egp[i]!) < 1e-4, `gp pair ${k} component ${i}`);
        assert.ok(Math.abs(jn[16 * k + i]! - ejn[i]!) < 1e-4, `join pair ${k} component ${i}`);
      }
    }
  });

  it('layerNorm divides multivectors by the clamped mean inner product and standardises scalars', async () => {
    const [c, s] = [3, 4];
    const x = randn(2 * (16 * c + s), 3);
    x.subarray(16 * c + s, 2 * (16 * c + s) - s).fill(0.01); // second row: tiny multivectors hit the clamp
    const y = await layerNorm(tf.tensor2d(x, [2, 16 * c + s]), c, s).data();
    for (let r = 0; r < 2; r++) {
      const row = x.subarray(r * (16 * c + s), (r + 1) * (16 * c + s));
      let mean = 0;
      for (let ch = 0; ch < c; ch++) mean += innerProduct(row.subarray(16 * ch, 16 * ch + 16), row.subarray(16 * ch, 16 * ch + 16)) / c;
      const denom = Math.sqrt(Math.max(mean, 0.01));
      for (let i = 0; i < 16 * c; i++) assert.ok(Math.abs(y[r * (16 * c + s) + i]! - row[i]! / denom) < 1e-4);
      const sc = Array.from(row.subarray(16 * c));
      const mu = sc.reduce((a, b) => a + b, 0) / s;
      const v = sc.reduce((a, b) => a + (b - mu) ** 2, 0) / s;
      sc.forEach((val, i) => assert.ok(Math.abs(y[r * (16 * c + s) + 16 * c + i]! - (val - mu) / Math.sqrt(v + 1e-5)) < 1e-4));
    }
  });

  it('gatedGelu gates each channel by tanh-GELU of its scalar blade and applies erf-GELU to scalars', async () => {
    const [c, s] = [2, 3];
    const x = randn(16 * c + s, 4);
    const y = await gatedGelu(tf.tensor2d(x, [1, 16 * c + s]), c, s).data();
    const gTanh = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < 16; i++) assert.ok(Math.abs(y[16 * ch + i]! - x[16 * ch + i]! * gTanh(x[16 * ch]!)) < 1e-5);
    }
    // erf GELU reference values: GELU(1) = 0.841345, GELU(-1) = -0.158655
    const e = await geluErf(tf.tensor1d([1, -1, 0])).data();
    assert.ok(Math.abs(e[0]! - 0.841345) < 1e-5 && Math.abs(e[1]! + 0.158655) < 1e-5 && e[2] === 0);
    const t = await geluTanh(tf.tensor1d([1])).data();
    assert.ok(Math.abs(t[0]! - gTanh(1)) < 1e-6);
    for (let i = 0; i < s; i++) {
      const v = x[16 * c + i]!;
      const expected = (await geluErf(tf.scalar(v)).data())[0]!;
      assert.ok(Math.abs(y[16 * c + i]! - expected) < 1e-6);
    }
  });
});
