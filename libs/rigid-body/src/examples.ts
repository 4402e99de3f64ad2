/** Helpers on the padded Examples layout: allocate, slice, gather (batches), concatenate, describe, hash. */
import { createHash } from 'node:crypto';
import type { Examples } from './types.js';

/** The per-example Float32 arrays of Examples with their per-example element count. */
export const EXAMPLE_ARRAYS = ['prev', 'curr', 'target', 'vertMask', 'bodyMask', 'bodyFeatures', 'gravity', 'floor'] as const;
export type ExampleArrayName = (typeof EXAMPLE_ARRAYS)[number];

/** Elements per example of each array. */
export function perExampleSizes(maxBodies: number, maxVerts: number, features: number): Record<ExampleArrayName, number> {
  const p = maxBodies * maxVerts * 3;
  return {
    prev: p,
    curr: p,
    target: p,
    vertMask: maxBodies * maxVerts,
    bodyMask: maxBodies,
    bodyFeatures: maxBodies * features,
    gravity: 3,
    floor: 4,
  };
}

/** Zero-filled Examples of the given shape. */
export function allocExamples(count: number, maxBodies: number, maxVerts: number, bodyFeatureCount: number): Examples {
  for (const [k, v] of Object.entries({ count, maxBodies, maxVerts, bodyFeatureCount })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`allocExamples: ${k} must be a non-negative integer (got ${v})`);
  }
  const sz = perExampleSizes(maxBodies, maxVerts, bodyFeatureCount);
  return {
    count,
    maxBodies,
    maxVerts,
    bodyFeatureCount,
    prev: new Float32Array(count * sz.prev),
    curr: new Float32Array(count * sz.curr),
    target: new Float32Array(count * sz.target),
    vertMask: new Float32Array(count * sz.vertMask),
    bodyMask: new Float32Array(count * sz.bodyMask),
    bodyFeatures: new Float32Array(count * sz.bodyFeatures),
    gravity: new Float32Array(count * sz.gravity),
    floor: new Float32Array(count * sz.floor),
  };
}

/** Throws if an Examples object's array lengths do not match its declared shape. */
export function checkExamples(ex: Examples): void {
  const sz = perExampleSizes(ex.maxBodies, ex.maxVerts, ex.bodyFeatureCount);
  for (const name of EXAMPLE_ARRAYS) {
    const want = ex.count * sz[name];
    if (!(ex[name] instanceof Float32Array) || ex[name].length !== want) {
      throw new Error(`Examples.${name} must be a Float32Array of length ${want} (count ${ex.count}); got ${ex[name]?.length}`);
    }
  }
}

/** A copy of examples [start, start + count). */
export function sliceExamples(ex: Examples, start: number, count: number): Examples {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > ex.count) {
    throw new Error(`sliceExamples: [${start}, ${start + count}) is outside 0..${ex.count}; pass integers with start + count <= count`);
  }
  const out = allocExamples(count, ex.maxBodies, ex.maxVerts, ex.bodyFeatureCount);
  const sz = perExampleSizes(ex.maxBodies, ex.maxVerts, ex.bodyFeatureCount);
  for (const name of EXAMPLE_ARRAYS) out[name].set(ex[name].subarray(start * sz[name], (start + count) * sz[name]));
  return out;
}

/** A new Examples holding ex[indices[0]], ex[indices[1]], ... (e.g. a training batch). Indices may repeat. */
export function gatherExamples(ex: Examples, indices: Int32Array | readonly number[]): Examples {
  const n = indices.length;
  const out = allocExamples(n, ex.maxBodies, ex.maxVerts, ex.bodyFeatureCount);
  const sz = perExampleSizes(ex.maxBodies, ex.maxVerts, ex.bodyFeatureCount);
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (!Number.isInteger(j) || j < 0 || j >= ex.count) {
      throw new Error(`gatherExamples: indices[${i}] = ${j} is outside 0..${ex.count - 1}; pass indices of existing examples`);
    }
  }
  for (const name of EXAMPLE_ARRAYS) {
    const s = sz[name];
    const src = ex[name];
    const dst = out[name];
    for (let i = 0; i < n; i++) {
      const j = indices[i];
      dst.set(src.subarray(j * s, j * s + s), i * s);
    }
  }
  return out;
}

/** Concatenation along the example axis (all parts must share maxBodies / maxVerts / bodyFeatureCount). */
export function concatExamples(parts: readonly Examples[]): Examples {
  if (parts.length === 0) throw new Error('concatExamples: pass at least one Examples');
  const { maxBodies, maxVerts, bodyFeatureCount } = parts[0];
  for (const p of parts) {
    if (p.maxBodies !== maxBodies || p.maxVerts !== maxVerts || p.bodyFeatureCount !== bodyFeatureCount) {
      throw new Error('concatExamples: parts differ in maxBodies / maxVerts / bodyFeatureCount; concatenate same-shaped examples');
    }
  }
  const out = allocExamples(parts.reduce((a, p) => a + p.count, 0), maxBodies, maxVerts, bodyFeatureCount);
  for (const name of EXAMPLE_ARRAYS) {
    let off = 0;
    for (const p of parts) {
      out[name].set(p[name], off);
      off += p[name].length;
    }
  }
  return out;
}

/** sha256 (hex) of the shape and every array's bytes, in a fixed order. */
export function hashExamples(ex: Examples): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([ex.count, ex.maxBodies, ex.maxVerts, ex.bodyFeatureCount]));
  for (const name of EXAMPLE_ARRAYS) h.update(new Uint8Array(ex[name].buffer, ex[name].byteOffset, ex[name].byteLength));
  return h.digest('hex');
}

/** A one-line human summary: shape, bodies per example, position range, displacement scale. */
export function describeExamples(ex: Examples): string {
  let bodies = 0;
  let minB = Infinity;
  let maxB = 0;
  for (let i = 0; i < ex.count; i++) {
    let b = 0;
    for (let j = 0; j < ex.maxBodies; j++) b += ex.bodyMask[i * ex.maxBodies + j];
    bodies += b;
    minB = Math.min(minB, b);
    maxB = Math.max(maxB, b);
  }
  let lo = Infinity;
  let hi = -Infinity;
  let disp2 = 0;
  let nv = 0;
  for (let v = 0; v < ex.vertMask.length; v++) {
    if (ex.vertMask[v] === 0) continue;
    nv++;
    for (let a = 0; a < 3; a++) {
      const x = ex.curr[3 * v + a];
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      const d = ex.target[3 * v + a] - x;
      disp2 += d * d;
    }
  }
  const rms = nv ? Math.sqrt(disp2 / nv) : 0;
  return (
    `${ex.count} examples, padded (B=${ex.maxBodies}, V=${ex.maxVerts}, F=${ex.bodyFeatureCount}), ` +
    `bodies/example ${ex.count ? `${minB}..${maxB} (mean ${(bodies / ex.count).toFixed(2)})` : '-'}, ` +
    `${nv} real vertices, coords in [${nv ? lo.toFixed(2) : '-'}, ${nv ? hi.toFixed(2) : '-'}] m, ` +
    `rms |target - curr| ${rms.toFixed(4)} m`
  );
}
