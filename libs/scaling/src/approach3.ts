/**
 * Chinchilla approach 3 as replicated by Epoch (Besiroglu et al. 2024): fit
 *   L(N, D) = E + A/N^α + B/D^β,   log L̂ = LSE(a − α log N, b − β log D, e),   A = eᵃ, B = eᵇ, E = eᵉ,
 * minimising Σᵢ wᵢ · Huber_δ(log L̂ᵢ − log Lᵢ) (δ = 1e-3) with L-BFGS from every start of a grid and keeping
 * the best converged fit.
 */
import { LbfgsWorkspace, type LbfgsOptions } from './lbfgs.js';
import { validateRuns, type Run } from './runs.js';

/** Parameter vector order used throughout: [a, b, e, alpha, beta] (Epoch's order). */
export const PARAM_NAMES = ['a', 'b', 'e', 'alpha', 'beta'] as const;

export interface LawParams {
  E: number;
  A: number;
  B: number;
  alpha: number;
  beta: number;
}

export interface StartGrid {
  a: readonly number[];
  b: readonly number[];
  e: readonly number[];
  alpha: readonly number[];
  beta: readonly number[];
}

const range = (lo: number, hi: number, step: number): number[] => {
  const out: number[] = [];
  for (let k = 0; lo + k * step <= hi + 1e-12; k++) out.push(lo + k * step);
  return out;
};

/** Hoffmann et al.'s grid: α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}: 4500 starts. */
export const HOFFMANN_GRID: StartGrid = Object.freeze({
  a: range(0, 25, 5),
  b: range(0, 25, 5),
  e: range(-1, 1, 0.5),
  alpha: range(0, 2, 0.5),
  beta: range(0, 2, 0.5),
});

export interface Approach3Options {
  /** Huber threshold on log-residuals. Default 1e-3. */
  delta?: number;
  /** Start grid. Default HOFFMANN_GRID. */
  grid?: StartGrid;
  /** L-BFGS settings (defaults mirror scipy L-BFGS-B). */
  lbfgs?: LbfgsOptions;
}

export interface Approach3Fit extends LawParams {
  /** Log-parameters: A = eᵃ, B = eᵇ, E = eᵉ. */
  a: number;
  b: number;
  e: number;
  /** Σ Huber_δ(log-residual) at the optimum. */
  objective: number;
  nRuns: number;
  /** Starts whose L-BFGS run converged (gtol or ftol), of totalStarts. */
  convergedStarts: number;
  totalStarts: number;
  /** False when the data cannot determine the law (see reasons); numbers are then not to be trusted. */
  identifiable: boolean;
  reasons: string[];
}

/**
 * The Huber objective over log-residuals, with its analytic gradient, on typed arrays.
 * Optional per-run weights (integer counts for a bootstrap resample) multiply each run's term.
 */
export class HuberLogObjective {
  readonly lnN: Float64Array;
  readonly lnD: Float64Array;
  readonly lnL: Float64Array;
  readonly w: Float64Array;
  readonly delta: number;
  readonly size: number;
  /** Bound method usable as an ObjectiveFn. */
  readonly fg: (x: Float64Array, g: Float64Array) => number;

