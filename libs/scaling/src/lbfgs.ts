/**
 * Unconstrained L-BFGS with a strong-Wolfe line search, written for many small problems (a handful of
 * parameters, thousands of starts): all buffers live in a reusable workspace, nothing is allocated per
 * iteration.
 *
 * Stopping rules follow scipy's `minimize(method='L-BFGS-B')` defaults (Byrd, Lu, Nocedal & Zhu 1995;
 * Zhu et al. 1997 Fortran code) so that fits reproduce numbers obtained with it:
 * - memory m = 10 correction pairs;
 * - converged when the gradient's infinity norm is ≤ gtol (scipy `gtol`/`pgtol`, 1e-5);
 * - converged when (f_k − f_{k+1}) ≤ ftol · max(|f_k|, |f_{k+1}|, 1) (scipy `ftol` = factr·eps = 2.22e-9);
 * - at most maxIter = 15000 iterations and maxFun = 15000 evaluations, maxLs = 20 evaluations per line search;
 * - line search with sufficient decrease c1 = 1e-3 and curvature c2 = 0.9 (scipy's dcsrch constants),
 *   first trial step 1/‖d‖₂ on the first iteration and 1 afterwards;
 * - a failed line search drops the memory and retries along −g once; a second failure is "abnormal"
 *   termination (scipy success = False).
 */

/** Objective: writes the gradient at x into g and returns f(x). Must not keep references to x or g. */
export type ObjectiveFn = (x: Float64Array, g: Float64Array) => number;

export interface LbfgsOptions {
  /** Number of correction pairs kept (scipy maxcor). Default 10. */
  m?: number;
  /** Gradient infinity-norm tolerance (scipy gtol). Default 1e-5. */
  gtol?: number;
  /** Relative reduction tolerance (scipy ftol). Default 2.220446049250313e-9. */
  ftol?: number;
  /** Default 15000. */
  maxIter?: number;
  /** Default 15000. */
  maxFun?: number;
  /** Evaluations per line search. Default 20. */
  maxLs?: number;
}

export type LbfgsStatus = 'gtol' | 'ftol' | 'maxiter' | 'maxfun' | 'abnormal' | 'nonfinite';

export interface LbfgsResult {
  /** Final objective value; the minimiser is left in the `x` array passed to `minimize`. */
  f: number;
  converged: boolean;
  status: LbfgsStatus;
  iterations: number;
  evaluations: number;
  /** Infinity norm of the gradient at the returned point. */
  gradNorm: number;
}

const C1 = 1e-3;
const C2 = 0.9;
const EPS = 2.220446049250313e-16;

/** Reusable L-BFGS state for problems of dimension n. Not safe to share between concurrent calls. */
export class LbfgsWorkspace {
  readonly n: number;
  readonly m: number;
  private readonly s: Float64Array;
  private readonly y: Float64Array;
  private readonly rho: Float64Array;
  private readonly al: Float64Array;
  private readonly g: Float64Array;
  private readonly d: Float64Array;
  private readonly x0: Float64Array;
  private readonly g0: Float64Array;
  private readonly xt: Float64Array;
  private readonly gt: Float64Array;
  private head = 0;
  private count = 0;
  private nfev = 0;

