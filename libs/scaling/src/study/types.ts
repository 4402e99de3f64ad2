/**
 * Plain run records of a scaling study, as the study analysis sees them. Every number is this run's own:
 * its parameter count (in the convention the caller chose), its samples (or steps) seen, its own training FLOPs.
 */
import type { Interval } from '../rng.js';

export interface StudyRun {
  /** Model family (architecture / training variant), e.g. "gatr", "transformer", "transformer+aug". */
  family: string;
  /** Parameter count N (> 0), in the caller's convention (e.g. with or without input/output layers). */
  n: number;
  /** Training samples (or steps) seen D (> 0). */
  d: number;
  /** Test loss (> 0) of the checkpoint chosen on validation. */
  loss: number;
  /** This run's own training FLOPs (> 0), in the caller's convention (nominal, executed, wall-clock seconds…). */
  flops: number;
  /** Seed; runs sharing a seed (and model size) are resampled together by the bootstrap. */
  seed: number | string;
  /** Training-set size (data-scaling runs). */
  trainSize?: number;
  /** Epochs trained (data-scaling runs, up to early stopping). */
  epochs?: number;
  /** Trained with data augmentation (data-scaling runs). */
  augmented?: boolean;
  /** False when training stopped at its epoch cap rather than by early stopping (not converged). */
  converged?: boolean;
  /** Validation loss; used to choose between several runs of one data-scaling cell (never the test loss). */
  valLoss?: number;
}

/** A point estimate with its bootstrap percentile interval (null when no bootstrap could give one). */
export interface Estimate {
  estimate: number;
  interval: Interval | null;
}

/** Whether a fit can be trusted, with the reasons in words when not. */
export interface FitStatus {
  status: 'determined' | 'undetermined';
  determined: boolean;
  /** Empty when determined. */
  reasons: string[];
  /** One line: "determined" or "undetermined: reason; reason". */
  summary: string;
}

export function makeStatus(reasons: string[]): FitStatus {
  const determined = reasons.length === 0;
  return {
    status: determined ? 'determined' : 'undetermined',
    determined,
    reasons,
    summary: determined ? 'determined' : `undetermined: ${reasons.join('; ')}`,
  };
}

/** Throws a clear error naming the run and field for a missing or non-positive number. */
export function validateStudyRuns(runs: readonly StudyRun[], where = 'runs'): void {
  if (!Array.isArray(runs)) throw new Error(`${where}: expected an array of runs { family, n, d, loss, flops, seed }`);
  runs.forEach((r, i) => {
    if (typeof r?.family !== 'string' || !r.family) throw new Error(`${where}[${i}].family is ${JSON.stringify(r?.family)}: give the family name`);
    for (const k of ['n', 'd', 'loss', 'flops'] as const) {
      const v = r[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
        throw new Error(`${where}[${i}].${k} is ${String(v)}: must be a positive finite number (fix or drop that run)`);
    }
    if (r.seed === undefined || r.seed === null || r.seed === '') throw new Error(`${where}[${i}].seed is missing: give the run's seed`);
    if (r.trainSize !== undefined && !(r.trainSize > 0 && Number.isFinite(r.trainSize)))
      throw new Error(`${where}[${i}].trainSize is ${r.trainSize}: must be a positive number of samples`);
  });
}

/** Groups by a key, keeping first-appearance order. */
export function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    let a = m.get(k);
    if (!a) m.set(k, (a = []));
    a.push(x);
  }
  return m;
}

/** Which bootstrap units the runs are resampled in. */
export type Stratify = 'n' | 'none';

/**
 * Group and stratum keys for the seed-grouped bootstrap: seed groups, drawn within each model size by default.
 * When some stratum holds a single seed group (one seed per size), resampling seeds would redraw the same runs
 * every time and give zero-width intervals; the runs are then resampled one by one within their stratum and
 * `singleSeed` says so (seed-to-seed variation is then not in the intervals: the fits report it as a reason).
 */
export function seedGroups(runs: readonly StudyRun[], stratify: Stratify = 'n', sizeOf: (r: StudyRun) => number = (r) => r.n) {
  const strata = stratify === 'n' ? runs.map((r) => String(sizeOf(r))) : undefined;
  const groups = runs.map((r) => `${String(r.seed)}|${stratify === 'n' ? sizeOf(r) : ''}`);
  const perStratum = new Map<string, Set<string>>();
  runs.forEach((_, i) => {
    const k = strata?.[i] ?? '';
    let s = perStratum.get(k);
    if (!s) perStratum.set(k, (s = new Set()));
    s.add(groups[i]);
  });
  const singleSeed = runs.length > 0 && [...perStratum.values()].some((s) => s.size < 2);
  return { groups: singleSeed ? runs.map((_, i) => `run${i}`) : groups, strata, singleSeed };
}

/** The reason a fit carries when its bootstrap had to resample runs instead of seeds (see seedGroups). */
export const SINGLE_SEED_REASON = 'a single seed per model size: the bootstrap resamples runs, not seeds, so seed-to-seed variation is not in the intervals';

export function median(xs: readonly number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length === 0 ? NaN : v.length % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

export const fmt = (x: number, p = 3): string =>
  !Number.isFinite(x) ? String(x) : x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3) ? x.toExponential(p - 1).replace('e+', 'e') : Number(x.toPrecision(p)).toString();
export const fmtInterval = (iv: Interval | null, p = 3): string => (iv ? `[${fmt(iv.lo, p)}, ${fmt(iv.hi, p)}]` : '[no interval]');
export const fmtEstimate = (e: Estimate, p = 3): string => `${fmt(e.estimate, p)} ${fmtInterval(e.interval, p)}`;
