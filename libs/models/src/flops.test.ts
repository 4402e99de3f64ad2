import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { TaskShapes, TransformerDims } from './api.js';
import { initBackend } from './backend/init.js';
import { summarize } from './ladder.js';
import { rigidOutputExecutedFlops } from './flops.js';
import { createTransformerModel } from './transformer/model.js';
import { makeFixtureExamples } from './task/fixture.js';
import { coordMask, maskedSquaredError } from './train/evaluate.js';

before(async () => {
  await initBackend('cpu');
});

const dims: TransformerDims = { family: 'transformer', width: 4, depth: 1, heads: 2, mlpRatio: 2 };
const shapes: TaskShapes = { maxBodies: 3, maxVerts: 2, bodyFeatureCount: 1 };

test('transformer parameter count and FLOPs equal a hand count', () => {
  // in = 6V + F + 7 = 20, out = 3V = 6, d = 4, dh = 2, hidden = 8, T = 3 tokens
  // embed 20*4 + 4 = 84 | block: qkv 4*8 + 8 = 40, attn_out 16 + 4 = 20, mlp1 32 + 8 = 40,
  // mlp2 32 + 4 = 36 -> 136 | head 4*6 + 6 = 30   => 250 (layer norms have no parameters)
  // weight matrices: 80 + 32 + 16 + 32 + 32 + 24 = 216
  // nominal = 6 * 216 * 3 = 3888; executed = 3 * (2*216*3 + depth * 4 * T^2 * d) = 3 * (1296 + 144) = 4320
  // (out = 3V = 6 = the rigid output's 6, so both outputs have these parameter and nominal counts; the rigid
  // output executes B (270 + 36V) = 3 * 342 = 1026 more: its per-body decode, see flops.ts)
  const s = summarize(dims, shapes);
  assert.equal(s.paramCount, 250);
  assert.equal(s.nominalFlopsPerSample, 3888);
  assert.equal(s.executedFlopsPerSample, 4320 + 1026);
  const v = summarize({ ...dims, output: 'vertex' }, shapes);
  assert.deepEqual([v.paramCount, v.nominalFlopsPerSample, v.executedFlopsPerSample], [250, 3888, 4320]);
  const net = createTransformerModel(dims, shapes, 0);
  assert.equal(net.variables.reduce((a, v) => a + v.size, 0), 250);
  assert.deepEqual(net.summary, s);
  net.dispose();
});

test('summarize is pure arithmetic: no tensors are created', () => {
  const before = tf.memory().numTensors;
  const shapes = { maxBodies: 10, maxVerts: 64, bodyFeatureCount: 12 };
  const t = summarize({ family: 'transformer', width: 512, depth: 12, heads: 8, mlpRatio: 4 }, shapes);
  const g = summarize({ family: 'gatr', mvChannels: 32, sChannels: 256, blocks: 12, heads: 8 }, shapes);
  assert.equal(tf.memory().numTensors, before);
  assert.ok(t.nominalFlopsPerSample > 0 && g.nominalFlopsPerSample > 0);
});

/** 2mnk summed over every matmul kernel the profiler saw. */
function matmulFlops(kernels: { name: string; inputShapes: number[][] }[]): number {
  let total = 0;
  for (const k of kernels) {
    if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') continue;
    const [a, b] = k.inputShapes;
    // ones(1, M) @ x is how column sums (bias and norm-gain gradients) are computed: a reduction, not counted
    if (a[a.length - 2] === 1) continue;
    const batch = a.slice(0, -2).reduce((p, x) => p * x, 1);
    total += 2 * batch * a[a.length - 2] * a[a.length - 1] * b[b.length - 1];
  }
  return total;
}

test('executed FLOPs equal the matmuls the implementation actually runs (profiled, fwd and fwd+bwd)', async () => {
  const d: TransformerDims = { family: 'transformer', width: 8, depth: 2, heads: 2, mlpRatio: 3 };
  const ex = makeFixtureExamples({ count: 5, maxBodies: 3, maxVerts: 4, seed: 1 });
  const sh: TaskShapes = { maxBodies: 3, maxVerts: 4, bodyFeatureCount: ex.bodyFeatureCount };
  const net = createTransformerModel(d, sh, 1);
  const expected = summarize(d, sh).executedFlopsPerSample * ex.count;
  const fwd = await tf.profile(() => net.predict(ex));
  const rigid = rigidOutputExecutedFlops(sh);
  assert.equal(matmulFlops(fwd.kernels), (expected - rigid.total * ex.count) / 3 + rigid.forward * ex.count);
  const { mask } = coordMask(ex);
  const both = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => maskedSquaredError(net.predict(ex), ex, mask), net.variables);
    return [value, ...Object.values(grads)];
  });
  assert.equal(matmulFlops(both.kernels), expected);
  net.dispose();
  // the per-vertex output has no rigid part: exactly 3x the forward matmuls
  const vertexDims: TransformerDims = { ...d, output: 'vertex' };
  const vnet = createTransformerModel(vertexDims, sh, 1);
  const vfwd = await tf.profile(() => vnet.predict(ex));
  assert.equal(matmulFlops(vfwd.kernels), (summarize(vertexDims, sh).executedFlopsPerSample * ex.count) / 3);
  vnet.dispose();
});