  constructor(n: number, m = 10) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`LbfgsWorkspace: n must be a positive integer, got ${n}`);
    this.n = n;
    this.m = m;
    this.s = new Float64Array(n * m);
    this.y = new Float64Array(n * m);
    this.rho = new Float64Array(m);
    this.al = new Float64Array(m);
    this.g = new Float64Array(n);
    this.d = new Float64Array(n);
    this.x0 = new Float64Array(n);
    this.g0 = new Float64Array(n);
    this.xt = new Float64Array(n);
    this.gt = new Float64Array(n);
  }

  /** Minimises fn starting from x (overwritten with the result). */
  minimize(fn: ObjectiveFn, x: Float64Array, opts: LbfgsOptions = {}): LbfgsResult {
    const n = this.n;
    if (x.length !== n) throw new Error(`LbfgsWorkspace.minimize: x has length ${x.length}, workspace expects ${n}`);
    const m = Math.min(opts.m ?? 10, this.m);
    const gtol = opts.gtol ?? 1e-5;
    const ftol = opts.ftol ?? 2.220446049250313e-9;
    const maxIter = opts.maxIter ?? 15000;
    const maxFun = opts.maxFun ?? 15000;
    const maxLs = opts.maxLs ?? 20;
    const { s, y, rho, al, g, d, x0, g0 } = this;
    this.head = 0;
    this.count = 0;
    this.nfev = 1;
    let f = fn(x, g);
    let iter = 0;
    const done = (status: LbfgsStatus): LbfgsResult => ({
      f,
      converged: status === 'gtol' || status === 'ftol',
      status,
      iterations: iter,
      evaluations: this.nfev,
      gradNorm: infNorm(g, n),
    });
    if (!Number.isFinite(f)) return done('nonfinite');
    if (infNorm(g, n) <= gtol) return done('gtol');

    for (;;) {
      // Two-loop recursion: d = −H g.
      for (let i = 0; i < n; i++) d[i] = -g[i];
      const cnt = this.count;
      if (cnt > 0) {
        let k = this.head;
        for (let j = 0; j < cnt; j++) {
          k = k === 0 ? m - 1 : k - 1;
          const o = k * n;
          let dot = 0;
          for (let i = 0; i < n; i++) dot += s[o + i] * d[i];
          const a = rho[k] * dot;
          al[k] = a;
          for (let i = 0; i < n; i++) d[i] -= a * y[o + i];
        }
        const last = (this.head === 0 ? m : this.head) - 1;
        const lo = last * n;
        let yy = 0;
        for (let i = 0; i < n; i++) yy += y[lo + i] * y[lo + i];
        const gamma = 1 / (rho[last] * yy);
        for (let i = 0; i < n; i++) d[i] *= gamma;
        for (let j = 0; j < cnt; j++) {
          const o = k * n;
          let dot = 0;
          for (let i = 0; i < n; i++) dot += y[o + i] * d[i];
          const b = rho[k] * dot;
          const a = al[k] - b;
          for (let i = 0; i < n; i++) d[i] += a * s[o + i];
          k = k === m - 1 ? 0 : k + 1;
        }
      }
      let gd = dotp(g, d, n);
      if (!(gd < 0)) {
        // Not a descent direction (can happen with noisy curvature): restart from steepest descent.
        this.count = 0;
        this.head = 0;
        for (let i = 0; i < n; i++) d[i] = -g[i];
        gd = dotp(g, d, n);
      }
      x0.set(x);
      g0.set(g);
      const fold = f;
      const stp0 = iter === 0 ? Math.min(1 / Math.sqrt(dotp(d, d, n)), 1e10) : 1;
      let fnew = this.lineSearch(fn, x, f, gd, stp0, maxLs, maxFun);
      if (Number.isNaN(fnew)) {
        // Line search failed: restore, drop memory, retry along steepest descent once.
        x.set(x0);
        g.set(g0);
        if (this.count === 0) {
          f = fold;
          return done(this.nfev >= maxFun ? 'maxfun' : 'abnormal');
        }
        this.count = 0;
        this.head = 0;
        for (let i = 0; i < n; i++) d[i] = -g[i];
        gd = dotp(g, d, n);
        fnew = this.lineSearch(fn, x, f, gd, Math.min(1 / Math.sqrt(dotp(d, d, n)), 1e10), maxLs, maxFun);
        if (Number.isNaN(fnew)) {
          x.set(x0);
          g.set(g0);
          f = fold;
          return done(this.nfev >= maxFun ? 'maxfun' : 'abnormal');
        }
      }
      f = fnew;
      iter++;
      if (infNorm(g, n) <= gtol) return done('gtol');
      if (fold - f <= ftol * Math.max(Math.abs(fold), Math.abs(f), 1)) return done('ftol');
      // Store the correction pair if the curvature condition holds.
      const o = this.head * n;
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < n; i++) {
        const si = x[i] - x0[i];
        const yi = g[i] - g0[i];
        s[o + i] = si;
        y[o + i] = yi;
        sy += si * yi;
        yy += yi * yi;
      }
      if (sy > EPS * yy) {
        rho[this.head] = 1 / sy;
        this.head = this.head === m - 1 ? 0 : this.head + 1;
        if (this.count < m) this.count++;
      }
      if (iter >= maxIter) return done('maxiter');
      if (this.nfev >= maxFun) return done('maxfun');
    }
  }

  /**
   * Strong-Wolfe line search along this.d from (x, f0, g) (Nocedal & Wright, algorithms 3.5/3.6, with
   * safeguarded cubic interpolation). On success x and g hold the accepted point and its f is returned;
   * on failure returns NaN (x, g are then garbage and the caller restores them).
   */
  private lineSearch(fn: ObjectiveFn, x: Float64Array, f0: number, dg0: number, stp: number, maxLs: number, maxFun: number): number {
    const n = this.n;
    const { d, gt } = this;
    let lsEval = 0;
    let tPrev = 0;
    let fPrev = f0;
    let dPrev = dg0;
    let t = stp;
    for (;;) {
      const ft = this.phi(fn, t);
      lsEval++;
      const dt = dotp(gt, d, n);
      if (!Number.isFinite(ft)) {
        // Step too long (overflow): shrink towards the last good point.
        if (lsEval >= maxLs || this.nfev >= maxFun) return NaN;
        t = tPrev + 0.1 * (t - tPrev);
        continue;
      }
      if (ft > f0 + C1 * t * dg0 || (lsEval > 1 && ft >= fPrev)) {
        return this.zoom(fn, x, f0, dg0, tPrev, fPrev, dPrev, t, ft, dt, lsEval, maxLs, maxFun);
      }
      if (Math.abs(dt) <= -C2 * dg0) return this.accept(x, ft);
      if (dt >= 0) return this.zoom(fn, x, f0, dg0, t, ft, dt, tPrev, fPrev, dPrev, lsEval, maxLs, maxFun);
      // Out of evaluations without meeting the curvature condition: a failed search (as in scipy).
      if (lsEval >= maxLs || this.nfev >= maxFun) return NaN;
      const tNext = cubicMin(tPrev, fPrev, dPrev, t, ft, dt, t * 1.1, t * 4);
      tPrev = t;
      fPrev = ft;
      dPrev = dt;
      t = tNext;
    }
  }

  /** Evaluates f at x0 + t·d into (xt, gt). */
  private phi(fn: ObjectiveFn, t: number): number {
    const { n, x0, d, xt, gt } = this;
    for (let i = 0; i < n; i++) xt[i] = x0[i] + t * d[i];
    this.nfev++;
    return fn(xt, gt);
  }

  private accept(x: Float64Array, fv: number): number {
    x.set(this.xt);
    this.g.set(this.gt);
    return fv;
  }

  private zoom(
    fn: ObjectiveFn,
    x: Float64Array,
    f0: number,
    dg0: number,
    tLo: number,
    fLo: number,
    dLo: number,
    tHi: number,
    fHi: number,
    dHi: number,
    lsEval: number,
    maxLs: number,
    maxFun: number,
  ): number {
    const n = this.n;
    const { d, gt } = this;
    let evals = lsEval;
    for (;;) {
      if (evals >= maxLs || this.nfev >= maxFun) return NaN;
      const lo = Math.min(tLo, tHi);
      const hi = Math.max(tLo, tHi);
      const w = hi - lo;
      if (w <= EPS * Math.max(1, hi)) return NaN;
      const t = cubicMin(tLo, fLo, dLo, tHi, fHi, dHi, lo + 0.1 * w, hi - 0.1 * w);
      const ft = this.phi(fn, t);
      evals++;
      const dt = dotp(gt, d, n);
      if (!Number.isFinite(ft) || ft > f0 + C1 * t * dg0 || ft >= fLo) {
        tHi = t;
        fHi = Number.isFinite(ft) ? ft : Infinity;
        dHi = Number.isFinite(dt) ? dt : 0;
        continue;
      }
      if (Math.abs(dt) <= -C2 * dg0) return this.accept(x, ft);
      if (dt * (tHi - tLo) >= 0) {
        tHi = tLo;
        fHi = fLo;
        dHi = dLo;
      }
      tLo = t;
      fLo = ft;
      dLo = dt;
    }
  }
}

