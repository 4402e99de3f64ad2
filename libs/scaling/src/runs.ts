/** A training run as the fitter sees it. */
export interface Run {
  /** Parameter count N (> 0). */
  n: number;
  /** Training samples or tokens D (> 0). */
  d: number;
  /** Test loss L (> 0). */
  loss: number;
  /** Model family (architecture / training variant); runs without one form the family "all". */
  family?: string;
  /** Training compute C in FLOPs (> 0), when known. */
  c?: number;
}

export const DEFAULT_FAMILY = 'all';

/** Throws a clear error for a run with a missing, non-numeric, non-finite or non-positive field. */
export function validateRuns(runs: readonly Run[], where = 'runs'): void {
  if (!Array.isArray(runs)) throw new Error(`${where}: expected an array of runs { n, d, loss, family?, c? }`);
  runs.forEach((r, i) => {
    for (const k of ['n', 'd', 'loss'] as const) checkPositive(r?.[k], `${where}[${i}].${k}`);
    if (r.c !== undefined) checkPositive(r.c, `${where}[${i}].c`);
  });
}

function checkPositive(v: unknown, name: string): void {
  if (typeof v !== 'number' || Number.isNaN(v))
    throw new Error(`${name} is ${JSON.stringify(v) ?? String(v)}: must be a positive finite number (fix or drop that run)`);
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`${name} is ${v}: must be a positive finite number (fix or drop that run)`);
}

/** Groups runs by family (missing family → "all"), keeping first-appearance order. */
export function groupByFamily(runs: readonly Run[]): Map<string, Run[]> {
  const out = new Map<string, Run[]>();
  for (const r of runs) {
    const f = r.family ?? DEFAULT_FAMILY;
    let arr = out.get(f);
    if (!arr) out.set(f, (arr = []));
    arr.push(r);
  }
  return out;
}
