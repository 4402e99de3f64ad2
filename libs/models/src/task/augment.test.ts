import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, e3Determinant } from '@equiscale/rigid-body';
import { augmentBatch, randomTaskSymmetry } from './augment.js';
import { makeFixtureExamples } from './fixture.js';

test("task augmentation keeps the floor and gravity in place (rotations about the normal, reflections in planes containing it, translations along the floor); e3 moves them", () => {
  const ex = makeFixtureExamples({ count: 64, maxBodies: 2, maxVerts: 3, seed: 2 });
  const task = augmentBatch(ex, 5, 7, 'task');
  for (let i = 0; i < ex.count * 4; i++) assert.ok(Math.abs(task.floor[i]! - ex.floor[i]!) < 1e-5, `floor[${i}] ${ex.floor[i]} -> ${task.floor[i]}`);
  for (let i = 0; i < ex.count * 3; i++) assert.ok(Math.abs(task.gravity[i]! - ex.gravity[i]!) < 1e-4, `gravity[${i}]`);
  let moved = 0;
  for (let i = 0; i < ex.curr.length; i++) moved = Math.max(moved, Math.abs(task.curr[i]! - ex.curr[i]!));
  assert.ok(moved > 0.1, 'the scene moves');
  const e3 = augmentBatch(ex, 5, 7, 'e3');
  assert.ok(e3.gravity.some((g, i) => Math.abs(g - ex.gravity[i]!) > 0.1), 'e3 augmentation rotates gravity');
  // the group: about half reflections, none the identity, the normal fixed
  const rng = new Rng(1);
  const n = [0.6, 0, 0.8];
  let reflections = 0;
  for (let k = 0; k < 200; k++) {
    const g = randomTaskSymmetry(rng, n);
    const rn = [0, 1, 2].map((r) => g.rotation[3 * r]! * n[0]! + g.rotation[3 * r + 1]! * n[1]! + g.rotation[3 * r + 2]! * n[2]!);
    rn.forEach((x, r) => assert.ok(Math.abs(x - n[r]!) < 1e-9));
    assert.ok(Math.abs(g.translation[0]! * n[0]! + g.translation[2]! * n[2]!) < 1e-9, 'translation along the floor');
    if (e3Determinant(g) < 0) reflections++;
  }
  assert.ok(reflections > 70 && reflections < 130, `${reflections} reflections of 200`);
});
