/** Planted study designs shared by the study tests and the benchmark. */
import type { LawParams } from '../approach3.js';
import { logSpace } from '../frontier.js';
import type { DataCurveParams } from './data-scaling.js';
import { synthesizeStudy, type SyntheticStudyOptions } from './synthetic.js';

/** Equivariant law: allocation exponent a = β/(α+β) = 0.6. */
export const LAW_EQ: LawParams = { E: 0.5, A: 26.7, B: 100, alpha: 0.3, beta: 0.45 };
/** Baseline law: a = 0.4. */
export const LAW_TF: LawParams = { E: 0.7, A: 112, B: 30, alpha: 0.45, beta: 0.3 };
export const CURVE_EQ: DataCurveParams = { E: 0.01, B: 2, beta: 0.5 };
export const CURVE_TF: DataCurveParams = { E: 0.01, B: 6, beta: 0.5 };
/** Augmentation: worse at small D, better than the equivariant curve at the largest D (the gap closes). */
export const CURVE_TF_AUG: DataCurveParams = { E: 0.01, B: 8, beta: 0.65 };
export const STUDY_SIZES = logSpace(1.8e4, 5.5e5, 5);
export const STUDY_BUDGETS = logSpace(6e9, 6e11, 5);
export const TRAIN_SIZES = logSpace(1e3, 3e4, 5);
/** GATr-like FLOPs: per sample ∝ N^1.1 (not proportional to N). */
export const EQ_FLOPS_EXPONENT = 1.1;

export interface PlantedStudyOptions {
  eq?: LawParams;
  tf?: LawParams;
  curves?: { eq: DataCurveParams; tf: DataCurveParams; aug: DataCurveParams };
  seeds?: number;
  /** Budgets per family (repeated to reach more runs). */
  budgets?: readonly number[];
  sizes?: readonly number[];
  noise?: number;
  seedNoise?: number;
  rng?: number;
  /** Extra compute families with the baseline law (e.g. 'transformer+aug'). */
  extraFamilies?: string[];
}

export function plantedStudy(o: PlantedStudyOptions = {}) {
  const sizes = o.sizes ?? STUDY_SIZES;
  const budgets = o.budgets ?? STUDY_BUDGETS;
  const c = o.curves ?? { eq: CURVE_EQ, tf: CURVE_TF, aug: CURVE_TF_AUG };
  const opts: SyntheticStudyOptions = {
    compute: [
      { family: 'gatr', law: o.eq ?? LAW_EQ, kappa: 9, flopsExponent: EQ_FLOPS_EXPONENT, sizes, budgets: budgets.map((b) => b * 1.5) },
      { family: 'transformer', law: o.tf ?? LAW_TF, kappa: 6, sizes, budgets },
      ...(o.extraFamilies ?? []).map((family) => ({ family, law: o.tf ?? LAW_TF, kappa: 6, sizes, budgets })),
    ],
    data: [
      { family: 'gatr', curve: c.eq, trainSizes: TRAIN_SIZES },
      { family: 'transformer', curve: c.tf, trainSizes: TRAIN_SIZES },
      { family: 'transformer', augmented: true, curve: c.aug, trainSizes: TRAIN_SIZES },
    ],
    seeds: o.seeds ?? 3,
    noise: o.noise,
    seedNoise: o.seedNoise,
    rng: o.rng,
  };
  return synthesizeStudy(opts);
}

export const ROLES = { equivariant: 'gatr', data: { equivariant: 'gatr', baseline: 'transformer', augmented: 'transformer+aug' } };
