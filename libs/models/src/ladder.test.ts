import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TaskShapes } from './api.js';
import { dimsForParams, ladder, ladderLength, sizeLadder, summarize } from './ladder.js';

// the default benchmark pads to 6 bodies; meshes have a few dozen vertices
const shapes: TaskShapes = { maxBodies: 6, maxVerts: 32, bodyFeatureCount: 10 };

test('transformer ladder spans ~1e3 to ~1e7 parameters, strictly increasing', () => {
  const counts = ladder('transformer', shapes).map((s) => s.paramCount);
  assert.equal(counts.length, ladderLength('transformer'));
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i] > counts[i - 1], `rung ${i}: ${counts[i]} <= ${counts[i - 1]}`);
  assert.ok(counts[0] < 1e4, `smallest ${counts[0]}`);
  assert.ok(counts[counts.length - 1] > 1e7, `largest ${counts[counts.length - 1]}`);
  // nominal compute per sample grows with size too
  const flops = ladder('transformer', shapes).map((s) => s.nominalFlopsPerSample);
  for (let i = 1; i < flops.length; i++) assert.ok(flops[i] > flops[i - 1]);
});

test('dimsForParams picks the rung nearest in log scale', () => {
  for (const target of [1e3, 3e4, 1e6, 1e7]) {
    const d = dimsForParams('transformer', target, shapes);
    const got = summarize(d, shapes).paramCount;
    for (let i = 0; i < ladderLength('transformer'); i++) {
      const other = summarize(sizeLadder('transformer', i), shapes).paramCount;
      assert.ok(Math.abs(Math.log(got / target)) <= Math.abs(Math.log(other / target)) + 1e-12);
    }
  }
});

test('bad input is a clear error naming the field', () => {
  assert.throws(() => sizeLadder('transformer', 99), /index must be an integer in \[0, 14\]/);
  assert.throws(() => dimsForParams('transformer', -5, shapes), /targetParams must be a finite number > 0/);
  assert.throws(() => summarize({ family: 'transformer', width: 10, depth: 1, heads: 3, mlpRatio: 4 }, shapes), /heads must be a positive integer dividing width=10/);
  assert.throws(() => summarize(sizeLadder('transformer', 0), { ...shapes, maxVerts: 0 }), /shapes.maxVerts must be a positive integer/);
});

test('gatr ladder spans ~1e3 to ~1e7 parameters; summarize dispatches to the GATr accounting', () => {
  const rungs = ladder('gatr', shapes);
  for (let i = 1; i < rungs.length; i++) assert.ok(rungs[i].paramCount > rungs[i - 1].paramCount);
  assert.ok(rungs[0].paramCount < 1e4 && rungs.at(-1)!.paramCount > 1e7);
  // gatr-spec.md section 4: c = 16, s = 128, H = 8 has 220,808 parameters per block
  const four = summarize({ family: 'gatr', mvChannels: 16, sChannels: 128, blocks: 4, heads: 8 }, shapes);
  const eight = summarize({ family: 'gatr', mvChannels: 16, sChannels: 128, blocks: 8, heads: 8 }, shapes);
  assert.equal(eight.paramCount - four.paramCount, 4 * 220_808);
  // GATr spends far more nominal compute per parameter than the transformer (gatr-spec.md section 5)
  const t = summarize(dimsForParams('transformer', four.paramCount, shapes), shapes);
  assert.ok(four.nominalFlopsPerSample / four.paramCount > 5 * (t.nominalFlopsPerSample / t.paramCount));
});
