/**
 * Approach-3 fit of one family of a study with every seed: the Hoffmann grid fit, the variable-projection
 * cross-check, a seed-grouped bootstrap (whole seed groups resampled, by default within each model size, so the
 * WSD trunk of a seed and all its cooldown branches move together), the compute-optimal frontier from each
 * run's own FLOPs with bootstrap bands, and a fit status: determined when the α and β bootstrap intervals lie
 * within a factor 2 (hi/lo ≤ 2) and the cross-check agrees.
 */
import { linfit } from '../approach2.js';
import { fitApproach3, gridSearch, HuberLogObjective, finishFit, identifiabilityProblems, type Approach3Fit, type StartGrid } from '../approach3.js';
import { bootstrapFit, sampleLaws, type BootstrapSamples } from '../bootstrap.js';
import { logSpace } from '../frontier.js';
import { fitEnvelopePowerLaw, type EnvelopeFit } from '../envelope.js';
import { LbfgsWorkspace } from '../lbfgs.js';
import { percentileInterval, type Interval } from '../rng.js';
import type { Run } from '../runs.js';
import { crossCheck, DEFAULT_CROSS_CHECK_TOLERANCE, type CrossCheck } from '../vpnls.js';
import { flopsModel, optimumFromFlops, type FlopsModel, type RunFlopsOptimum } from './flops.js';
import { makeStatus, seedGroups, SINGLE_SEED_REASON, validateStudyRuns, type Estimate, type FitStatus, type Stratify, type StudyRun } from './types.js';

/** Starts used when refitting from a known optimum (sensitivity variants): 108 spread starts plus the warm start. */
export const SENSITIVITY_GRID: StartGrid = Object.freeze({ a: [0, 10, 20], b: [0, 10, 20], e: [-2, -1, 0], alpha: [0.5, 1], beta: [0.5, 1] });

export interface StudyFitOptions {
  /** Huber δ on log-residuals. Default 1e-3. */
  delta?: number;
  /** Start grid of the point fit. Default HOFFMANN_GRID (4500 starts). */
  grid?: StartGrid;
  /** Also start from this optimum ([a, b, e, alpha, beta] or a fit) and keep the better; with `grid` = SENSITIVITY_GRID it replaces the full grid. */
  warmStart?: Approach3Fit | readonly number[];
  /** Bootstrap resamples. Default 200. */
  resamples?: number;
  /** Bootstrap PRNG seed. Default 1. */
  seed?: number;
  /** Interval level. Default 0.95. */
  level?: number;
  /** Resample seed groups within each model size ('n', default) or whole seed groups across sizes ('none'). */
  stratify?: Stratify;
  /** Budgets (FLOPs) of the frontier; default 13 log-spaced over the family's own FLOPs range. */
  budgets?: readonly number[];
  /** Cross-check relative tolerance on E, α, β. Default 0.25. */
  crossCheckTolerance?: number;
  /** Determined when hi/lo of the α and β intervals ≤ this. Default 2. */
  exponentFactor?: number;
}

export interface FrontierBandPoint extends RunFlopsOptimum {
  /** Bootstrap interval of L_opt, N_opt and D_opt (null without bootstrap). */
  lossInterval: Interval | null;
  nInterval: Interval | null;
  dInterval: Interval | null;
}

export interface StudyFamilyFit {
  family: string;
  nRuns: number;
  /** Distinct seeds and model sizes. */
  seeds: number;
  sizes: number;
  delta: number;
  fit: Approach3Fit;
  crossCheck: CrossCheck;
  bootstrap: {
    resamples: number;
    failed: number;
    level: number;
    /** How runs were resampled, in words. */
    grouping: string;
    intervals: { E: Interval; A: Interval; B: Interval; alpha: Interval; beta: Interval };
  };
  /** Bootstrap parameter samples (drop before writing a report). */
  samples: BootstrapSamples;
  /** FLOPs per sample per model size, from the runs' own FLOPs. */
  flops: FlopsModel;
  /** Compute-optimal frontier from the runs' own FLOPs, with bootstrap bands. */
  frontier: FrontierBandPoint[];
  /** Local slopes of ln N_opt and ln D_opt against ln C across the frontier budgets (N_opt ∝ C^a, D_opt ∝ C^b). */
  allocation: { a: Estimate; b: Estimate };
  /**
   * The direct power law in compute, L(C) = L∞ + (C₀/C)^γ, fitted to the lower envelope of the runs at their own
   * FLOPs (null when fewer than 3 runs beat every cheaper run).
   */
  computePowerLaw: Omit<EnvelopeFit, 'envelope'> | null;
  /** Per-resample values of the allocation slope a (for paired comparisons; drop before writing a report). */
  allocationSamples: number[];
  status: FitStatus;
}

/**
 * Determined-fit criterion: the law is identifiable, its α and β bootstrap intervals are positive and within a
 * factor `factor` (hi/lo), at most 10% of resamples failed, and variable projection agrees.
 */
