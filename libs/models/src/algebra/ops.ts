/**
 * Multivector operations on plain arrays (length 16, blade order of blades.ts). Float64 throughout; these
 * serve as the independent reference for the tensor layers and for the group action in tests.
 */
import { GRADES, MV_DIM } from './blades.js';
import {
  DUAL_SIGNS,
  GEOMETRIC_PRODUCT,
  INNER_PRODUCT_INDICES,
  INVOLUTION_SIGNS,
  JOIN,
  OUTER_PRODUCT,
  REVERSE_SIGNS,
} from './tables.js';

export type Multivector = Float64Array;
type MvLike = ArrayLike<number>;

function checkMv(x: MvLike, name: string): void {
  if (x.length !== MV_DIM) throw new Error(`${name}: expected a multivector of 16 components, got ${x.length}`);
}

/** A zero multivector, optionally with some components set ({index: value}). */
export function multivector(components: Record<number, number> = {}): Multivector {
  const out = new Float64Array(MV_DIM);
  for (const [i, v] of Object.entries(components)) out[Number(i)] = v;
  return out;
}

/** Applies a bilinear table: out_i = sum_jk T[i,j,k] x_j y_k. */
export function applyBilinear(table: Float32Array, x: MvLike, y: MvLike): Multivector {
  checkMv(x, 'left operand');
  checkMv(y, 'right operand');
  const out = new Float64Array(MV_DIM);
  for (let i = 0; i < MV_DIM; i++) {
    let acc = 0;
    for (let j = 0; j < MV_DIM; j++) {
      const xj = x[j]!;
      if (xj === 0) continue;
      for (let k = 0; k < MV_DIM; k++) {
        const t = table[i * 256 + j * 16 + k]!;
        if (t !== 0) acc += t * xj * y[k]!;
      }
    }
    out[i] = acc;
  }
  return out;
}

export const geometricProduct = (x: MvLike, y: MvLike): Multivector => applyBilinear(GEOMETRIC_PRODUCT, x, y);
export const outerProduct = (x: MvLike, y: MvLike): Multivector => applyBilinear(OUTER_PRODUCT, x, y);

/** Equivariant join: ref[14] * dual(dual(x) ^ dual(y)). */
export function join(x: MvLike, y: MvLike, ref: MvLike): Multivector {
  checkMv(ref, 'reference multivector');
  return scale(applyBilinear(JOIN, x, y), ref[14]!);
}

function signed(x: MvLike, signs: readonly number[]): Multivector {
  checkMv(x, 'multivector');
  return Float64Array.from({ length: MV_DIM }, (_, i) => signs[i]! * x[i]!);
}

export const reverse = (x: MvLike): Multivector => signed(x, REVERSE_SIGNS);
export const gradeInvolution = (x: MvLike): Multivector => signed(x, INVOLUTION_SIGNS);

export function dual(x: MvLike): Multivector {
  checkMv(x, 'multivector');
  return Float64Array.from({ length: MV_DIM }, (_, i) => DUAL_SIGNS[i]! * x[15 - i]!);
}

/** Invariant inner product: sum of x_i y_i over blades without e0. */
export function innerProduct(x: MvLike, y: MvLike): number {
  let acc = 0;
  for (const i of INNER_PRODUCT_INDICES) acc += x[i]! * y[i]!;
  return acc;
}

export const norm = (x: MvLike): number => Math.sqrt(Math.max(innerProduct(x, x), 0));

/** Keeps only the components of grade g. */
export function gradeProject(x: MvLike, g: number): Multivector {
  return Float64Array.from({ length: MV_DIM }, (_, i) => (GRADES[i] === g ? x[i]! : 0));
}

export function add(x: MvLike, y: MvLike): Multivector {
  return Float64Array.from({ length: MV_DIM }, (_, i) => x[i]! + y[i]!);
}

export function scale(x: MvLike, s: number): Multivector {
  return Float64Array.from({ length: MV_DIM }, (_, i) => s * x[i]!);
}

/** 0 when x is even (grades 0, 2, 4 only), 1 when odd; throws on mixed parity (not a versor). */
export function parity(x: MvLike): 0 | 1 {
  let even = false;
  let odd = false;
  for (let i = 0; i < MV_DIM; i++) {
    if (Math.abs(x[i]!) > 1e-12) {
      if (GRADES[i]! % 2 === 0) even = true;
      else odd = true;
    }
  }
  if (even && odd) throw new Error('parity: the multivector mixes even and odd grades; expected a Pin versor');
  return odd ? 1 : 0;
}
