/**
 * Basis blades of the projective geometric algebra G(3,0,1), in the reference implementation's order
 * (gatr-spec.md section 1). A multivector is a length-16 array of coefficients in this order.
 */

/** Blades as ascending tuples of generator indices (0 = e0, the null direction; 1..3 Euclidean). */
export const BLADES: readonly (readonly number[])[] = [
  [],
  [0], [1], [2], [3],
  [0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3],
  [0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3],
  [0, 1, 2, 3],
];

/** Human-readable blade names ("1", "e0", "e12", ...). */
export const BLADE_NAMES: readonly string[] = BLADES.map((b) => (b.length === 0 ? '1' : `e${b.join('')}`));

/** Grade of each blade. */
export const GRADES: readonly number[] = BLADES.map((b) => b.length);

/** Metric: squares of the generators e0, e1, e2, e3. */
export const METRIC: readonly number[] = [0, 1, 1, 1];

/** Number of components of a multivector. */
export const MV_DIM = 16;

/** Index of the blade with the given ascending generator tuple, or -1. */
export function bladeIndex(generators: readonly number[]): number {
  return BLADES.findIndex((b) => b.length === generators.length && b.every((g, i) => g === generators[i]));
}

/** Index of a blade by name ("1", "e0", "e012", ...); throws on an unknown name. */
export function bladeIndexByName(name: string): number {
  const i = BLADE_NAMES.indexOf(name);
  if (i < 0) throw new Error(`unknown blade name "${name}": expected one of ${BLADE_NAMES.join(', ')}`);
  return i;
}