export function fitStatus(
  fit: Pick<Approach3Fit, 'identifiable' | 'reasons'>,
  bootstrap: { resamples: number; failed: number; intervals: { alpha: Interval; beta: Interval } } | null,
  check: Pick<CrossCheck, 'disagree' | 'message'> | null,
  factor = 2,
): FitStatus {
  const reasons = [...(fit.identifiable ? [] : fit.reasons)];
  if (!bootstrap) reasons.push('no bootstrap: the exponents have no intervals');
  else {
    if (bootstrap.failed > 0.1 * bootstrap.resamples)
      reasons.push(`${bootstrap.failed} of ${bootstrap.resamples} bootstrap refits failed to converge`);
    for (const [name, iv] of [['α', bootstrap.intervals.alpha], ['β', bootstrap.intervals.beta]] as const) {
      if (!(iv.lo > 0) || !Number.isFinite(iv.hi)) reasons.push(`the ${name} interval [${iv.lo.toPrecision(3)}, ${iv.hi.toPrecision(3)}] reaches 0: ${name} is not determined`);
      else if (iv.hi / iv.lo > factor)
        reasons.push(`the ${name} interval [${iv.lo.toPrecision(3)}, ${iv.hi.toPrecision(3)}] spans a factor ${(iv.hi / iv.lo).toFixed(1)} (> ${factor})`);
    }
  }
  if (!check) reasons.push('no variable-projection cross-check');
  else if (check.disagree) reasons.push(check.message);
  return makeStatus(reasons);
}

const toRun = (r: StudyRun): Run => ({ n: r.n, d: r.d, loss: r.loss, family: r.family, c: r.flops });

/** Fits one family's runs (all seeds) — see the module comment. */
export function fitStudyFamily(runs: readonly StudyRun[], opts: StudyFitOptions = {}): StudyFamilyFit {
  validateStudyRuns(runs);
  const family = runs[0]?.family ?? '';
  if (runs.some((r) => r.family !== family)) throw new Error('fitStudyFamily: runs of several families: fit each family on its own (group by family first)');
  const plain = runs.map(toRun);
  const delta = opts.delta ?? 1e-3;
  const level = opts.level ?? 0.95;
  let fit: Approach3Fit;
  try {
    if (opts.warmStart) {
      const obj = new HuberLogObjective(plain, delta);
      const ws = new LbfgsWorkspace(5);
      const res = gridSearch(obj, opts.grid ?? SENSITIVITY_GRID, undefined, ws);
      const w = opts.warmStart;
      const x = Array.isArray(w) ? Float64Array.from(w as number[]) : Float64Array.of((w as Approach3Fit).a, (w as Approach3Fit).b, (w as Approach3Fit).e, (w as Approach3Fit).alpha, (w as Approach3Fit).beta);
      const r = ws.minimize(obj.fg, x, { ftol: 1e-15, gtol: 1e-10 });
      if ((r.converged || (r.status === 'abnormal' && r.gradNorm <= 1e-5)) && r.f < res.objective) {
        res.x.set(x);
        res.objective = r.f;
        res.convergedStarts++;
      }
      res.totalStarts++;
      fit = finishFit(plain, res, identifiabilityProblems(plain));
    } else fit = fitApproach3(plain, { delta, grid: opts.grid });
  } catch (e) {
    throw new Error(`family "${family}": ${(e as Error).message}`, { cause: e });
  }
  const check = crossCheck(fit, plain, opts.crossCheckTolerance ?? DEFAULT_CROSS_CHECK_TOLERANCE);
  const stratify = opts.stratify ?? 'n';
  const { groups, strata, singleSeed } = seedGroups(runs, stratify);
  const resamples = opts.resamples ?? 200;
  const fm = flopsModel(runs);
  const budgets = opts.budgets ?? logSpace(fm.cMin, fm.cMax, 13);
  let samples: BootstrapSamples = { E: [], A: [], B: [], alpha: [], beta: [] };
  let boot: StudyFamilyFit['bootstrap'] | null = null;
  if (fit.convergedStarts > 0 && resamples > 0) {
    const b = bootstrapFit(plain, fit, { resamples, seed: opts.seed ?? 1, level, delta, groups, strata });
    samples = b.samples;
    const seeds = new Set(runs.map((r) => String(r.seed))).size;
    boot = {
      resamples,
      failed: b.failed,
      level,
      grouping:
        singleSeed
          ? `runs resampled one by one within each model size (${seeds} seed${seeds === 1 ? '' : 's'}: too few seeds per size to resample seeds)`
          : stratify === 'n'
          ? `seed groups resampled within each model size (${seeds} seeds; a seed's runs at one size — its trunk and cooldown branches — move together)`
          : `whole seed groups resampled (${seeds} seeds; all runs of a seed move together)`,
      intervals: { E: b.intervals.E, A: b.intervals.A, B: b.intervals.B, alpha: b.intervals.alpha, beta: b.intervals.beta },
    };
  }
  const laws = sampleLaws(samples);
  const point = budgets.map((c) => optimumFromFlops(fit, fm, c));
  const perSample = laws.map((l) => budgets.map((c) => optimumFromFlops(l, fm, c)));
  const frontier: FrontierBandPoint[] = point.map((p, j) => {
    if (!laws.length) return { ...p, lossInterval: null, nInterval: null, dInterval: null };
    const col = perSample.map((s) => s[j]);
    return {
      ...p,
      lossInterval: percentileInterval(col.map((q) => q.loss), level),
      nInterval: percentileInterval(col.map((q) => q.n), level),
      dInterval: percentileInterval(col.map((q) => q.d), level),
    };
  });
  const lc = budgets.map(Math.log);
  const slope = (ys: number[]) => olsSlope(lc, ys.map(Math.log));
  const slopeEst = (key: 'n' | 'd'): Estimate => ({
    estimate: slope(point.map((p) => p[key])),
    interval: perSample.length ? percentileInterval(perSample.map((s) => slope(s.map((p) => p[key]))), level) : null,
  });
  const bootstrapForStatus = boot ? { resamples: boot.resamples, failed: boot.failed, intervals: boot.intervals } : null;
  return {
    family,
    nRuns: runs.length,
    seeds: new Set(runs.map((r) => String(r.seed))).size,
    sizes: new Set(runs.map((r) => r.n)).size,
    delta,
    fit,
    crossCheck: check,
    bootstrap: boot ?? { resamples: 0, failed: 0, level, grouping: 'none', intervals: nanIntervals() },
    samples,
    flops: fm,
    frontier,
    allocation: { a: slopeEst('n'), b: slopeEst('d') },
    computePowerLaw: envelopeOf(runs),
    allocationSamples: perSample.map((q) => slope(q.map((p) => p.n))),
    status: singleSeedStatus(fitStatus(fit, bootstrapForStatus, check, opts.exponentFactor ?? 2), singleSeed),
  };
}

