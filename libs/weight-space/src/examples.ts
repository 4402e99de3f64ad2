/** Batch helpers for WeightSpaceExamples: slice, gather, concat, and a content hash (sha256 of every array). */
import { createHash } from 'node:crypto';
import { allocWeightSpaceExamples, type WeightSpaceExamples } from './generate.js';

export const WEIGHT_SPACE_ARRAYS = ['params', 'targets', 'waves', 'fitMse'] as const;

function perExample(ex: WeightSpaceExamples): Record<(typeof WEIGHT_SPACE_ARRAYS)[number], number> {
  return { params: ex.paramCount, targets: ex.targetNames.length, waves: 3, fitMse: 1 };
}

export function gatherWeightSpaceExamples(ex: WeightSpaceExamples, indices: ArrayLike<number>): WeightSpaceExamples {
  const out = allocWeightSpaceExamples(indices.length, ex.sizes, ex.targetNames);
  const sz = perExample(ex);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!(Number.isInteger(i) && i >= 0 && i < ex.count)) throw new Error(`gather: index ${i} is outside [0, ${ex.count})`);
    for (const a of WEIGHT_SPACE_ARRAYS) out[a].set(ex[a].subarray(i * sz[a], (i + 1) * sz[a]), k * sz[a]);
  }
  return out;
}

export function sliceWeightSpaceExamples(ex: WeightSpaceExamples, start: number, count: number): WeightSpaceExamples {
  const idx = new Int32Array(count);
  for (let k = 0; k < count; k++) idx[k] = start + k;
  return gatherWeightSpaceExamples(ex, idx);
}

export function concatWeightSpaceExamples(parts: WeightSpaceExamples[]): WeightSpaceExamples {
  const total = parts.reduce((a, p) => a + p.count, 0);
  const out = allocWeightSpaceExamples(total, parts[0].sizes, parts[0].targetNames);
  const sz = perExample(out);
  let at = 0;
  for (const p of parts) {
    if (p.paramCount !== out.paramCount || p.targetNames.join() !== out.targetNames.join()) throw new Error('concat: batches of different INR architectures or targets');
    for (const a of WEIGHT_SPACE_ARRAYS) out[a].set(p[a], at * sz[a]);
    at += p.count;
  }
  return out;
}

/** sha256 over the shape and every array's bytes: equal hashes mean bit-identical data. */
export function hashWeightSpaceExamples(ex: WeightSpaceExamples): string {
  const h = createHash('sha256').update(JSON.stringify([ex.count, ex.sizes, ex.targetNames]));
  for (const a of WEIGHT_SPACE_ARRAYS) h.update(new Uint8Array(ex[a].buffer, ex[a].byteOffset, ex[a].byteLength));
  return h.digest('hex');
}