  constructor(runs: readonly Run[], delta = 1e-3) {
    const n = runs.length;
    this.size = n;
    this.lnN = new Float64Array(n);
    this.lnD = new Float64Array(n);
    this.lnL = new Float64Array(n);
    this.w = new Float64Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      this.lnN[i] = Math.log(runs[i].n);
      this.lnD[i] = Math.log(runs[i].d);
      this.lnL[i] = Math.log(runs[i].loss);
    }
    if (!(delta > 0)) throw new Error(`delta is ${delta}: the Huber threshold must be a positive number (default 1e-3)`);
    this.delta = delta;
    this.fg = (x, g) => this.evaluate(x, g);
  }

  evaluate(x: Float64Array, g: Float64Array): number {
    const a = x[0];
    const b = x[1];
    const e = x[2];
    const al = x[3];
    const be = x[4];
    const { lnN, lnD, lnL, w, delta, size } = this;
    const halfDelta = 0.5 * delta;
    let f = 0;
    let ga = 0;
    let gb = 0;
    let ge = 0;
    let gal = 0;
    let gbe = 0;
    for (let i = 0; i < size; i++) {
      const wi = w[i];
      if (wi === 0) continue;
      const ln = lnN[i];
      const ld = lnD[i];
      const t1 = a - al * ln;
      const t2 = b - be * ld;
      // Log-sum-exp, shifted by the largest term; that term's exponential is 1 (saves one exp per run).
      let m: number;
      let w1: number;
      let w2: number;
      let w3: number;
      if (t1 >= t2 && t1 >= e) {
        m = t1;
        w1 = 1;
        w2 = Math.exp(t2 - m);
        w3 = Math.exp(e - m);
      } else if (t2 >= e) {
        m = t2;
        w1 = Math.exp(t1 - m);
        w2 = 1;
        w3 = Math.exp(e - m);
      } else {
        m = e;
        w1 = Math.exp(t1 - m);
        w2 = Math.exp(t2 - m);
        w3 = 1;
      }
      const s = w1 + w2 + w3;
      const r = m + Math.log(s) - lnL[i];
      let psi: number;
      if (r > delta) {
        f += wi * delta * (r - halfDelta);
        psi = wi * delta;
      } else if (r < -delta) {
        f += wi * delta * (-r - halfDelta);
        psi = -wi * delta;
      } else {
        f += wi * 0.5 * r * r;
        psi = wi * r;
      }
      const q = psi / s;
      const q1 = q * w1;
      const q2 = q * w2;
      ga += q1;
      gb += q2;
      ge += q * w3;
      gal -= q1 * ln;
      gbe -= q2 * ld;
    }
    g[0] = ga;
    g[1] = gb;
    g[2] = ge;
    g[3] = gal;
    g[4] = gbe;
    return f;
  }
}

/** Converts a parameter vector [a, b, e, alpha, beta] to the law's parameters. */
export function toLaw(x: ArrayLike<number>): LawParams & { a: number; b: number; e: number } {
  return { a: x[0], b: x[1], e: x[2], alpha: x[3], beta: x[4], A: Math.exp(x[0]), B: Math.exp(x[1]), E: Math.exp(x[2]) };
}

/** Predicted loss L(N, D) of a law. */
export function predictLoss(p: LawParams, n: number, d: number): number {
  return p.E + p.A / Math.pow(n, p.alpha) + p.B / Math.pow(d, p.beta);
}

export interface GridSearchResult {
  x: Float64Array;
  objective: number;
  convergedStarts: number;
  totalStarts: number;
}

/** All starts of a grid, flattened in the order the grid search visits them (a, b, e, alpha, beta; beta fastest). */
export function gridStarts(grid: StartGrid): Float64Array {
  const total = grid.a.length * grid.b.length * grid.e.length * grid.alpha.length * grid.beta.length;
  const out = new Float64Array(total * 5);
  let k = 0;
  for (const a0 of grid.a)
    for (const b0 of grid.b)
      for (const e0 of grid.e)
        for (const al0 of grid.alpha)
          for (const be0 of grid.beta) {
            out[k++] = a0;
            out[k++] = b0;
            out[k++] = e0;
            out[k++] = al0;
            out[k++] = be0;
          }
  return out;
}

export interface GridSearchResult {
  x: Float64Array;
  objective: number;
  convergedStarts: number;
  totalStarts: number;
  /** Index (in visiting order) of the start that gave the best optimum; -1 when none converged. */
  bestStart: number;
}

/**
 * Runs L-BFGS from starts[k·5 … k·5+4] for every k with k % stride === offset; returns the best converged
 * optimum (x is NaN when none converged). Ties keep the earliest start.
 */
export function searchStarts(
  obj: HuberLogObjective,
  starts: Float64Array,
  lbfgsOpts: LbfgsOptions = {},
  ws = new LbfgsWorkspace(5, lbfgsOpts.m ?? 10),
  offset = 0,
  stride = 1,
): GridSearchResult {
  const x = new Float64Array(5);
  const best = new Float64Array(5).fill(NaN);
  let bestF = Infinity;
  let bestStart = -1;
  let conv = 0;
  let total = 0;
  const count = starts.length / 5;
  for (let k = offset; k < count; k += stride) {
    for (let i = 0; i < 5; i++) x[i] = starts[k * 5 + i];
    total++;
    const r = ws.minimize(obj.fg, x, lbfgsOpts);
    if (!r.converged) continue;
    conv++;
    if (r.f < bestF) {
      bestF = r.f;
      best.set(x);
      bestStart = k;
    }
  }
  return { x: best, objective: bestF, convergedStarts: conv, totalStarts: total, bestStart };
}