/** A fit whose bootstrap could not resample seeds is never called determined (SINGLE_SEED_REASON). */
export function singleSeedStatus(s: FitStatus, singleSeed: boolean): FitStatus {
  return singleSeed ? makeStatus([...s.reasons, SINGLE_SEED_REASON]) : s;
}

function envelopeOf(runs: readonly StudyRun[]): Omit<EnvelopeFit, 'envelope'> | null {
  try {
    const { envelope: _e, ...rest } = fitEnvelopePowerLaw(runs.map((r) => ({ c: r.flops, loss: r.loss })));
    return rest;
  } catch {
    return null;
  }
}

function nanIntervals() {
  const iv = { lo: NaN, hi: NaN };
  return { E: iv, A: iv, B: iv, alpha: iv, beta: iv };
}

/** Least-squares slope of y on x (approach2.ts linfit). */
export function olsSlope(x: readonly number[], y: readonly number[]): number {
  return linfit(x, y)[1];
}

export interface FrontierRatio {
  c: number;
  /** L_opt of family A / L_opt of family B at this budget (< 1: A better). */
  ratio: number;
  interval: Interval | null;
}

export interface FrontierComparison {
  familyA: string;
  familyB: string;
  level: number;
  /** Budgets within both families' own FLOPs ranges (no extrapolation). */
  ratios: FrontierRatio[];
  /** A better at every budget (every interval below 1), B better somewhere (an interval above 1), or neither. */
  verdict: 'A better at every budget' | 'B better at some budget' | 'not resolved';
}

/**
 * Ratio of the compute-optimal losses (own-FLOPs frontiers) of two fitted families at the tested budgets: by
 * default 7 log-spaced budgets over the overlap of both families' run FLOPs. Bootstrap samples of the two
 * families are independent; the i-th of each are paired.
 */
export function compareFrontiers(A: StudyFamilyFit, B: StudyFamilyFit, budgets?: readonly number[], level = 0.95): FrontierComparison {
  const lo = Math.max(A.flops.cMin, B.flops.cMin);
  const hi = Math.min(A.flops.cMax, B.flops.cMax);
  const bs = budgets ?? (hi > lo ? logSpace(lo, hi, 7) : []);
  const la = sampleLaws(A.samples);
  const lb = sampleLaws(B.samples);
  const k = Math.min(la.length, lb.length);
  const ratios = bs.map((c) => {
    const ratio = optimumFromFlops(A.fit, A.flops, c).loss / optimumFromFlops(B.fit, B.flops, c).loss;
    let interval: Interval | null = null;
    if (k > 0) {
      const r = new Float64Array(k);
      for (let i = 0; i < k; i++) r[i] = optimumFromFlops(la[i], A.flops, c).loss / optimumFromFlops(lb[i], B.flops, c).loss;
      interval = percentileInterval(r, level);
    }
    return { c, ratio, interval };
  });
  const verdict =
    ratios.length && ratios.every((r) => r.interval && r.interval.hi < 1)
      ? 'A better at every budget'
      : ratios.some((r) => r.interval && r.interval.lo > 1)
        ? 'B better at some budget'
        : 'not resolved';
  return { familyA: A.family, familyB: B.family, level, ratios, verdict };
}
