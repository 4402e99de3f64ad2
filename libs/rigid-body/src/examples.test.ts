import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocExamples, checkExamples, concatExamples, describeExamples, gatherExamples, hashExamples, sliceExamples, EXAMPLE_ARRAYS, perExampleSizes } from './examples.js';
import type { Examples } from './types.js';

/** Example n has every entry of every array equal to n + 1 (masks too), so gathers can be checked by value. */
function numbered(count: number): Examples {
  const ex = allocExamples(count, 2, 3, 4);
  const sz = perExampleSizes(2, 3, 4);
  for (const name of EXAMPLE_ARRAYS) for (let n = 0; n < count; n++) ex[name].fill(n + 1, n * sz[name], (n + 1) * sz[name]);
  return ex;
}
const firstOf = (ex: Examples, n: number): number => ex.prev[n * perExampleSizes(ex.maxBodies, ex.maxVerts, ex.bodyFeatureCount).prev];

describe('Examples helpers', () => {
  it('allocates the documented shapes', () => {
    const ex = allocExamples(3, 4, 12, 10);
    checkExamples(ex);
    assert.equal(ex.prev.length, 3 * 4 * 12 * 3);
    assert.equal(ex.vertMask.length, 3 * 4 * 12);
    assert.equal(ex.bodyMask.length, 3 * 4);
    assert.equal(ex.bodyFeatures.length, 3 * 4 * 10);
    assert.equal(ex.gravity.length, 9);
    assert.equal(ex.floor.length, 12);
    assert.throws(() => checkExamples({ ...ex, gravity: new Float32Array(2) }), /Examples.gravity must be a Float32Array of length 9/);
  });

  it('slices, gathers (with repeats) and concatenates by example', () => {
    const ex = numbered(6);
    const s = sliceExamples(ex, 2, 3);
    assert.deepEqual([0, 1, 2].map((n) => firstOf(s, n)), [3, 4, 5]);
    const g = gatherExamples(ex, Int32Array.from([5, 0, 5, 2]));
    checkExamples(g);
    assert.deepEqual([0, 1, 2, 3].map((n) => firstOf(g, n)), [6, 1, 6, 3]);
    for (const name of EXAMPLE_ARRAYS) assert.ok(g[name].every((x, i) => x === [6, 1, 6, 3][Math.floor(i / perExampleSizes(2, 3, 4)[name])]));
    assert.equal(gatherExamples(ex, []).count, 0);
    const c = concatExamples([sliceExamples(ex, 0, 2), sliceExamples(ex, 2, 4)]);
    assert.equal(hashExamples(c), hashExamples(ex));
    assert.throws(() => gatherExamples(ex, [6]), /indices\[0\] = 6 is outside 0..5/);
    assert.throws(() => sliceExamples(ex, 4, 3), /outside 0..6/);
    assert.throws(() => concatExamples([ex, allocExamples(1, 3, 3, 4)]), /differ in maxBodies/);
  });

  it('hashes content and describes a batch', () => {
    const a = numbered(2);
    const b = numbered(2);
    assert.equal(hashExamples(a), hashExamples(b));
    b.target[5] += 1e-3;
    assert.notEqual(hashExamples(a), hashExamples(b));
    assert.match(describeExamples(a), /^2 examples, padded \(B=2, V=3, F=4\)/);
  });
});
