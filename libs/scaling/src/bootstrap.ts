/**
 * Bootstrap over runs: resample the runs with replacement (as integer weights on the Huber objective, so no
 * arrays are copied), refit, and take percentile intervals of every parameter and of derived quantities.
 *
 * Refits are warm-started from the point fit by default: one L-BFGS run from the full-data optimum instead of
 * the 4500-start grid. A resample's optimum lies close to the full-data optimum, so this finds the same basin
 * at ~1/4500 of the cost; `fullGrid: true` reruns the whole grid per resample for the cautious (≈2 s each).
 *
 * Warm starts use tight L-BFGS tolerances (ftol 1e-15, gtol 1e-10; WARM_START_LBFGS). scipy's defaults are
 * relative to max(|f|, 1), and the Huber objective here is ~1e-3, so with them a refit started at the old
 * optimum stops after a few iterations having barely moved — giving intervals far too narrow. (The grid fit
 * does not suffer: among 4500 starts some end at the optimum.) With tight tolerances a warm-started refit
 * reaches the same optimum as a full-grid refit of the same resample (checked in the tests).
 */
import { gridSearch, HOFFMANN_GRID, HuberLogObjective, toLaw, type Approach3Fit, type LawParams, type StartGrid } from './approach3.js';
import { allocationExponents, computeOptimal } from './frontier.js';
import { LbfgsWorkspace, type LbfgsOptions } from './lbfgs.js';
import { makeRng, percentileInterval, type Interval, type Rng } from './rng.js';
import { validateRuns, type Run } from './runs.js';

/** L-BFGS tolerances used for warm-started refits (see module comment). */
export const WARM_START_LBFGS: LbfgsOptions = Object.freeze({ ftol: 1e-15, gtol: 1e-10 });

export interface BootstrapOptions {
  /** Number of resamples. Default 1000. */
  resamples?: number;
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Interval level. Default 0.95. */
  level?: number;
  /** Refit every resample from the full start grid instead of warm-starting from the point fit. Default false. */
  fullGrid?: boolean;
  grid?: StartGrid;
  delta?: number;
  /** L-BFGS settings; warm starts default to WARM_START_LBFGS, full-grid refits to scipy's defaults. */
  lbfgs?: LbfgsOptions;
  /** With kappa: report intervals of N_opt, D_opt, L_opt at these compute budgets (FLOPs). */
  budgets?: readonly number[];
  kappa?: number;
  /** Called after each resample with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Cluster bootstrap: a group key per run (same order as runs). Whole groups are resampled with replacement
   * (every run of a drawn group enters with it) instead of single runs — e.g. the runs sharing a seed.
   */
  groups?: readonly (string | number)[];
  /** With groups: a stratum key per run; groups are drawn within each stratum (as many as it has). */
  strata?: readonly (string | number)[];
  /** Starting point for warm refits instead of the point fit's optimum ([a, b, e, alpha, beta]). */
  start?: ArrayLike<number>;
}

/** One column per quantity, one entry per successful resample. */
export interface BootstrapSamples {
  E: number[];
  A: number[];
  B: number[];
  alpha: number[];
  beta: number[];
}

export interface BudgetIntervals {
  c: number;
  n: Interval;
  d: Interval;
  loss: Interval;
}

export interface BootstrapResult {
  resamples: number;
  /** Resamples whose refit did not converge; excluded from the intervals. */
  failed: number;
  seed: number;
  level: number;
  warmStart: boolean;
  samples: BootstrapSamples;
  intervals: {
    E: Interval;
    A: Interval;
    B: Interval;
    alpha: Interval;
    beta: Interval;
    /** Allocation exponent a = β/(α+β) of N_opt ∝ C^a. */
    allocationA: Interval;
    /** Allocation exponent b = α/(α+β) of D_opt ∝ C^b. */
    allocationB: Interval;
  };
  /** Present when budgets and kappa were given. */
  budgets?: BudgetIntervals[];
}

/** Parameter samples as law parameter objects. */
export function sampleLaws(s: BootstrapSamples): LawParams[] {
  return s.E.map((E, i) => ({ E, A: s.A[i], B: s.B[i], alpha: s.alpha[i], beta: s.beta[i] }));
}

