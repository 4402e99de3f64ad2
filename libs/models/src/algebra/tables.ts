/**
 * Product tables of G(3,0,1), computed from first principles (gatr-spec.md section 1).
 *
 * Tables are flat Float32Arrays of 16*16*16 entries indexed [i, j, k] -> i*256 + j*16 + k, applied as
 * out_i = sum_jk T[i, j, k] * x_j * y_k (x is the left operand).
 */
import { BLADES, METRIC, MV_DIM, bladeIndex } from './blades.js';

/**
 * Product of two basis blades: concatenate the generator lists, bubble-sort them flipping the sign per
 * swap, then contract adjacent equal pairs with the metric. Returns [sign, blade index]; sign 0 when the
 * product vanishes (an e0 pair, or any repeated generator when `wedge` is set).
 */
export function bladeProduct(a: readonly number[], b: readonly number[], wedge: boolean): [number, number] {
  if (wedge && a.some((g) => b.includes(g))) return [0, 0];
  const list = [...a, ...b];
  let sign = 1;
  for (let n = list.length; n > 1; n--) {
    for (let i = 0; i + 1 < n; i++) {
      if (list[i]! > list[i + 1]!) {
        [list[i], list[i + 1]] = [list[i + 1]!, list[i]!];
        sign = -sign;
      }
    }
  }
  const out: number[] = [];
  for (let i = 0; i < list.length; i++) {
    if (i + 1 < list.length && list[i] === list[i + 1]) {
      sign *= METRIC[list[i]!]!;
      i++;
    } else {
      out.push(list[i]!);
    }
  }
  if (sign === 0) return [0, 0];
  return [sign, bladeIndex(out)];
}

function buildTable(wedge: boolean): Float32Array {
  const t = new Float32Array(MV_DIM ** 3);
  for (let j = 0; j < MV_DIM; j++) {
    for (let k = 0; k < MV_DIM; k++) {
      const [sign, i] = bladeProduct(BLADES[j]!, BLADES[k]!, wedge);
      if (sign !== 0) t[i * 256 + j * 16 + k] = sign;
    }
  }
  return t;
}

/** Geometric product table GP[i, j, k] (192 nonzeros). */
export const GEOMETRIC_PRODUCT: Float32Array = buildTable(false);

/** Outer (wedge) product table (81 nonzeros). */
export const OUTER_PRODUCT: Float32Array = buildTable(true);

/** Reverse: grades 2 and 3 change sign. */
export const REVERSE_SIGNS: readonly number[] = [1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1];

/** Grade involution: odd grades change sign. */
export const INVOLUTION_SIGNS: readonly number[] = [1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, 1];

/** dual(x)[i] = DUAL_SIGNS[i] * x[15 - i]. */
export const DUAL_SIGNS: readonly number[] = [1, -1, 1, -1, 1, 1, -1, 1, 1, -1, 1, -1, 1, -1, 1, 1];

/** Components entering the invariant inner product (blades without e0), weight 1 each. */
export const INNER_PRODUCT_INDICES: readonly number[] = [0, 2, 3, 4, 8, 9, 10, 14];

/** 16 weights, 1 at INNER_PRODUCT_INDICES and 0 elsewhere. */
export const INNER_PRODUCT_MASK: readonly number[] = Array.from({ length: MV_DIM }, (_, i) =>
  INNER_PRODUCT_INDICES.includes(i) ? 1 : 0,
);

/** Plain join table J[i, j, k] = dual(dual(e_j) ^ dual(e_k))_i (81 nonzeros); multiply by ref[14]. */
export const JOIN: Float32Array = (() => {
  const t = new Float32Array(MV_DIM ** 3);
  for (let j = 0; j < MV_DIM; j++) {
    for (let k = 0; k < MV_DIM; k++) {
      // dual(e_j) = DUAL_SIGNS[15 - j] * e_{15 - j}
      const sj = DUAL_SIGNS[15 - j]!;
      const sk = DUAL_SIGNS[15 - k]!;
      const [sign, m] = bladeProduct(BLADES[15 - j]!, BLADES[15 - k]!, true);
      if (sign === 0) continue;
      // dual(e_m) = DUAL_SIGNS[15 - m] * e_{15 - m}
      t[(15 - m) * 256 + j * 16 + k] = sj * sk * sign * DUAL_SIGNS[15 - m]!;
    }
  }
  return t;
})();

/** Number of nonzero entries of a table. */
export function countNonzeros(table: Float32Array): number {
  let n = 0;
  for (const v of table) if (v !== 0) n++;
  return n;
}
