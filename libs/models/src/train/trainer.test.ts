import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { MetricPoint, TrialConfig, TrialData } from '../api.js';
import { initBackend } from '../backend/init.js';
import { makeFixtureExamples } from '../task/fixture.js';
import { deserializeCheckpoint } from './checkpoint.js';
import { fitMotionGain, motionBaselineLoss } from './motion-baseline.js';
import { trainTrial } from './trainer.js';

before(async () => {
  await initBackend('cpu');
});

const mk = (count: number, seed: number) => makeFixtureExamples({ count, maxBodies: 3, maxVerts: 4, seed });
const data: TrialData = { train: mk(96, 1), val: mk(32, 2), test: mk(32, 3) };

function config(over: Partial<TrialConfig> = {}): TrialConfig {
  return {
    family: 'transformer',
    augment: false,
    dims: { family: 'transformer', width: 16, depth: 1, heads: 2, mlpRatio: 2 },
    steps: 20,
    batchSize: 8,
    lr: { peak: 3e-3, kind: 'cosine', warmupSteps: 5, minRatio: 0.1, cooldownFraction: 0 },
    gradClip: 1,
    evalEvery: 0,
    evalExamples: 16,
    checkpointEvery: 0,
    seed: 11,
    ...over,
  };
}

test('transformer trains on the fixture task: validation loss falls well below its start', async () => {
  const metrics: MetricPoint[] = [];
  const c = config({ steps: 150, evalEvery: 10, evalExamples: 32, lr: { ...config().lr, peak: 1e-2 } });
  const out = await trainTrial(c, data, { onMetrics: (p) => void metrics.push(...p) });
  assert.equal(out.status, 'completed');
  assert.equal(out.step, 150);
  assert.equal(out.backend, 'cpu');
  const val = metrics.filter((m) => m.split === 'val');
  assert.ok(val.length >= 2);
  assert.ok(out.valLoss! < 0.5 * val[0].loss, `val ${val[0].loss} -> ${out.valLoss}`);
  assert.ok(out.testLoss! > 0 && Number.isFinite(out.testLoss!));
  assert.deepEqual(metrics.filter((m) => m.split === 'test').map((m) => m.step), [150]);
  assert.equal(metrics.at(-1)!.samplesSeen, 150 * 8);
});

test('transformer+augment trains too (loss falls), and augmentation changes the trajectory', async () => {
  const c = config({ steps: 220, augment: true, lr: { ...config().lr, peak: 1e-2 } });
  const first: number[] = [];
  const out = await trainTrial(c, data, { onMetrics: (p) => void first.push(...p.filter((m) => m.split === 'train').map((m) => m.loss)) });
  assert.equal(out.status, 'completed');
  assert.ok(out.trainLoss! < 0.5 * first[0], `train ${first[0]} -> ${out.trainLoss}`);
  const plain = await trainTrial({ ...c, augment: false }, data);
  assert.notEqual(out.testLoss, plain.testLoss);
});

// Runs on wasm (the GATr step is ~6x slower on the cpu backend).
test('gatr trains on the fixture task: validation loss falls clearly below the no-motion and constant-velocity baselines', async () => {
  await initBackend('wasm');
  try {
    const train: number[] = [];
    const c = config({
      family: 'gatr',
      dims: { family: 'gatr', mvChannels: 4, sChannels: 8, blocks: 1, heads: 2 },
      steps: 120,
      logEvery: 20,
      lr: { ...config().lr, peak: 1e-2 },
    });
    const out = await trainTrial(c, data, { onMetrics: (p) => void train.push(...p.filter((m) => m.split === 'train').map((m) => m.loss)) });
    assert.equal(out.status, 'completed');
    assert.equal(out.summary.dims.family, 'gatr');
    const noMotion = motionBaselineLoss(data.val, 0);
    const constantVelocity = motionBaselineLoss(data.val, fitMotionGain(data.train));
    const what = `val ${out.valLoss} (no motion ${noMotion}, constant velocity ${constantVelocity}); train ${train.map((x) => x.toExponential(2)).join(' -> ')}`;
    assert.ok(out.valLoss! < 0.1 * noMotion, what);
    assert.ok(out.valLoss! < 0.5 * constantVelocity, what);
    assert.ok(train.at(-1)! < 0.5 * train[0], what);
  } finally {
    await initBackend('cpu');
  }
});

