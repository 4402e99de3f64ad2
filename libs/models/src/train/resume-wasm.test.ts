/**
 * Resume equals uninterrupted on the wasm backend (the default backend, and the one the demo's workers use): train
 * 10 steps, stop with a checkpoint, restore, train 10 more — parameters, Adam moments, data position and the
 * final losses equal a straight 20-step run bit for bit. trainer.test.ts checks the same on the cpu backend.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { TrialConfig, TrialData } from '../api.js';
import { initBackend } from '../backend/init.js';
import { makeFixtureExamples } from '../task/fixture.js';
import { deserializeCheckpoint } from './checkpoint.js';
import { trainTrial } from './trainer.js';

const mk = (count: number, seed: number) => makeFixtureExamples({ count, maxBodies: 3, maxVerts: 4, seed });
const data: TrialData = { train: mk(64, 1), val: mk(16, 2), test: mk(16, 3) };

const base: Omit<TrialConfig, 'family' | 'dims'> = {
  augment: false,
  steps: 20,
  batchSize: 8,
  lr: { peak: 3e-3, kind: 'cosine', warmupSteps: 5, minRatio: 0.1, cooldownFraction: 0 },
  gradClip: 1,
  evalEvery: 0,
  evalExamples: 16,
  checkpointEvery: 10,
  seed: 11,
};

const configs: [string, TrialConfig][] = [
  ['transformer+augment', { ...base, augment: true, family: 'transformer', dims: { family: 'transformer', width: 16, depth: 1, heads: 2, mlpRatio: 2 } }],
  ['gatr', { ...base, family: 'gatr', dims: { family: 'gatr', mvChannels: 4, sChannels: 8, blocks: 1, heads: 2 } }],
];

describe('resume on the wasm backend', () => {
  before(async () => {
    await initBackend('wasm');
  });
  after(() => {
    tf.disposeVariables();
  });

  for (const [name, c] of configs) {
    it(`${name}: train 10 + checkpoint + restore + train 10 equals train 20, bit for bit`, async () => {
      const straight: Uint8Array[] = [];
      const a = await trainTrial(c, data, { onCheckpoint: (ck) => void straight.push(ck) });
      assert.match(a.backend, /^wasm(\+openblas)?$/, 'trained on the wasm backend (with OpenBLAS matmuls when the library is installed)');
      let stopped: Uint8Array | null = null;
      let steps = 0;
      const b1 = await trainTrial({ ...c, checkpointEvery: 0 }, data, {
        onProgress: (s) => (steps = s),
        shouldStop: () => steps === 10,
        onCheckpoint: (ck) => void (stopped = ck),
      });
      assert.deepEqual([b1.status, b1.step], ['stopped', 10]);
      assert.ok(stopped);
      const resumed: Uint8Array[] = [];
      const b2 = await trainTrial(c, data, { onCheckpoint: (ck) => void resumed.push(ck) }, stopped);
      assert.deepEqual([b2.status, b2.step, b2.backend], ['completed', 20, a.backend]);
      const x = deserializeCheckpoint(straight.at(-1)!);
      const y = deserializeCheckpoint(resumed.at(-1)!);
      assert.equal(x.header.step, 20);
      assert.deepEqual(y.header.data, x.header.data);
      assert.deepEqual(Buffer.from(y.params.buffer), Buffer.from(x.params.buffer), 'parameters');
      assert.deepEqual(Buffer.from(y.m.buffer), Buffer.from(x.m.buffer), 'Adam first moments');
      assert.deepEqual(Buffer.from(y.v.buffer), Buffer.from(x.v.buffer), 'Adam second moments');
      assert.deepEqual([b2.trainLoss, b2.valLoss, b2.testLoss], [a.trainLoss, a.valLoss, a.testLoss]);
    });
  }
});
