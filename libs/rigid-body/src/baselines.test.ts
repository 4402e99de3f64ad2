import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baselineLosses } from './baselines.js';
import { allocExamples } from './examples.js';

test('baseline losses: no motion and constant velocity, over real vertices only', () => {
  const ex = allocExamples(1, 1, 2, 10);
  ex.vertMask[0] = 1; // vertex 0 is real, vertex 1 is padding
  ex.bodyMask[0] = 1;
  // vertex 0 moves +1 in x per frame: prev (k=2 frames ago) x=0, curr x=2, target (h=1 later) x=3
  ex.prev.set([0, 0, 0]);
  ex.curr.set([2, 0, 0]);
  ex.target.set([3, 0, 0]);
  ex.target.set([100, 100, 100], 3); // padding must not count
  const b = baselineLosses(ex, 2, 1);
  assert.equal(b.noMotion, 1 / 3);
  assert.equal(b.constantVelocity, 0);
  assert.throws(() => baselineLosses(ex, 0, 1), /pastOffset and horizon/);
});