/** Runs L-BFGS from every start of the grid; returns the best converged optimum (x is NaN when none converged). */
export function gridSearch(obj: HuberLogObjective, grid: StartGrid, lbfgsOpts: LbfgsOptions = {}, ws = new LbfgsWorkspace(5, lbfgsOpts.m ?? 10)): GridSearchResult {
  return searchStarts(obj, gridStarts(grid), lbfgsOpts, ws);
}

/** Reasons the runs cannot determine all five parameters (empty when they can). Throws on too few runs. */
export function identifiabilityProblems(runs: readonly Run[]): string[] {
  if (runs.length < 5)
    throw new Error(`only ${runs.length} run(s): fitting E, A, B, α, β needs at least 5 runs (add runs at more model and data sizes)`);
  const reasons: string[] = [];
  const distinct = (k: 'n' | 'd') => new Set(runs.map((r) => r[k])).size;
  const nN = distinct('n');
  const nD = distinct('d');
  if (nN < 3) reasons.push(`only ${nN} distinct model size(s) n: α and A cannot be separated from E (need ≥ 3)`);
  if (nD < 3) reasons.push(`only ${nD} distinct data size(s) d: β and B cannot be separated from E (need ≥ 3)`);
  if (nN >= 3 && nD >= 3) {
    const lx = runs.map((r) => Math.log(r.n));
    const ly = runs.map((r) => Math.log(r.d));
    const rho = correlation(lx, ly);
    if (Math.abs(rho) > 0.999)
      reasons.push(`log n and log d are collinear (correlation ${rho.toFixed(4)}): the N and D terms cannot be told apart`);
  }
  return reasons;
}

function correlation(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/**
 * Reasons a fitted optimum should not be trusted: no converged start, an exponent at the edge of meaning, or a
 * term that is negligible (< 1e-4 of the loss) on every run, so that its coefficient and exponent are free.
 */
export function optimumProblems(x: ArrayLike<number>, convergedStarts: number, runs: readonly Run[] = []): string[] {
  if (convergedStarts === 0 || !Number.isFinite(x[0])) return ['no L-BFGS start converged'];
  const out: string[] = [];
  if (runs.length) {
    const p = toLaw(x);
    const share = (term: (r: Run) => number) => Math.max(...runs.map((r) => term(r) / predictLoss(p, r.n, r.d)));
    if (share((r) => p.A / Math.pow(r.n, p.alpha)) < 1e-4) out.push('the model-size term A/N^α is negligible on every run: A and α are not determined');
    if (share((r) => p.B / Math.pow(r.d, p.beta)) < 1e-4) out.push('the data-size term B/D^β is negligible on every run: B and β are not determined');
  }
  if (!(x[3] > 1e-3)) out.push(`α = ${x[3].toPrecision(3)} ≤ 0.001: the model-size term is a constant, A and α are not determined`);
  if (!(x[4] > 1e-3)) out.push(`β = ${x[4].toPrecision(3)} ≤ 0.001: the data-size term is a constant, B and β are not determined`);
  if (x[3] > 10 || x[4] > 10) out.push('an exponent above 10: the fit is degenerate');
  return out;
}

/**
 * Fits the law to runs (one family) with the full multi-start grid.
 * Throws on invalid runs or fewer than 5 runs; flags `identifiable: false` (with reasons) when the runs
 * cannot determine the parameters.
 */
export function fitApproach3(runs: readonly Run[], opts: Approach3Options = {}): Approach3Fit {
  validateRuns(runs);
  const reasons = identifiabilityProblems(runs);
  const obj = new HuberLogObjective(runs, opts.delta ?? 1e-3);
  return finishFit(runs, gridSearch(obj, opts.grid ?? HOFFMANN_GRID, opts.lbfgs), reasons);
}

/** Builds the fit result from a grid search (internal; shared with the parallel fit). */
export function finishFit(runs: readonly Run[], res: GridSearchResult, reasons: string[]): Approach3Fit {
  reasons = [...reasons, ...optimumProblems(res.x, res.convergedStarts, runs)];
  return {
    ...toLaw(res.x),
    objective: res.objective,
    nRuns: runs.length,
    convergedStarts: res.convergedStarts,
    totalStarts: res.totalStarts,
    identifiable: reasons.length === 0,
    reasons,
  };
}
