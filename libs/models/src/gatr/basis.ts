/**
 * Constant tables for the tensor layers, derived from the pure-TS algebra.
 */
import { GEOMETRIC_PRODUCT, INNER_PRODUCT_MASK, JOIN } from '../algebra/index.js';

/** Number of equivariant linear basis maps. */
export const NUM_BASIS_MAPS = 9;

/**
 * The nine Pin-equivariant linear basis maps of gatr-spec.md section 3, each divided by its Frobenius
 * norm, as a (9, 256) row-major array: row a holds basis[a, i, j] at column i*16 + j (i out, j in).
 */
export const EQUI_LINEAR_BASIS: Float32Array = (() => {
  const entries: [number, number][][] = [
    [[0, 0]],
    [1, 2, 3, 4].map((i) => [i, i]),
    [5, 6, 7, 8, 9, 10].map((i) => [i, i]),
    [11, 12, 13, 14].map((i) => [i, i]),
    [[15, 15]],
    [[1, 0]],
    [[5, 2], [6, 3], [7, 4]],
    [[11, 8], [12, 9], [13, 10]],
    [[15, 14]],
  ];
  const out = new Float32Array(NUM_BASIS_MAPS * 256);
  entries.forEach((pairs, a) => {
    const v = 1 / Math.sqrt(pairs.length);
    for (const [i, j] of pairs) out[a * 256 + i * 16 + j] = v;
  });
  return out;
})();

/** Init scale per basis map (reference heuristic), applied as sqrt(c) on the uniform bound. */
export const BASIS_INIT_FACTORS: readonly number[] = [1, 4, 6, 2, 0.5, 0.5, 1.5, 1.5, 0.5].map(Math.sqrt);

/**
 * A bilinear table T[i, j, k] rearranged to (256, 16) with row j*16 + k and column i, so that
 * out = outer(x, y) (flattened j*16 + k) @ table.
 */
function outerLayout(table: Float32Array): Float32Array {
  const out = new Float32Array(256 * 16);
  for (let i = 0; i < 16; i++) for (let jk = 0; jk < 256; jk++) out[jk * 16 + i] = table[i * 256 + jk]!;
  return out;
}

/** Geometric product table as (256, 16): row j*16 + k, column i. */
export const GP_OUTER_TABLE: Float32Array = outerLayout(GEOMETRIC_PRODUCT);

/** Plain join table as (256, 16): row j*16 + k, column i. */
export const JOIN_OUTER_TABLE: Float32Array = outerLayout(JOIN);

export { INNER_PRODUCT_MASK };
