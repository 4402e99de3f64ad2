/**
 * The Pin(3,0,1) group action (sandwich product) and a seeded sampler of group elements, used by the
 * equivariance tests (gatr-spec.md section 1, "Group action").
 */
import { MV_DIM } from './blades.js';
import { embedPoint, embedTranslation, extractPoint } from './embed.js';
import { geometricProduct, gradeInvolution, multivector, parity, reverse, type Multivector } from './ops.js';
import type { Rng } from './random.js';

type MvLike = ArrayLike<number>;

/** Group action: u x u^-1 for even u, u gradeInvolution(x) u^-1 for odd u (u^-1 = reverse(u)). */
export function sandwich(x: MvLike, u: MvLike): Multivector {
  const inner = parity(u) === 1 ? gradeInvolution(x) : x;
  return geometricProduct(geometricProduct(u, inner), reverse(u));
}

/** The action of u as a 16x16 matrix M (row-major, M[i*16+j]): sandwich(x, u)_i = sum_j M[i,j] x_j. */
export function sandwichMatrix(u: MvLike): Float64Array {
  const m = new Float64Array(MV_DIM * MV_DIM);
  for (let j = 0; j < MV_DIM; j++) {
    const col = sandwich(multivector({ [j]: 1 }), u);
    for (let i = 0; i < MV_DIM; i++) m[i * MV_DIM + j] = col[i]!;
  }
  return m;
}

/**
 * Applies u to every multivector of a flat array (length a multiple of 16, last axis the components),
 * returning a new Float32Array.
 */
export function actOnMultivectors(u: MvLike, data: ArrayLike<number>): Float32Array {
  if (data.length % MV_DIM !== 0) throw new Error(`actOnMultivectors: data length ${data.length} is not a multiple of 16`);
  const m = sandwichMatrix(u);
  const out = new Float32Array(data.length);
  for (let base = 0; base < data.length; base += MV_DIM) {
    for (let i = 0; i < MV_DIM; i++) {
      let acc = 0;
      for (let j = 0; j < MV_DIM; j++) acc += m[i * MV_DIM + j]! * data[base + j]!;
      out[base + i] = acc;
    }
  }
  return out;
}

/** A Euclidean motion p -> Q p + t; Q is row-major 3x3 orthogonal (det -1 for reflections). */
export interface EuclideanMotion {
  rotation: Float64Array;
  translation: Float64Array;
}

/** The E(3) element that a Pin(3,0,1) versor u induces on points. */
export function pinToEuclidean(u: MvLike): EuclideanMotion {
  const image = (p: [number, number, number]) => extractPoint(sandwich(embedPoint(p), u));
  const o = image([0, 0, 0]);
  const rotation = new Float64Array(9);
  for (let a = 0; a < 3; a++) {
    const e: [number, number, number] = [0, 0, 0];
    e[a] = 1;
    const col = image(e);
    for (let r = 0; r < 3; r++) rotation[r * 3 + a] = col[r]! - o[r]!;
  }
  return { rotation, translation: Float64Array.from(o) };
}

export type PinKind = 'general' | 'rotation' | 'reflection' | 'translation';

/** A random vector (plane), normalised by its Euclidean part; through the origin when `throughOrigin`. */
function randomUnitVector(rng: Rng, throughOrigin: boolean): Multivector {
  const v = multivector({ 1: throughOrigin ? 0 : rng.normal(), 2: rng.normal(), 3: rng.normal(), 4: rng.normal() });
  const n = Math.hypot(v[2]!, v[3]!, v[4]!);
  for (let i = 1; i <= 4; i++) v[i] = v[i]! / n;
  return v;
}

/**
 * A random Pin(3,0,1) versor.
 * - general: product of 3 or 4 random normalised vectors in general position (a rotoreflection or a screw
 *   motion: never the identity, always with a translation part; fewer vectors gave identities for some seeds);
 * - rotation: product of two vectors through the origin;
 * - reflection: one vector through the origin (a mirror plane through 0, det -1);
 * - translation: 1 - e0 t / 2 with t ~ N(0, 1)^3.
 */
export function samplePin(rng: Rng, kind: PinKind = 'general'): Multivector {
  switch (kind) {
    case 'translation':
      return embedTranslation([rng.normal(), rng.normal(), rng.normal()]);
    case 'reflection':
      return randomUnitVector(rng, true);
    case 'rotation':
      return geometricProduct(randomUnitVector(rng, true), randomUnitVector(rng, true));
    case 'general': {
      const count = 3 + Math.floor(rng.uniform() * 2);
      let u = multivector({ 0: 1 });
      for (let n = 0; n < count; n++) u = geometricProduct(u, randomUnitVector(rng, false));
      return u;
    }
    default:
      throw new Error(`samplePin: unknown kind "${String(kind)}"; expected general, rotation, reflection or translation`);
  }
}
