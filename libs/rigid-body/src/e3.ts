/**
 * The Euclidean group E(3): x -> R x + t with R orthogonal (det +1 rotation, det -1 reflection). Data augmentation
 * and the models' equivariance tests use these transforms.
 */
import { checkExamples } from './examples.js';
import type { Rng } from './rng.js';
import type { Examples } from './types.js';

/** An element of E(3). `rotation` is a row-major orthogonal 3x3 matrix, `translation` a 3-vector. */
export interface E3 {
  readonly rotation: readonly number[];
  readonly translation: readonly number[];
}

export type Vec3Like = ArrayLike<number>;

/** The identity transform. */
export function e3Identity(): E3 {
  return { rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0, 0, 0] };
}

/** Builds an E(3) element; throws if `rotation` is not a 3x3 orthogonal matrix within `tol`. */
export function makeE3(rotation: Vec3Like, translation: Vec3Like = [0, 0, 0], tol = 1e-6): E3 {
  if (rotation.length !== 9) throw new Error(`makeE3: rotation must have 9 entries (row-major 3x3), got ${rotation.length}`);
  if (translation.length !== 3) throw new Error(`makeE3: translation must have 3 entries, got ${translation.length}`);
  const R = Array.from(rotation);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const d = R[3 * i] * R[3 * j] + R[3 * i + 1] * R[3 * j + 1] + R[3 * i + 2] * R[3 * j + 2];
      if (Math.abs(d - (i === j ? 1 : 0)) > tol) throw new Error('makeE3: rotation must be orthogonal (R R^T = I); pass a rotation or reflection matrix');
    }
  }
  return { rotation: R, translation: Array.from(translation) };
}

/** Determinant of the linear part (+1 or -1). */
export function e3Determinant(g: E3): number {
  const r = g.rotation;
  return r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) + r[2] * (r[3] * r[7] - r[4] * r[6]);
}

/** True when g reverses orientation (det R = -1). */
export function isReflection(g: E3): boolean {
  return e3Determinant(g) < 0;
}

/** R v (no translation): how vectors such as gravity or velocities transform. */
export function rotateVector(g: E3, v: Vec3Like): [number, number, number] {
  const r = g.rotation;
  return [r[0] * v[0] + r[1] * v[1] + r[2] * v[2], r[3] * v[0] + r[4] * v[1] + r[5] * v[2], r[6] * v[0] + r[7] * v[1] + r[8] * v[2]];
}

/** R p + t. */
export function applyE3(g: E3, p: Vec3Like): [number, number, number] {
  const q = rotateVector(g, p);
  return [q[0] + g.translation[0], q[1] + g.translation[1], q[2] + g.translation[2]];
}

/** a ∘ b: apply b first, then a. */
export function composeE3(a: E3, b: E3): E3 {
  const A = a.rotation;
  const B = b.rotation;
  const R: number[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) R.push(A[3 * i] * B[j] + A[3 * i + 1] * B[3 + j] + A[3 * i + 2] * B[6 + j]);
  const t = applyE3(a, b.translation);
  return { rotation: R, translation: t };
}

/** g^-1: x -> R^T (x - t). */
export function inverseE3(g: E3): E3 {
  const r = g.rotation;
  const RT = [r[0], r[3], r[6], r[1], r[4], r[7], r[2], r[5], r[8]];
  const inv = { rotation: RT, translation: [0, 0, 0] };
  const t = rotateVector(inv, g.translation);
  return { rotation: RT, translation: [-t[0], -t[1], -t[2]] };
}

/** Rotation matrix of a unit quaternion [x, y, z, w]. */
export function quaternionToMatrix(q: Vec3Like & { length: number }): number[] {
  const [x, y, z, w] = [q[0], q[1], q[2], q[3]];
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
    2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
    2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
  ];
}

/** Rotation by `angle` radians about `axis` (need not be unit), plus an optional translation. */
export function rotationAboutAxis(axis: Vec3Like, angle: number, translation: Vec3Like = [0, 0, 0]): E3 {
  const n = Math.hypot(axis[0], axis[1], axis[2]);
  if (!(n > 0)) throw new Error('rotationAboutAxis: axis must be a non-zero vector');
  const s = Math.sin(angle / 2) / n;
  return { rotation: quaternionToMatrix([axis[0] * s, axis[1] * s, axis[2] * s, Math.cos(angle / 2)]), translation: Array.from(translation) };
}

/** Uniformly random rotation (Haar measure on SO(3)), no translation. */
export function randomRotation(rng: Rng): E3 {
  return { rotation: quaternionToMatrix(rng.unitQuaternion()), translation: [0, 0, 0] };
}

/** Uniformly random orientation-reversing element (-R, R uniform on SO(3)), no translation. */
export function randomReflection(rng: Rng): E3 {
  const R = quaternionToMatrix(rng.unitQuaternion());
  return { rotation: R.map((x) => -x), translation: [0, 0, 0] };
}

