import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng, randomE3, transformExamples, type Examples } from '@equiscale/rigid-body';
import { initBackend } from '../backend/init.js';
import { makeFixtureExamples } from '../task/fixture.js';
import { createTransformerModel } from './model.js';
import { benchmarkEquivarianceError } from '../gatr/index.js';

before(async () => {
  await initBackend('cpu');
});

const dims = { family: 'transformer' as const, width: 16, depth: 2, heads: 4, mlpRatio: 2 };

function predict(ex: Examples, seed = 3): Float32Array {
  const net = createTransformerModel(dims, { maxBodies: ex.maxBodies, maxVerts: ex.maxVerts, bodyFeatureCount: ex.bodyFeatureCount }, seed);
  // a larger head so the network's own output, not just "curr", is visible
  const head = net.variables[net.variables.length - 2];
  head.assign(tf.mul(head, 100));
  const out = tf.tidy(() => net.predict(ex)).dataSync() as Float32Array;
  net.dispose();
  return out;
}

test('initialisation is deterministic per seed', () => {
  const ex = makeFixtureExamples({ count: 3, maxBodies: 3, maxVerts: 4, seed: 1 });
  assert.deepEqual(predict(ex, 3), predict(ex, 3));
  assert.notDeepEqual(predict(ex, 3), predict(ex, 4));
});

/** The same examples padded to one more body slot. */
function padOneMoreBody(ex: Examples): Examples {
  const B = ex.maxBodies + 1;
  const V = ex.maxVerts;
  const F = ex.bodyFeatureCount;
  const grow = (src: Float32Array, per: number) => {
    const out = new Float32Array(ex.count * B * per);
    for (let n = 0; n < ex.count; n++) out.set(src.subarray(n * ex.maxBodies * per, (n + 1) * ex.maxBodies * per), n * B * per);
    return out;
  };
  return {
    ...ex,
    maxBodies: B,
    prev: grow(ex.prev, V * 3),
    curr: grow(ex.curr, V * 3),
    target: grow(ex.target, V * 3),
    vertMask: grow(ex.vertMask, V),
    bodyMask: grow(ex.bodyMask, 1),
    bodyFeatures: grow(ex.bodyFeatures, F),
  };
}

test('padded bodies do not influence real bodies (attention mask): extra padding leaves predictions unchanged', () => {
  const ex = makeFixtureExamples({ count: 4, maxBodies: 3, maxVerts: 4, seed: 2 });
  const a = predict(ex);
  const wide = padOneMoreBody(ex);
  const b = predict(wide);
  const V3 = ex.maxVerts * 3;
  for (let n = 0; n < ex.count; n++) {
    for (let j = 0; j < ex.maxBodies; j++) {
      if (!ex.bodyMask[n * ex.maxBodies + j]) continue;
      for (let k = 0; k < V3; k++) {
        const x = a[(n * ex.maxBodies + j) * V3 + k];
        const y = b[(n * wide.maxBodies + j) * V3 + k];
        assert.ok(Math.abs(x - y) < 1e-5, `example ${n} body ${j}: ${x} vs ${y}`);
      }
    }
  }
});

test('the baseline transformer is NOT E(3)-equivariant (but is translation-equivariant by construction)', () => {
  const ex = makeFixtureExamples({ count: 4, maxBodies: 3, maxVerts: 4, seed: 5 });
  const rng = new Rng(9);
  const g = randomE3(rng);
  const lhs = predict(transformExamples(ex, g)); // f(g x)
  const gOut = transformExamples({ ...ex, curr: predict(ex), prev: ex.prev, target: ex.target }, g).curr; // g f(x)
  let maxErr = 0;
  for (let i = 0; i < lhs.length; i++) if (ex.vertMask[Math.floor(i / 3)]) maxErr = Math.max(maxErr, Math.abs(lhs[i] - gOut[i]));
  assert.ok(maxErr > 1e-2, `rotation equivariance error ${maxErr} should be large`);
  const shift = { rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0.5, -1, 2] };
  const l2 = predict(transformExamples(ex, shift));
  const r2 = transformExamples({ ...ex, curr: predict(ex) }, shift).curr;
  for (let i = 0; i < l2.length; i++) if (ex.vertMask[Math.floor(i / 3)]) assert.ok(Math.abs(l2[i] - r2[i]) < 1e-4);
});

test('the shared equivariance check (gatr/equivariance.ts) fails on the baseline transformer', async () => {
  const ex = makeFixtureExamples({ count: 4, maxBodies: 3, maxVerts: 4, seed: 6 });
  const net = createTransformerModel(dims, { maxBodies: 3, maxVerts: 4, bodyFeatureCount: ex.bodyFeatureCount }, 1);
  const head = net.variables[net.variables.length - 2];
  head.assign(tf.mul(head, 100));
  const g = randomE3(new Rng(4));
  const err = await benchmarkEquivarianceError((x) => net.predict(x), ex, g);
  net.dispose();
  assert.ok(err.relToDisplacement > 0.1, `relative error ${err.relToDisplacement} should be far from 0`);
});
