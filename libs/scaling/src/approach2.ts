/**
 * Chinchilla approach 2 (IsoFLOP profiles): for each compute budget fit a parabola of loss against log N,
 * take its minimum N_opt (and D_opt = C/(κ·N_opt)), then fit N_opt ∝ C^a and D_opt ∝ C^b across budgets.
 * Known bias: a minimum away from the centre of a budget's N grid (off-centre sweep) shifts the estimates;
 * each profile reports how far off-centre its minimum lies, and minima outside the sampled range are flagged.
 */
import { estimateKappa, runCompute } from './frontier.js';
import { validateRuns, type Run } from './runs.js';

export interface Approach2Options {
  /** Runs whose compute differs by less than this relative amount share a budget. Default 0.1. */
  budgetTolerance?: number;
  /** FLOPs per parameter per sample; default: estimated from the runs' c, else required. */
  kappa?: number;
}

export interface IsoFlopProfile {
  /** Budget: geometric mean compute of its runs. */
  c: number;
  runs: number;
  /** loss ≈ p0 + p1·x + p2·x², x = ln N. */
  coefficients: [number, number, number];
  nOpt: number;
  dOpt: number;
  lossOpt: number;
  /** (x* − centre)/(half-width) of the sampled ln N range: 0 = centred, ±1 = at an edge. */
  offCentre: number;
  /** False when the parabola opens downwards or its minimum lies outside the sampled N. */
  usable: boolean;
  reason?: string;
}

export interface Approach2Fit {
  profiles: IsoFlopProfile[];
  kappa: number;
  /** N_opt = kN·C^a; D_opt = kD·C^b (NaN when fewer than 2 usable profiles). */
  a: number;
  kN: number;
  b: number;
  kD: number;
  identifiable: boolean;
  reasons: string[];
}

/** Groups runs into compute budgets (sorted ascending) by relative tolerance on C. */
export function groupBudgets(runs: readonly Run[], kappa: number | undefined, tol: number): Run[][] {
  const withC = runs.map((r) => ({ r, c: runCompute(r, kappa) })).sort((p, q) => p.c - q.c);
  const groups: { runs: Run[]; c0: number }[] = [];
  for (const { r, c } of withC) {
    const g = groups[groups.length - 1];
    if (g && c <= g.c0 * (1 + tol)) g.runs.push(r);
    else groups.push({ runs: [r], c0: c });
  }
  return groups.map((g) => g.runs);
}

export function fitApproach2(runs: readonly Run[], opts: Approach2Options = {}): Approach2Fit {
  validateRuns(runs);
  const kappa = opts.kappa ?? estimateKappa(runs);
  const tol = opts.budgetTolerance ?? 0.1;
  const profiles: IsoFlopProfile[] = [];
  for (const g of groupBudgets(runs, kappa, tol)) {
    if (new Set(g.map((r) => r.n)).size < 3) continue;
    const c = Math.exp(g.reduce((s, r) => s + Math.log(runCompute(r, kappa)), 0) / g.length);
    const xs = g.map((r) => Math.log(r.n));
    const ys = g.map((r) => r.loss);
    const xmin = Math.min(...xs);
    const xmax = Math.max(...xs);
    const mid = 0.5 * (xmin + xmax);
    const half = 0.5 * (xmax - xmin);
    // Fit in the centred variable z = (x − mid)/half for conditioning.
    const [q0, q1, q2] = polyfit2(xs.map((x) => (x - mid) / half), ys);
    const p2 = q2 / (half * half);
    const p1 = q1 / half - 2 * p2 * mid;
    const p0 = q0 - (q1 * mid) / half + p2 * mid * mid;
    let usable = true;
    let reason: string | undefined;
    let zStar = NaN;
    if (!(q2 > 0)) {
      usable = false;
      reason = 'the parabola opens downwards: no minimum in this budget';
    } else {
      zStar = -q1 / (2 * q2);
      if (Math.abs(zStar) > 1) {
        usable = false;
        reason = `minimum lies outside the sampled model sizes (off-centre ${zStar.toFixed(2)}): extend the sweep`;
      }
    }
    const xStar = mid + zStar * half;
    const nOpt = Math.exp(xStar);
    profiles.push({
      c,
      runs: g.length,
      coefficients: [p0, p1, p2],
      nOpt,
      dOpt: c / (kappa * nOpt),
      lossOpt: q0 + q1 * zStar + q2 * zStar * zStar,
      offCentre: zStar,
      usable,
      ...(reason ? { reason } : {}),
    });
  }
  const ok = profiles.filter((p) => p.usable);
  const reasons: string[] = [];
  let a = NaN;
  let kN = NaN;
  let b = NaN;
  let kD = NaN;
  if (ok.length < 2) reasons.push(`${ok.length} usable IsoFLOP profile(s): the allocation exponent needs at least 2 budgets with ≥ 3 model sizes each and a minimum inside the sweep`);
  else {
    const lc = ok.map((p) => Math.log(p.c));
    [kN, a] = linfit(lc, ok.map((p) => Math.log(p.nOpt)));
    [kD, b] = linfit(lc, ok.map((p) => Math.log(p.dOpt)));
    kN = Math.exp(kN);
    kD = Math.exp(kD);
    if (ok.length === 2) reasons.push('only 2 usable budgets: the exponent is a two-point slope with no check on the power law');
  }
  return { profiles, kappa, a, kN, b, kD, identifiable: reasons.length === 0, reasons };
}

export function linfit(x: readonly number[], y: readonly number[]): [number, number] {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  return [my - slope * mx, slope];
}

/** Least-squares quadratic y ≈ c0 + c1 x + c2 x². */
export function polyfit2(x: number[], y: number[]): [number, number, number] {
  const S = [0, 0, 0, 0, 0];
  const T = [0, 0, 0];
  for (let i = 0; i < x.length; i++) {
    let p = 1;
    for (let k = 0; k < 5; k++) {
      S[k] += p;
      if (k < 3) T[k] += p * y[i];
      p *= x[i];
    }
  }
  const M = [
    [S[0], S[1], S[2], T[0]],
    [S[1], S[2], S[3], T[1]],
    [S[2], S[3], S[4], T[2]],
  ];
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let i = c + 1; i < 3; i++) if (Math.abs(M[i][c]) > Math.abs(M[p][c])) p = i;
    [M[c], M[p]] = [M[p], M[c]];
    for (let i = 0; i < 3; i++) {
      if (i === c) continue;
      const f = M[i][c] / M[c][c];
      for (let j = c; j < 4; j++) M[i][j] -= f * M[c][j];
    }
  }
  return [M[0][3] / M[0][0], M[1][3] / M[1][1], M[2][3] / M[2][2]];
}
