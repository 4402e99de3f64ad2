/**
 * Helpers over the benchmark's padded Examples layout (see libs/rigid-body/src/types.ts).
 */
import type { Examples } from '@equiscale/rigid-body';
import type { TaskShapes } from '../api.js';

/** The shapes a model must be built for, read from a set of examples. */
export function shapesOf(ex: Examples): TaskShapes {
  return { maxBodies: ex.maxBodies, maxVerts: ex.maxVerts, bodyFeatureCount: ex.bodyFeatureCount };
}

/** Throws a clear error if an Examples object is internally inconsistent. */
export function checkExamples(ex: Examples, name = 'examples'): void {
  const { count: n, maxBodies: b, maxVerts: v, bodyFeatureCount: f } = ex;
  const want: [keyof Examples, number][] = [
    ['prev', n * b * v * 3],
    ['curr', n * b * v * 3],
    ['target', n * b * v * 3],
    ['vertMask', n * b * v],
    ['bodyMask', n * b],
    ['bodyFeatures', n * b * f],
    ['gravity', n * 3],
    ['floor', n * 4],
  ];
  for (const [key, len] of want) {
    const arr = ex[key] as Float32Array;
    if (!(arr instanceof Float32Array) || arr.length !== len) {
      throw new Error(
        `${name}.${String(key)} must be a Float32Array of length ${len} (count=${n}, maxBodies=${b}, maxVerts=${v}, ` +
          `bodyFeatureCount=${f}); got ${arr instanceof Float32Array ? arr.length : typeof arr}`,
      );
    }
  }
}

/** Copies the examples at `indices` (in that order) into a new Examples of count indices.length. */
export function takeExamples(ex: Examples, indices: ArrayLike<number>): Examples {
  const n = indices.length;
  const { maxBodies: b, maxVerts: v, bodyFeatureCount: f } = ex;
  const pick = (src: Float32Array, per: number): Float32Array => {
    const out = new Float32Array(n * per);
    for (let i = 0; i < n; i++) {
      const j = indices[i];
      if (!(j >= 0 && j < ex.count)) throw new Error(`takeExamples: index ${j} out of range [0, ${ex.count})`);
      out.set(src.subarray(j * per, (j + 1) * per), i * per);
    }
    return out;
  };
  return {
    count: n,
    maxBodies: b,
    maxVerts: v,
    bodyFeatureCount: f,
    prev: pick(ex.prev, b * v * 3),
    curr: pick(ex.curr, b * v * 3),
    target: pick(ex.target, b * v * 3),
    vertMask: pick(ex.vertMask, b * v),
    bodyMask: pick(ex.bodyMask, b),
    bodyFeatures: pick(ex.bodyFeatures, b * f),
    gravity: pick(ex.gravity, 3),
    floor: pick(ex.floor, 4),
  };
}

/** Examples [start, end) as a new Examples (copy). */
export function sliceExamples(ex: Examples, start: number, end: number): Examples {
  const idx = new Uint32Array(end - start);
  for (let i = 0; i < idx.length; i++) idx[i] = start + i;
  return takeExamples(ex, idx);
}
