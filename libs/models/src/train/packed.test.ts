import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrialConfig, TrialData } from '../api.js';
import { initBackend } from '../backend/init.js';
import { nativeKernelsActive, setNativeKernels } from '../backend/native-blas.js';
import { makeFixtureExamples } from '../task/fixture.js';
import { deserializeCheckpoint } from './checkpoint.js';
import { trainPacked } from './packed.js';
import { trainTrial } from './trainer.js';

// On OpenBLAS (CI installs it) each packed trial runs the same sgemm calls as alone: bit-identical.
const wasmOnly = process.env.EQUISCALE_KERNELS === 'wasm';

before(async () => {
  await initBackend('wasm');
  if (!wasmOnly) assert.ok(nativeKernelsActive(), 'OpenBLAS kernels are on (apt-get install -y libopenblas0)');
});

const mk = (count: number, seed: number) => makeFixtureExamples({ count, maxBodies: 4, maxVerts: 4, seed });
const data: TrialData = { train: mk(64, 1), val: mk(16, 2), test: mk(16, 3) };
const config = (seed: number, peak: number, over: Partial<TrialConfig> = {}): TrialConfig => ({
  family: 'transformer',
  augment: false,
  dims: { family: 'transformer', width: 16, depth: 2, heads: 2, mlpRatio: 2 },
  steps: 6,
  batchSize: 8,
  lr: { peak, kind: 'cosine', warmupSteps: 2, minRatio: 0.1, cooldownFraction: 0 },
  gradClip: 1,
  evalEvery: 0,
  evalExamples: 8,
  checkpointEvery: 0,
  logEvery: 1,
  seed,
  ...over,
});
// seeds, learning rates, schedules and augmentation differ; shapes are shared
const configs = [
  config(1, 3e-3),
  config(2, 1e-2, { augment: true }),
  config(3, 1e-3, { lr: { peak: 1e-3, kind: 'constant-cooldown', warmupSteps: 1, minRatio: 0, cooldownFraction: 0.5 } }),
];

/** Trains one config alone; returns its per-step losses, final params (from a last checkpoint) and losses. */
async function alone(c: TrialConfig) {
  const losses: number[] = [];
  let last: Uint8Array | null = null;
  const out = await trainTrial({ ...c, checkpointEvery: c.steps }, data, {
    onMetrics: (p) => void losses.push(...p.filter((m) => m.split === 'train').map((m) => m.loss)),
    onCheckpoint: (ck) => void (last = ck),
  });
  return { out, losses, params: deserializeCheckpoint(last!).params };
}

test('packed trials on OpenBLAS equal each trial trained alone, bit for bit (losses, weights, val/test loss)', { skip: wasmOnly && 'EQUISCALE_KERNELS=wasm' }, async () => {
  setNativeKernels(true);
  const packed = trainPacked(configs, data);
  for (const [i, c] of configs.entries()) {
    const a = await alone(c);
    const p = packed[i];
    assert.equal(p.status, 'completed');
    assert.equal(p.step, c.steps);
    assert.deepEqual(p.trainLosses, a.losses, `trial ${i} losses`);
    assert.deepEqual(Buffer.from(p.params.buffer), Buffer.from(a.params.buffer), `trial ${i} weights`);
    assert.equal(p.valLoss, a.out.valLoss);
    assert.equal(p.testLoss, a.out.testLoss);
  }
  // the trials really differ (a packing that mixed them up could not pass the equalities above with equal trials)
  assert.notEqual(packed[0].trainLosses.at(-1), packed[2].trainLosses.at(-1));
});

test('packed trials on the wasm kernels equal each trial alone to float32 rounding (relative 1e-5)', async () => {
  setNativeKernels(false);
  try {
    const packed = trainPacked(configs, data);
    for (const [i, c] of configs.entries()) {
      const a = await alone(c);
      const rel = packed[i].trainLosses.map((l, j) => Math.abs(l - a.losses[j]) / a.losses[j]);
      assert.ok(Math.max(...rel) < 1e-5, `trial ${i}: ${packed[i].trainLosses} vs ${a.losses}`);
      assert.ok(Math.abs(packed[i].valLoss! - a.out.valLoss!) / a.out.valLoss! < 1e-5);
    }
  } finally {
    if (!wasmOnly) setNativeKernels(true);
  }
});

test('a diverging packed trial ends as diverged without disturbing the others', async () => {
  const cs = [config(1, 3e-3), config(4, 1e30, { lr: { peak: 1e30, kind: 'cosine', warmupSteps: 0, minRatio: 0.1, cooldownFraction: 0 } }), config(3, 1e-3)];
  const packed = trainPacked(cs, data);
  assert.equal(packed[1].status, 'diverged');
  assert.ok(packed[1].step < 6);
  assert.match(packed[1].error!, /(training loss|gradient norm) is (NaN|Infinity|-Infinity) at step \d+/);
  for (const i of [0, 2]) {
    const a = await alone(cs[i]);
    assert.equal(packed[i].status, 'completed');
    const rel = packed[i].trainLosses.map((l, j) => Math.abs(l - a.losses[j]) / a.losses[j]);
    assert.ok(Math.max(...rel) < 1e-5, `trial ${i}`);
  }
});

test('trainPacked refuses trials of different shapes with one line naming the field', () => {
  assert.throws(() => trainPacked([config(1, 1e-3), config(2, 1e-3, { batchSize: 4 })], data), /configs\[1\]\.batchSize = 4 differs from configs\[0\]\.batchSize = 8/);
  assert.throws(() => trainPacked([config(1, 1e-3), config(2, 1e-3, { dims: { family: 'transformer', width: 8, depth: 2, heads: 2, mlpRatio: 2 } })], data), /configs\[1\]\.dims differ/);
  assert.throws(() => trainPacked([], data), /at least one trial/);
  // issue 16: probabilistic symmetrization and symmetry cloning need the unpacked trainer
  const lps = { family: 'transformer' as const, width: 8, depth: 1, heads: 2, mlpRatio: 2, lps: { samples: 2, hidden: 4, noise: 2 } };
  assert.throws(() => trainPacked([config(1, 1e-3, { dims: lps })], data), /dims\.lps \(transformer\+lps\) is not packable/);
  assert.throws(() => trainPacked([config(1, 1e-3), config(2, 1e-3, { clone: { steps: 1 } })], data), /configs\[1\]\.clone \(transformer\+clone\) is not packable/);
});
