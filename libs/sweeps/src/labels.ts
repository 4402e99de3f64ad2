/** Compact, injective renderings of numbers for size labels and cell keys. */

const UNITS: readonly [string, number][] = [
  ['G', 1e9],
  ['M', 1e6],
  ['k', 1e3],
];

/** 100000 -> "100k", 1500000 -> "1.5M", 250 -> "250" (exact: no rounding, so distinct counts stay distinct). */
export function compactCount(n: number): string {
  for (const [suffix, unit] of UNITS) if (n >= unit) return `${n / unit}${suffix}`;
  return String(n);
}

/** 1e15 -> "1e15", 2.5e14 -> "2.5e14" (shortest exact exponential form). */
export function exponential(n: number): string {
  return n.toExponential().replace('e+', 'e');
}
