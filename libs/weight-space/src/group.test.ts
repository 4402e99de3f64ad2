import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultWeightSpaceConfig } from './config.js';
import { generateWeightSpaceExamples, samplePoints } from './generate.js';
import { augmentByPermutation, identityPermutation, permuteExamples, permuteInrParams, randomNeuronPermutation } from './group.js';
import { evalInr, inrLayout } from './inr.js';
import { weightSpaceBenchmark } from './benchmark.js';

const xs = samplePoints(50);

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return m / scale;
}

test('a hidden-neuron permutation changes the weights but not the function (1, 2 and 3 hidden layers, sine and relu)', () => {
  for (const [hidden, activation] of [[[7], 'sine'], [[8, 5], 'relu'], [[6, 5, 4], 'sine']] as const) {
    const cfg = { ...defaultWeightSpaceConfig(), hidden: [...hidden], activation, fitSteps: 10 };
    const ex = generateWeightSpaceExamples(cfg, 'train', 0, 3);
    const lay = inrLayout(hidden);
    for (let n = 0; n < ex.count; n++) {
      const perm = randomNeuronPermutation(hidden, 5, n, { nonIdentity: true });
      const src = ex.params.subarray(n * ex.paramCount, (n + 1) * ex.paramCount);
      const moved = permuteInrParams(src, lay, perm) as Float64Array;
      let changed = 0;
      for (let i = 0; i < lay.paramCount; i++) if (moved[i] !== src[i]) changed++;
      assert.ok(changed > lay.paramCount / 4, `${changed} of ${lay.paramCount} weights moved`);
      assert.ok(maxRelDiff(evalInr(src, lay, activation, xs), evalInr(moved, lay, activation, xs)) < 1e-12);
      // a wrong "permutation" (permute rows of W_l but forget the columns of W_{l+1}) changes the function
      const bad = Float64Array.from(moved);
      const off = lay.wOffset[1];
      bad.set(src.subarray(off, off + hidden[0] * (hidden[1] ?? 1)), off);
      assert.ok(maxRelDiff(evalInr(src, lay, activation, xs), evalInr(bad, lay, activation, xs)) > 1e-3);
    }
    assert.deepEqual(permuteInrParams(ex.params.subarray(0, ex.paramCount), lay, identityPermutation(hidden)), Float64Array.from(ex.params.subarray(0, ex.paramCount)));
  }
});

test('augmentation permutes every INR consistently: same function, same targets, different weights', () => {
  const cfg = { ...defaultWeightSpaceConfig(), hidden: [10, 10], fitSteps: 30 };
  const ex = generateWeightSpaceExamples(cfg, 'train', 0, 8);
  const aug = augmentByPermutation(ex, 1, 17);
  const lay = inrLayout(cfg.hidden);
  assert.deepEqual(aug.targets, ex.targets);
  let differing = 0;
  for (let n = 0; n < ex.count; n++) {
    const a = ex.params.subarray(n * ex.paramCount, (n + 1) * ex.paramCount);
    const b = aug.params.subarray(n * ex.paramCount, (n + 1) * ex.paramCount);
    if (a.some((v, i) => v !== b[i])) differing++;
    assert.ok(maxRelDiff(evalInr(a, lay, 'sine', xs), evalInr(b, lay, 'sine', xs)) < 1e-5);
  }
  assert.equal(differing, ex.count);
  // keyed: the same (seed, step) gives the same augmentation, another step another one
  assert.deepEqual(augmentByPermutation(ex, 1, 17).params, aug.params);
  assert.notDeepEqual(augmentByPermutation(ex, 1, 18).params, aug.params);
  // the plug-in's group action is the same map
  const g = Array.from({ length: ex.count }, (_, n) => weightSpaceBenchmark.group.random(ex, 3, n));
  assert.deepEqual(weightSpaceBenchmark.group.apply(ex, g).params, permuteExamples(ex, g).params);
  assert.throws(() => permuteExamples(ex, [Int32Array.from([0, 0, 1, 2, 3, 4, 5, 6, 7, 8]), Int32Array.from({ length: 10 }, (_, i) => i)]), /not a permutation/);
});