/** Minimiser of the cubic interpolating (t1, f1, d1), (t2, f2, d2), clamped to [lo, hi]; bisection fallback. */
function cubicMin(t1: number, f1: number, d1: number, t2: number, f2: number, d2: number, lo: number, hi: number): number {
  let t: number;
  if (Number.isFinite(f2) && Number.isFinite(d2)) {
    const h = t2 - t1;
    const th = (3 * (f1 - f2)) / h + d1 + d2;
    const disc = th * th - d1 * d2;
    if (disc >= 0) {
      const gm = Math.sign(h) * Math.sqrt(disc);
      const denom = d2 - d1 + 2 * gm;
      t = denom !== 0 ? t2 - h * ((d2 + gm - th) / denom) : NaN;
    } else t = NaN;
  } else t = NaN;
  if (!Number.isFinite(t)) t = 0.5 * (lo + hi);
  if (lo > hi) {
    const tmp = lo;
    lo = hi;
    hi = tmp;
  }
  return t < lo ? lo : t > hi ? hi : t;
}

function dotp(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

function infNorm(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(a[i]);
    if (v > s) s = v;
  }
  return s;
}

/** Convenience wrapper: minimise fn from x0 (not modified) and return the minimiser with the result. */
export function lbfgs(fn: ObjectiveFn, x0: ArrayLike<number>, opts: LbfgsOptions = {}): LbfgsResult & { x: Float64Array } {
  const x = Float64Array.from(x0);
  const ws = new LbfgsWorkspace(x.length, opts.m ?? 10);
  const r = ws.minimize(fn, x, opts);
  return { ...r, x };
}
