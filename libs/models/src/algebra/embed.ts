/**
 * Embeddings of geometric objects into multivectors and their extraction (gatr-spec.md section 2).
 * Vectors are [x, y, z] arrays.
 */
import { multivector, type Multivector } from './ops.js';

type Vec3 = readonly [number, number, number] | ArrayLike<number>;
type MvLike = ArrayLike<number>;

export const embedScalar = (s: number): Multivector => multivector({ 0: s });
export const extractScalar = (x: MvLike): number => x[0]!;

export const embedPseudoscalar = (s: number): Multivector => multivector({ 15: s });
export const extractPseudoscalar = (x: MvLike): number => x[15]!;

/** Point p: e123 = 1, e023 = -p_x, e013 = +p_y, e012 = -p_z. */
export function embedPoint(p: Vec3): Multivector {
  return multivector({ 14: 1, 13: -p[0]!, 12: p[1]!, 11: -p[2]! });
}

/** Point from a trivector, divided by its e123 component (clamped to magnitude 1e-3 when tiny). */
export function extractPoint(x: MvLike): [number, number, number] {
  let w = x[14]!;
  if (Math.abs(w) < 1e-3) w = w < 0 ? -1e-3 : 1e-3;
  return [-x[13]! / w, x[12]! / w, -x[11]! / w];
}

/** Translation by t: 1 - e0 t / 2, i.e. [0] = 1, [5..7] = -t/2. */
export function embedTranslation(t: Vec3): Multivector {
  return multivector({ 0: 1, 5: -0.5 * t[0]!, 6: -0.5 * t[1]!, 7: -0.5 * t[2]! });
}

export function extractTranslation(x: MvLike): [number, number, number] {
  return [-2 * x[5]!, -2 * x[6]!, -2 * x[7]!];
}

/**
 * Direction (a free vector such as gravity or a displacement): the ideal bivector part of a translation,
 * [5..7] = -d/2, without the scalar 1. Rotates and reflects like a vector, invariant under translations.
 * Read it back with extractTranslation.
 */
export function embedDirection(d: Vec3): Multivector {
  return multivector({ 5: -0.5 * d[0]!, 6: -0.5 * d[1]!, 7: -0.5 * d[2]! });
}

/** Rotation quaternion (i, j, k, w): [0] = w, [8] = -k, [9] = +j, [10] = -i. */
export function embedRotation(q: readonly [number, number, number, number] | ArrayLike<number>): Multivector {
  return multivector({ 0: q[3]!, 8: -q[2]!, 9: q[1]!, 10: -q[0]! });
}

export function extractRotation(x: MvLike): [number, number, number, number] {
  return [-x[10]!, x[9]!, -x[8]!, x[0]!];
}

/** Oriented plane with normal n through point p: [2..4] = n, [1] = -n.p. */
export function embedPlane(normal: Vec3, through: Vec3): Multivector {
  const d = normal[0]! * through[0]! + normal[1]! * through[1]! + normal[2]! * through[2]!;
  return embedPlaneOffset(normal, d);
}

/** Plane {x : n.x = d}: [2..4] = n, [1] = -d. */
export function embedPlaneOffset(normal: Vec3, d: number): Multivector {
  return multivector({ 1: -d, 2: normal[0]!, 3: normal[1]!, 4: normal[2]! });
}

/** Plane normal (components 2..4). */
export function extractPlaneNormal(x: MvLike): [number, number, number] {
  return [x[2]!, x[3]!, x[4]!];
}

/** Offset d of the plane n.x = d (n as stored, not normalised). */
export const extractPlaneOffset = (x: MvLike): number => -x[1]!;
