/**
 * Planted-law study runs, for tests, benchmarks and demos: compute-scaling runs (sizes × budgets × seeds, with a
 * per-trunk seed effect shared by all of a trunk's branches) and data-scaling runs at convergence.
 */
import { predictLoss, type LawParams } from '../approach3.js';
import { makeRng } from '../rng.js';
import type { DataCurveParams } from './data-scaling.js';
import type { StudyRun } from './types.js';

export interface SyntheticComputeFamily {
  family: string;
  law: LawParams;
  /** FLOPs per parameter per sample at n = 1e5 (e.g. 6 for a dense transformer). */
  kappa: number;
  /** FLOPs per sample ∝ n^flopsExponent (1 = proportional to N). Default 1. */
  flopsExponent?: number;
  /** Model sizes N. */
  sizes: readonly number[];
  /** Budgets (FLOPs): each size trains to each budget (its WSD branches); D = C / f(N). */
  budgets: readonly number[];
}

export interface SyntheticStudyOptions {
  compute: SyntheticComputeFamily[];
  data?: { family: string; augmented?: boolean; curve: DataCurveParams; trainSizes: readonly number[] }[];
  seeds?: number;
  /** Log-normal noise per run. Default 0.01. */
  noise?: number;
  /** Log-normal noise shared by a trunk (one size × seed). Default 0.005. */
  seedNoise?: number;
  rng?: number;
}

export function synthesizeStudy(o: SyntheticStudyOptions): { compute: StudyRun[]; data: StudyRun[] } {
  const rng = makeRng(o.rng ?? 1);
  const seeds = o.seeds ?? 3;
  const noise = o.noise ?? 0.01;
  const sn = o.seedNoise ?? 0.005;
  const compute: StudyRun[] = [];
  for (const f of o.compute) {
    const perSample = (n: number) => f.kappa * 1e5 * Math.pow(n / 1e5, f.flopsExponent ?? 1);
    for (const n of f.sizes)
      for (let s = 0; s < seeds; s++) {
        const trunk = sn * rng.normal();
        for (const c of f.budgets) {
          const d = c / perSample(n);
          compute.push({ family: f.family, n, d, flops: c, seed: s, loss: predictLoss(f.law, n, d) * Math.exp(trunk + noise * rng.normal()) });
        }
      }
  }
  const data: StudyRun[] = [];
  for (const g of o.data ?? [])
    for (const D of g.trainSizes)
      for (let s = 0; s < seeds; s++) {
        const loss = (g.curve.E + g.curve.B * Math.pow(D, -g.curve.beta)) * Math.exp(noise * rng.normal());
        data.push({
          family: g.family,
          augmented: !!g.augmented,
          n: 1e5,
          d: D * 50,
          flops: 6e5 * D * 50,
          seed: s,
          trainSize: D,
          epochs: Math.round(50 * Math.pow(1e4 / D, 0.3)),
          converged: true,
          loss,
        });
      }
  return { compute, data };
}