/** Translation with independent N(0, scale^2) components. */
export function randomTranslation(rng: Rng, scale = 1): E3 {
  return { rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [rng.normal(0, scale), rng.normal(0, scale), rng.normal(0, scale)] };
}

export interface RandomE3Options {
  /** Include reflections with probability 1/2 (uniform on O(3)); default true. */
  reflections?: boolean;
  /** Standard deviation of each translation component in metres; default 1. */
  translationScale?: number;
}

/** Random element of E(3): uniform on O(3) (or SO(3) without reflections) and a Gaussian translation. */
export function randomE3(rng: Rng, opts: RandomE3Options = {}): E3 {
  const reflect = (opts.reflections ?? true) && rng.next() < 0.5;
  const lin = reflect ? randomReflection(rng) : randomRotation(rng);
  return composeE3(randomTranslation(rng, opts.translationScale ?? 1), lin);
}

/**
 * A transformed copy of `ex`: real vertices of prev, curr and target map by x -> R x + t, gravity by R, the floor
 * plane (n, d) by n' = R n, d' = d + n'.t. Padding stays zero; body features (one-hot, scale, mass) are invariant.
 * Pass one E3 for the whole batch or one per example (`g.length === ex.count`).
 */
export function transformExamples(ex: Examples, g: E3 | readonly E3[]): Examples {
  checkExamples(ex);
  const per = Array.isArray(g);
  if (per && (g as readonly E3[]).length !== ex.count) {
    throw new Error(`transformExamples: got ${(g as readonly E3[]).length} transforms for ${ex.count} examples; pass one E3 or one per example`);
  }
  const out: Examples = {
    ...ex,
    prev: new Float32Array(ex.prev.length),
    curr: new Float32Array(ex.curr.length),
    target: new Float32Array(ex.target.length),
    vertMask: ex.vertMask.slice(),
    bodyMask: ex.bodyMask.slice(),
    bodyFeatures: ex.bodyFeatures.slice(),
    gravity: new Float32Array(ex.gravity.length),
    floor: new Float32Array(ex.floor.length),
  };
  const BV = ex.maxBodies * ex.maxVerts;
  for (let n = 0; n < ex.count; n++) {
    const h = per ? (g as readonly E3[])[n] : (g as E3);
    const r = h.rotation;
    const [tx, ty, tz] = h.translation;
    for (const name of ['prev', 'curr', 'target'] as const) {
      const src = ex[name];
      const dst = out[name];
      for (let v = n * BV; v < (n + 1) * BV; v++) {
        if (ex.vertMask[v] === 0) continue;
        const x = src[3 * v];
        const y = src[3 * v + 1];
        const z = src[3 * v + 2];
        dst[3 * v] = r[0] * x + r[1] * y + r[2] * z + tx;
        dst[3 * v + 1] = r[3] * x + r[4] * y + r[5] * z + ty;
        dst[3 * v + 2] = r[6] * x + r[7] * y + r[8] * z + tz;
      }
    }
    const gv = rotateVector(h, ex.gravity.subarray(3 * n, 3 * n + 3));
    out.gravity.set(gv, 3 * n);
    const nn = rotateVector(h, ex.floor.subarray(4 * n, 4 * n + 3));
    out.floor.set(nn, 4 * n);
    out.floor[4 * n + 3] = ex.floor[4 * n + 3] + nn[0] * tx + nn[1] * ty + nn[2] * tz;
  }
  return out;
}

/** Unit quaternion [x, y, z, w] of a proper rotation matrix (row-major); throws for reflections. */
export function matrixToQuaternion(r: readonly number[]): [number, number, number, number] {
  const det = e3Determinant({ rotation: r, translation: [0, 0, 0] });
  if (det < 0) throw new Error('matrixToQuaternion: the matrix is a reflection (det -1); only rotations have quaternions');
  const tr = r[0] + r[4] + r[8];
  let q: [number, number, number, number];
  if (tr > 0) {
    const s = 2 * Math.sqrt(1 + tr);
    q = [(r[7] - r[5]) / s, (r[2] - r[6]) / s, (r[3] - r[1]) / s, s / 4];
  } else if (r[0] > r[4] && r[0] > r[8]) {
    const s = 2 * Math.sqrt(1 + r[0] - r[4] - r[8]);
    q = [s / 4, (r[1] + r[3]) / s, (r[2] + r[6]) / s, (r[7] - r[5]) / s];
  } else if (r[4] > r[8]) {
    const s = 2 * Math.sqrt(1 + r[4] - r[0] - r[8]);
    q = [(r[1] + r[3]) / s, s / 4, (r[5] + r[7]) / s, (r[2] - r[6]) / s];
  } else {
    const s = 2 * Math.sqrt(1 + r[8] - r[0] - r[4]);
    q = [(r[2] + r[6]) / s, (r[5] + r[7]) / s, s / 4, (r[3] - r[1]) / s];
  }
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}
