import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/init.js';
import { makeFixtureExamples } from '../task/fixture.js';
import { fitMotionGain, motionBaselineLoss } from './motion-baseline.js';
import { createNet } from './nets.js';

before(async () => {
  await initBackend('cpu');
});

test('fitMotionGain recovers the gain of a constant-velocity target exactly, ignoring padding', () => {
  const ex = makeFixtureExamples({ count: 8, maxBodies: 3, maxVerts: 4, seed: 3 });
  for (let i = 0; i < ex.target.length; i++) {
    const real = ex.vertMask[Math.floor(i / 3)] !== 0;
    ex.target[i] = real ? ex.curr[i]! + 1.7 * (ex.curr[i]! - ex.prev[i]!) : 123; // padding must not count
  }
  assert.ok(Math.abs(fitMotionGain(ex) - 1.7) < 1e-5, `${fitMotionGain(ex)}`);
  assert.ok(motionBaselineLoss(ex, 1.7) < 1e-10);
  assert.ok(motionBaselineLoss(ex, 0) > 1e-3);
});

test('fitMotionGain is the least-squares gain (the baseline loss is minimal there) and 0 when nothing moves', () => {
  const ex = makeFixtureExamples({ count: 16, maxBodies: 3, maxVerts: 4, seed: 4 });
  const g = fitMotionGain(ex);
  for (const d of [-0.05, 0.05]) assert.ok(motionBaselineLoss(ex, g) < motionBaselineLoss(ex, g + d));
  const still = { ...ex, prev: ex.curr };
  assert.equal(fitMotionGain(still), 0);
});

test('both families add motionGain * (curr - prev) to their prediction', () => {
  const ex = makeFixtureExamples({ count: 2, maxBodies: 3, maxVerts: 4, seed: 5 });
  const shapes = { maxBodies: 3, maxVerts: 4, bodyFeatureCount: ex.bodyFeatureCount };
  const motion = tf.sub(tf.tensor(ex.curr), tf.tensor(ex.prev));
  for (const dims of [
    { family: 'transformer', width: 8, depth: 1, heads: 2, mlpRatio: 2 },
    { family: 'gatr', mvChannels: 2, sChannels: 4, blocks: 1, heads: 2 },
  ] as const) {
    const plain = createNet(dims, shapes, 1);
    const withGain = createNet(dims, shapes, 1, 1.5);
    const diff = tf.sub(tf.sub(withGain.predict(ex).reshape([-1]), plain.predict(ex).reshape([-1])), tf.mul(motion, 1.5));
    assert.ok(tf.max(tf.abs(diff)).dataSync()[0]! < 1e-5, dims.family);
    plain.dispose();
    withGain.dispose();
  }
  assert.throws(() => createNet({ family: 'gatr', mvChannels: 2, sChannels: 4, blocks: 1, heads: 2 }, shapes, 1, NaN), /motionGain must be a finite number/);
});
