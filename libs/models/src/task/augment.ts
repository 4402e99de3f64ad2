/**
 * E(3) data augmentation for the baseline: every sample gets its own random orthogonal map (rotation, and a
 * reflection with probability 1/2) and translation; inputs, targets, gravity and the floor plane are
 * transformed together, so the task stays consistent (gatr-spec.md pitfall 6).
 *
 * x' = R x + t,  g' = R g,  floor (n, d) -> (R n, d + (R n) . t).
 */
import type { Examples } from '@equiscale/rigid-body';
import { Rng } from '../train/rng.js';

export interface RigidMotion {
  /** row-major 3x3 orthogonal matrix */
  r: Float64Array;
  t: Float64Array;
}

/** A random element of E(3): uniform rotation (random unit quaternion), reflection w.p. 1/2, N(0, s^2) shift. */
export function sampleMotion(rng: Rng, translationScale = 1): RigidMotion {
  let q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
  const n = Math.hypot(...q) || 1;
  q = q.map((x) => x / n);
  const [w, x, y, z] = q;
  const r = new Float64Array([
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ]);
  if (rng.next() < 0.5) for (let i = 0; i < 3; i++) r[i * 3] = -r[i * 3]; // reflect the x column
  const t = new Float64Array([rng.normal(), rng.normal(), rng.normal()].map((v) => v * translationScale));
  return { r, t };
}

function apply(r: Float64Array, t: Float64Array | null, src: Float32Array, dst: Float32Array, off: number): void {
  const a = src[off], b = src[off + 1], c = src[off + 2];
  dst[off] = r[0] * a + r[1] * b + r[2] * c + (t ? t[0] : 0);
  dst[off + 1] = r[3] * a + r[4] * b + r[5] * c + (t ? t[1] : 0);
  dst[off + 2] = r[6] * a + r[7] * b + r[8] * c + (t ? t[2] : 0);
}

/** Applies motions[i] to example i (a new Examples; padding stays zero). */
export function transformEach(ex: Examples, motions: RigidMotion[]): Examples {
  if (motions.length !== ex.count) throw new Error(`transformEach: need ${ex.count} motions, got ${motions.length}`);
  const per = ex.maxBodies * ex.maxVerts;
  const out: Examples = {
    ...ex,
    prev: new Float32Array(ex.prev.length),
    curr: new Float32Array(ex.curr.length),
    target: new Float32Array(ex.target.length),
    gravity: new Float32Array(ex.gravity.length),
    floor: new Float32Array(ex.floor.length),
  };
  for (let i = 0; i < ex.count; i++) {
    const { r, t } = motions[i];
    for (let p = 0; p < per; p++) {
      if (ex.vertMask[i * per + p] === 0) continue;
      const off = (i * per + p) * 3;
      apply(r, t, ex.prev, out.prev, off);
      apply(r, t, ex.curr, out.curr, off);
      apply(r, t, ex.target, out.target, off);
    }
    apply(r, null, ex.gravity, out.gravity, i * 3);
    apply(r, null, ex.floor, out.floor, i * 4);
    const n = out.floor.subarray(i * 4, i * 4 + 3);
    out.floor[i * 4 + 3] = ex.floor[i * 4 + 3] + n[0] * t[0] + n[1] * t[1] + n[2] * t[2];
  }
  return out;
}

/** Augments a training batch; the motions are a pure function of (seed, step). */
export function augmentBatch(ex: Examples, seed: number): Examples {
  const rng = new Rng(seed);
  const motions: RigidMotion[] = [];
  for (let i = 0; i < ex.count; i++) motions.push(sampleMotion(rng));
  return transformEach(ex, motions);
}