/** Bootstraps the approach-3 fit of runs; `point` is the fit of all runs (its optimum seeds warm starts). */
export function bootstrapFit(runs: readonly Run[], point: Approach3Fit, opts: BootstrapOptions = {}): BootstrapResult {
  validateRuns(runs);
  const total = opts.resamples ?? 1000;
  if (!Number.isInteger(total) || total < 1) throw new Error(`resamples is ${total}: give a positive integer (e.g. 1000)`);
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new Error(`level is ${level}: give a number between 0 and 1 (e.g. 0.95)`);
  const seed = opts.seed ?? 1;
  const rng = makeRng(seed);
  const obj = new HuberLogObjective(runs, opts.delta ?? 1e-3);
  const n = runs.length;
  const ws = new LbfgsWorkspace(5, opts.lbfgs?.m ?? 10);
  const x = new Float64Array(5);
  const start = opts.start ? Float64Array.from(opts.start) : Float64Array.of(point.a, point.b, point.e, point.alpha, point.beta);
  const draw = makeResampler(n, rng, opts.groups, opts.strata);
  if (!start.every(Number.isFinite)) throw new Error('bootstrapFit: the point fit has no finite optimum to start from (no converged start)');
  const warmOpts: LbfgsOptions = { ...WARM_START_LBFGS, ...opts.lbfgs };
  const s: BootstrapSamples = { E: [], A: [], B: [], alpha: [], beta: [] };
  let failed = 0;
  for (let k = 0; k < total; k++) {
    draw(obj.w);
    let ok: boolean;
    if (opts.fullGrid) {
      const r = gridSearch(obj, opts.grid ?? HOFFMANN_GRID, opts.lbfgs, ws);
      ok = r.convergedStarts > 0;
      x.set(r.x);
    } else {
      x.set(start);
      const r = ws.minimize(obj.fg, x, warmOpts);
      // A line search that cannot improve further at a point whose gradient meets scipy's default gtol is
      // converged for our purposes (tight tolerances run into floating-point precision).
      ok = r.converged || (r.status === 'abnormal' && r.gradNorm <= 1e-5);
    }
    if (ok) {
      const p = toLaw(x);
      s.E.push(p.E);
      s.A.push(p.A);
      s.B.push(p.B);
      s.alpha.push(p.alpha);
      s.beta.push(p.beta);
    } else failed++;
    opts.onProgress?.(k + 1, total);
  }
  const laws = sampleLaws(s);
  const alloc = laws.map(allocationExponents);
  const result: BootstrapResult = {
    resamples: total,
    failed,
    seed,
    level,
    warmStart: !opts.fullGrid,
    samples: s,
    intervals: {
      E: percentileInterval(s.E, level),
      A: percentileInterval(s.A, level),
      B: percentileInterval(s.B, level),
      alpha: percentileInterval(s.alpha, level),
      beta: percentileInterval(s.beta, level),
      allocationA: percentileInterval(alloc.map((q) => q.a), level),
      allocationB: percentileInterval(alloc.map((q) => q.b), level),
    },
  };
  if (opts.budgets && opts.budgets.length) {
    if (opts.kappa === undefined) throw new Error('bootstrapFit: budgets were given without kappa (FLOPs per parameter per sample)');
    result.budgets = optimalIntervals(laws, opts.kappa, opts.budgets, level);
  }
  return result;
}

/**
 * A function that fills w with resample counts: plain (each of n runs drawn n times) or, with group keys,
 * whole groups drawn with replacement (within each stratum when strata are given).
 */
export function makeResampler(
  n: number,
  rng: Rng,
  groups?: readonly (string | number)[],
  strata?: readonly (string | number)[],
): (w: Float64Array) => void {
  if (!groups)
    return (w) => {
      w.fill(0);
      for (let i = 0; i < n; i++) w[rng.int(n)]++;
    };
  if (groups.length !== n) throw new Error(`groups has ${groups.length} keys for ${n} runs: give one group key per run`);
  if (strata && strata.length !== n) throw new Error(`strata has ${strata.length} keys for ${n} runs: give one stratum key per run`);
  // stratum → list of groups, each a list of run indices
  const byStratum = new Map<string, Map<string, number[]>>();
  for (let i = 0; i < n; i++) {
    const s = strata ? String(strata[i]) : '';
    let gm = byStratum.get(s);
    if (!gm) byStratum.set(s, (gm = new Map()));
    const g = String(groups[i]);
    let arr = gm.get(g);
    if (!arr) gm.set(g, (arr = []));
    arr.push(i);
  }
  const lists = [...byStratum.values()].map((gm) => [...gm.values()]);
  return (w) => {
    w.fill(0);
    for (const gl of lists)
      for (let k = 0; k < gl.length; k++) for (const i of gl[rng.int(gl.length)]) w[i]++;
  };
}

/** Percentile intervals of N_opt, D_opt, L_opt at each budget over parameter samples. */
export function optimalIntervals(laws: readonly LawParams[], kappa: number, budgets: readonly number[], level: number): BudgetIntervals[] {
  return budgets.map((c) => {
    const pts = laws.map((p) => computeOptimal(p, c, kappa));
    return {
      c,
      n: percentileInterval(pts.map((q) => q.n), level),
      d: percentileInterval(pts.map((q) => q.d), level),
      loss: percentileInterval(pts.map((q) => q.loss), level),
    };
  });
}
