/**
 * Compute from each run's own FLOPs. A family's FLOPs per sample (or per step) depend on its model size in a
 * family-specific way (GATr spends ~28× more per parameter than a dense layer; attention adds terms that are
 * not proportional to N), so the compute-optimal frontier must not assume C = κ·N·D with one κ. Here the
 * FLOPs per sample f(N) is taken from the runs themselves: the geometric mean of flops/d of the runs of each
 * model size, interpolated piecewise-linearly in log N – log f between sampled sizes (and extrapolated along the
 * end segments). C(N, D) = f(N)·D, and the frontier minimises L(N, C/f(N)) over N for each budget C.
 */
import type { LawParams } from '../approach3.js';
import { predictLoss } from '../approach3.js';
import type { OptimalPoint } from '../frontier.js';

export interface FlopsModel {
  /** Sampled model sizes (ascending) with the geometric mean FLOPs per sample of their runs. */
  sizes: { n: number; flopsPerSample: number }[];
  /** Largest relative deviation of a run's flops/d from its size's mean (0 when each size has one value). */
  maxSpread: number;
  /** Range of the runs' own FLOPs. */
  cMin: number;
  cMax: number;
}

/** Builds the FLOPs-per-sample model of one family from its runs' own (n, d, flops). */
export function flopsModel(runs: readonly { n: number; d: number; flops: number }[]): FlopsModel {
  if (runs.length === 0) throw new Error('flopsModel: no runs: give the runs of one family with their own flops');
  const by = new Map<number, number[]>();
  for (const r of runs) {
    let a = by.get(r.n);
    if (!a) by.set(r.n, (a = []));
    a.push(Math.log(r.flops / r.d));
  }
  let maxSpread = 0;
  const sizes = [...by.entries()]
    .sort((p, q) => p[0] - q[0])
    .map(([n, ls]) => {
      const m = ls.reduce((s, v) => s + v, 0) / ls.length;
      for (const l of ls) maxSpread = Math.max(maxSpread, Math.abs(Math.exp(l - m) - 1));
      return { n, flopsPerSample: Math.exp(m) };
    });
  const cs = runs.map((r) => r.flops);
  return { sizes, maxSpread, cMin: Math.min(...cs), cMax: Math.max(...cs) };
}

/** FLOPs per sample at model size n (log-log interpolation; a single size scales ∝ n). */
export function flopsPerSample(m: FlopsModel, n: number): number {
  const s = m.sizes;
  if (s.length === 1) return (s[0].flopsPerSample * n) / s[0].n;
  const x = Math.log(n);
  let i = 0;
  while (i < s.length - 2 && x > Math.log(s[i + 1].n)) i++;
  const x0 = Math.log(s[i].n);
  const x1 = Math.log(s[i + 1].n);
  const y0 = Math.log(s[i].flopsPerSample);
  const y1 = Math.log(s[i + 1].flopsPerSample);
  return Math.exp(y0 + ((y1 - y0) * (x - x0)) / (x1 - x0));
}

/** Training FLOPs of a run of size n on d samples under the model. */
export function flopsAt(m: FlopsModel, n: number, d: number): number {
  return flopsPerSample(m, n) * d;
}

export interface RunFlopsOptimum extends OptimalPoint {
  /** True when N_opt lies outside the sampled model sizes (the frontier extrapolates there). */
  extrapolated: boolean;
}

const GOLD = 0.5 * (Math.sqrt(5) - 1);

/**
 * Compute-optimal N, D, L at budget C with C = f(N)·D from the runs' own FLOPs: minimises L(N, C/f(N)) over
 * ln N within 100× beyond the sampled sizes (coarse scan of 121 points, then golden-section refinement).
 */
export function optimumFromFlops(p: LawParams, m: FlopsModel, c: number): RunFlopsOptimum {
  if (!(c > 0) || !Number.isFinite(c)) throw new Error(`compute budget is ${c}: must be a positive number of FLOPs`);
  const lo0 = Math.log(m.sizes[0].n) - Math.log(100);
  const hi0 = Math.log(m.sizes[m.sizes.length - 1].n) + Math.log(100);
  const f = (x: number) => {
    const n = Math.exp(x);
    return predictLoss(p, n, c / flopsPerSample(m, n));
  };
  const K = 120;
  let bestK = 0;
  let bestF = Infinity;
  for (let k = 0; k <= K; k++) {
    const v = f(lo0 + ((hi0 - lo0) * k) / K);
    if (v < bestF) {
      bestF = v;
      bestK = k;
    }
  }
  const h = (hi0 - lo0) / K;
  let a = lo0 + (bestK - 1) * h;
  let b = lo0 + (bestK + 1) * h;
  let x1 = b - GOLD * (b - a);
  let x2 = a + GOLD * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let it = 0; it < 40; it++) {
    if (f1 < f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - GOLD * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + GOLD * (b - a);
      f2 = f(x2);
    }
  }
  const x = 0.5 * (a + b);
  const n = Math.exp(x);
  const d = c / flopsPerSample(m, n);
  return { c, n, d, loss: predictLoss(p, n, d), extrapolated: n < m.sizes[0].n * 0.999 || n > m.sizes[m.sizes.length - 1].n * 1.001 };
}
