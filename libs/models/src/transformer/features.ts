/**
 * Token features of the baseline transformer, built in plain TypeScript (no tensor ops): one token per body
 * slot of an example, T = B tokens. Per token, in this order (inDim = 6V + F + 7):
 *   curr - c         (V*3)  vertex positions at t relative to the example's centroid c of real vertices
 *   curr - prev      (V*3)  vertex displacements over the past offset
 *   bodyFeatures     (F)
 *   gravity / 9.81   (3)    broadcast to every token
 *   floor normal n   (3)    broadcast
 *   floor offset d - n.c (1) broadcast (relative to c, like the positions)
 * Padded vertices and bodies are zero. The inputs are translation-invariant but not rotation-invariant.
 */
import type { Examples } from '@equiscale/rigid-body';
import type { TaskShapes } from '../api.js';

export function tokenFeatureDim(s: TaskShapes): number {
  return 6 * s.maxVerts + s.bodyFeatureCount + 7;
}

/** (N*B, inDim) row-major token features. */
export function tokenFeatures(ex: Examples): Float32Array {
  const { count: n, maxBodies: b, maxVerts: v, bodyFeatureCount: f } = ex;
  const dim = 6 * v + f + 7;
  const out = new Float32Array(n * b * dim);
  for (let i = 0; i < n; i++) {
    let cx = 0, cy = 0, cz = 0, m = 0;
    for (let p = i * b * v; p < (i + 1) * b * v; p++) {
      if (ex.vertMask[p] === 0) continue;
      cx += ex.curr[p * 3];
      cy += ex.curr[p * 3 + 1];
      cz += ex.curr[p * 3 + 2];
      m++;
    }
    if (m > 0) {
      cx /= m;
      cy /= m;
      cz /= m;
    }
    const nx = ex.floor[i * 4], ny = ex.floor[i * 4 + 1], nz = ex.floor[i * 4 + 2];
    const dRel = ex.floor[i * 4 + 3] - (nx * cx + ny * cy + nz * cz);
    for (let j = 0; j < b; j++) {
      const bi = i * b + j;
      if (ex.bodyMask[bi] === 0) continue;
      const row = bi * dim;
      for (let k = 0; k < v; k++) {
        const vi = bi * v + k;
        if (ex.vertMask[vi] === 0) continue;
        const o = row + k * 3;
        const x = ex.curr[vi * 3], y = ex.curr[vi * 3 + 1], z = ex.curr[vi * 3 + 2];
        out[o] = x - cx;
        out[o + 1] = y - cy;
        out[o + 2] = z - cz;
        const o2 = row + 3 * v + k * 3;
        out[o2] = x - ex.prev[vi * 3];
        out[o2 + 1] = y - ex.prev[vi * 3 + 1];
        out[o2 + 2] = z - ex.prev[vi * 3 + 2];
      }
      let o = row + 6 * v;
      for (let q = 0; q < f; q++) out[o++] = ex.bodyFeatures[bi * f + q];
      for (let q = 0; q < 3; q++) out[o++] = ex.gravity[i * 3 + q] / 9.81;
      out[o++] = nx;
      out[o++] = ny;
      out[o++] = nz;
      out[o++] = dRel;
    }
  }
  return out;
}

/** (N, 1, B) additive attention bias: 0 for real bodies, -1e9 for padding. */
export function keyMaskBias(ex: Examples): Float32Array {
  const out = new Float32Array(ex.count * ex.maxBodies);
  for (let i = 0; i < out.length; i++) out[i] = ex.bodyMask[i] === 0 ? -1e9 : 0;
  return out;
}