test('train 10 + checkpoint + restore + train 10 equals train 20, bit for bit', async () => {
  const c = config({ steps: 20, checkpointEvery: 10, augment: true });
  const straight: Uint8Array[] = [];
  const a = await trainTrial(c, data, { onCheckpoint: (ck) => void straight.push(ck) });
  let stopped: Uint8Array | null = null;
  let steps = 0;
  const b1 = await trainTrial({ ...c, checkpointEvery: 0 }, data, {
    onProgress: (s) => (steps = s),
    shouldStop: () => steps === 10,
    onCheckpoint: (ck) => void (stopped = ck),
  });
  assert.equal(b1.status, 'stopped');
  assert.equal(b1.step, 10);
  assert.ok(stopped);
  const resumed: Uint8Array[] = [];
  const b2 = await trainTrial(c, data, { onCheckpoint: (ck) => void resumed.push(ck) }, stopped);
  assert.equal(b2.status, 'completed');
  assert.equal(b2.step, 20);
  assert.equal(resumed.length, 1);
  const x = deserializeCheckpoint(straight[1]);
  const y = deserializeCheckpoint(resumed[0]);
  assert.equal(x.header.step, 20);
  assert.deepEqual(y.header.data, x.header.data);
  assert.deepEqual(Buffer.from(y.params.buffer), Buffer.from(x.params.buffer));
  assert.deepEqual(Buffer.from(y.m.buffer), Buffer.from(x.m.buffer));
  assert.deepEqual(Buffer.from(y.v.buffer), Buffer.from(x.v.buffer));
  assert.equal(b2.testLoss, a.testLoss);
  assert.equal(b2.valLoss, a.valLoss);
});

test('restoring into a different model size fails with a clear error', async () => {
  let ck: Uint8Array | null = null;
  await trainTrial(config({ steps: 6, checkpointEvery: 2 }), data, { onCheckpoint: (c) => void (ck = c) });
  const other = config({ dims: { family: 'transformer', width: 8, depth: 1, heads: 2, mlpRatio: 2 } });
  await assert.rejects(trainTrial(other, data, {}, ck!), /checkpoint dims .* differ from the trial's dims/);
  await assert.rejects(trainTrial(config({ seed: 12 }), data, {}, ck!), /resume with the same trial/);
});

test('tensor memory stays flat over a long run', async () => {
  const counts: number[] = [];
  const before = tf.memory().numTensors;
  const out = await trainTrial(config({ steps: 100, evalEvery: 25, checkpointEvery: 30 }), data, {
    onProgress: (s) => {
      if (s % 10 === 0) counts.push(tf.memory().numTensors);
    },
    onCheckpoint: () => undefined,
  });
  assert.equal(out.status, 'completed');
  assert.equal(counts.length, 10);
  assert.ok(counts.every((c) => c === counts[0]), `numTensors over the run: ${counts.join(',')}`);
  assert.equal(tf.memory().numTensors, before, 'every tensor of the trial is released at the end');
});

test('an absurd learning rate ends the trial as diverged, with an error string, without throwing', async () => {
  const metrics: MetricPoint[] = [];
  const out = await trainTrial(config({ steps: 50, lr: { ...config().lr, peak: 1e30, warmupSteps: 0 } }), data, {
    onMetrics: (p) => void metrics.push(...p),
  });
  assert.equal(out.status, 'diverged');
  assert.ok(out.step < 50);
  assert.match(out.error!, /(training loss|gradient norm) is (NaN|Infinity|-Infinity) at step \d+/);
  assert.equal(out.testLoss, null);
});

test('bad config is a clear error naming the field', async () => {
  await assert.rejects(trainTrial(config({ batchSize: 0 }), data), /config.batchSize must be a positive integer/);
  await assert.rejects(trainTrial(config({ lr: { ...config().lr, warmupSteps: 99 } }), data), /lr.warmupSteps \(99\) must not exceed steps \(20\)/);
  await assert.rejects(trainTrial({ ...config(), family: 'gatr' }, data), /config.dims.family \("transformer"\) must equal config.family \("gatr"\)/);
});
