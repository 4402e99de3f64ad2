/**
 * Family comparison: ratio of compute-optimal losses L_opt^A(C)/L_opt^B(C) at each budget with bootstrap
 * bands, and the difference of allocation exponents with a bootstrap interval.
 * Bootstrap resamples of the two families are independent, so pairing the i-th sample of A with the i-th of
 * B is a draw from their joint sampling distribution.
 */
import type { LawParams } from './approach3.js';
import { sampleLaws, type BootstrapSamples } from './bootstrap.js';
import { allocationExponents, computeOptimal } from './frontier.js';
import type { FamilyFitResult } from './fit-families.js';
import { percentileInterval, type Interval } from './rng.js';

export interface FamilyInput {
  family: string;
  fit: LawParams;
  /** FLOPs per parameter per sample of this family. */
  kappa: number;
  /** Bootstrap parameter samples; without them the comparison has no intervals. */
  samples?: BootstrapSamples;
}

export interface DifferenceEstimate {
  estimate: number;
  interval: Interval | null;
  /** True when the interval lies entirely above or below 0 (null without bootstrap). */
  excludesZero: boolean | null;
}

export interface LossRatioAtBudget {
  c: number;
  /** L_opt of the first family divided by L_opt of the second. */
  ratio: number;
  interval: Interval | null;
}

export interface FamilyComparison {
  familyA: string;
  familyB: string;
  level: number;
  lossRatio: LossRatioAtBudget[];
  /** a_A − a_B for N_opt ∝ C^a. */
  allocationA: DifferenceEstimate;
  /** b_A − b_B for D_opt ∝ C^b. */
  allocationB: DifferenceEstimate;
}

export function compareFamilies(A: FamilyInput, B: FamilyInput, budgets: readonly number[], level = 0.95): FamilyComparison {
  const lawsA = A.samples ? sampleLaws(A.samples) : null;
  const lawsB = B.samples ? sampleLaws(B.samples) : null;
  const k = lawsA && lawsB ? Math.min(lawsA.length, lawsB.length) : 0;
  const paired = k > 0;
  const lossRatio = budgets.map((c) => {
    const ratio = computeOptimal(A.fit, c, A.kappa).loss / computeOptimal(B.fit, c, B.kappa).loss;
    let interval: Interval | null = null;
    if (paired) {
      const r = new Float64Array(k);
      for (let i = 0; i < k; i++) r[i] = computeOptimal(lawsA![i], c, A.kappa).loss / computeOptimal(lawsB![i], c, B.kappa).loss;
      interval = percentileInterval(r, level);
    }
    return { c, ratio, interval };
  });
  const diff = (key: 'a' | 'b'): DifferenceEstimate => {
    const estimate = allocationExponents(A.fit)[key] - allocationExponents(B.fit)[key];
    if (!paired) return { estimate, interval: null, excludesZero: null };
    const d = new Float64Array(k);
    for (let i = 0; i < k; i++) d[i] = allocationExponents(lawsA![i])[key] - allocationExponents(lawsB![i])[key];
    const interval = percentileInterval(d, level);
    return { estimate, interval, excludesZero: interval.lo > 0 || interval.hi < 0 };
  };
  return { familyA: A.family, familyB: B.family, level, lossRatio, allocationA: diff('a'), allocationB: diff('b') };
}

/** compareFamilies for two results of fitFamilies (each needs kappa; bands need their bootstrap). */
export function compareFitResults(a: FamilyFitResult, b: FamilyFitResult, budgets: readonly number[], level = 0.95): FamilyComparison {
  const input = (r: FamilyFitResult): FamilyInput => {
    if (r.kappa === undefined)
      throw new Error(`family "${r.family}" has no kappa: pass kappa to fitFamilies or give c (FLOPs) per run`);
    return { family: r.family, fit: r.fit, kappa: r.kappa, samples: r.bootstrap?.samples };
  };
  return compareFamilies(input(a), input(b), budgets, level);
}
