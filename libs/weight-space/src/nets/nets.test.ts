/** Invariance of dwsnet (and the mlp negative control), and parameter counts of every family against the accounting. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@equiscale/models';
import { summarizeWeightSpace, type WeightSpaceDims } from '../accounting.js';
import { defaultWeightSpaceConfig } from '../config.js';
import { generateWeightSpaceExamples } from '../generate.js';
import { permuteExamples, randomNeuronPermutation } from '../group.js';
import { inputStats } from './features.js';
import { createWeightSpaceNet } from './index.js';

before(async () => {
  await initBackend('cpu');
});

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return Math.sqrt(num / den);
}

const dws: WeightSpaceDims = { arch: 'dwsnet', channels: 5, layers: 3, headWidth: 8 };
const mlp: WeightSpaceDims = { arch: 'mlp', width: 24, depth: 2 };

for (const hidden of [[9], [8, 6], [7, 6, 5]]) {
  test(`dwsnet is invariant to random permutations of every hidden layer (INR 1-${hidden.join('-')}-1, <= 1e-5 relative); mlp is not`, () => {
    const cfg = { ...defaultWeightSpaceConfig(), hidden, fitSteps: 20, targets: ['frequency', 'amplitude'] as ('frequency' | 'amplitude')[] };
    const ex = generateWeightSpaceExamples(cfg, 'train', 0, 8);
    const stats = inputStats(ex);
    const shapes = { sizes: ex.sizes, targetCount: 2 };
    for (let trial = 0; trial < 3; trial++) {
      const perms = Array.from({ length: ex.count }, (_, n) => randomNeuronPermutation(hidden, 100 + trial, n, { nonIdentity: true }));
      for (const p of perms) for (const layer of p) assert.ok(layer.some((v, i) => v !== i), 'every hidden layer is really permuted');
      const moved = permuteExamples(ex, perms);
      const results: Record<string, number> = {};
      for (const [family, dims] of [['dwsnet', dws], ['mlp', mlp]] as const) {
        const net = createWeightSpaceNet(family, dims, shapes, 7 + trial, stats);
        const a = tf.tidy(() => net.predict(ex).dataSync());
        const b = tf.tidy(() => net.predict(moved).dataSync());
        results[family] = relDiff(a, b);
        net.dispose();
      }
      assert.ok(results.dwsnet <= 1e-5, `dwsnet relative change ${results.dwsnet}`);
      assert.ok(results.mlp > 1e-3, `negative control: the mlp should change under permutation (relative change ${results.mlp})`);
    }
  });
}

test('every family builds exactly the parameters the accounting counts', () => {
  for (const hidden of [[4], [16, 16], [8, 6, 5]]) {
    const cfg = { ...defaultWeightSpaceConfig(), hidden, fitSteps: 1 };
    const ex = generateWeightSpaceExamples(cfg, 'train', 0, 2);
    const shapes = { sizes: ex.sizes, targetCount: 1 };
    const cases: [string, WeightSpaceDims][] = [['dwsnet', dws], ['mlp', mlp], ['mlp+permute', mlp], ['dwsnet', { arch: 'dwsnet', channels: 3, layers: 1, headWidth: 4 }]];
    for (const [family, dims] of cases) {
      const net = createWeightSpaceNet(family, dims, shapes, 1, inputStats(ex));
      const built = net.variables.reduce((s, v) => s + v.size, 0);
      assert.equal(built, summarizeWeightSpace(family, dims, shapes).paramCount, `${family} on 1-${hidden.join('-')}-1`);
      net.dispose();
    }
  }
});
