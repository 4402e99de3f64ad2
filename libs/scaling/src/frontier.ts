/**
 * Compute-optimal allocation for C = κ·N·D under L(N, D) = E + A/N^α + B/D^β:
 *   N_opt(C) = G·(C/κ)^(β/(α+β)),  D_opt(C) = G⁻¹·(C/κ)^(α/(α+β)),  G = (αA/(βB))^(1/(α+β)),
 *   L_opt(C) = L(N_opt, D_opt); allocation exponents a = β/(α+β), b = α/(α+β).
 */
import type { LawParams } from './approach3.js';
import { predictLoss } from './approach3.js';
import type { Run } from './runs.js';

export interface Allocation {
  /** Exponent of N_opt ∝ C^a. */
  a: number;
  /** Exponent of D_opt ∝ C^b. */
  b: number;
  G: number;
}

export function allocationExponents(p: LawParams): Allocation {
  const s = p.alpha + p.beta;
  return { a: p.beta / s, b: p.alpha / s, G: Math.pow((p.alpha * p.A) / (p.beta * p.B), 1 / s) };
}

export interface OptimalPoint {
  c: number;
  n: number;
  d: number;
  loss: number;
}

/** N_opt, D_opt and L_opt at compute C for C = κ·N·D. */
export function computeOptimal(p: LawParams, c: number, kappa: number): OptimalPoint {
  if (!(kappa > 0) || !Number.isFinite(kappa)) throw new Error(`kappa is ${kappa}: FLOPs per parameter per sample must be a positive number (e.g. 6)`);
  if (!(c > 0) || !Number.isFinite(c)) throw new Error(`compute budget is ${c}: must be a positive number of FLOPs`);
  const { a, b, G } = allocationExponents(p);
  const r = c / kappa;
  const n = G * Math.pow(r, a);
  const d = Math.pow(r, b) / G;
  return { c, n, d, loss: predictLoss(p, n, d) };
}

export function computeFrontier(p: LawParams, kappa: number, budgets: readonly number[]): OptimalPoint[] {
  return budgets.map((c) => computeOptimal(p, c, kappa));
}

/** κ estimated as the median over runs of c/(n·d); throws when no run carries c. */
export function estimateKappa(runs: readonly Run[]): number {
  const ratios = runs.filter((r) => r.c !== undefined && r.c > 0).map((r) => r.c! / (r.n * r.d));
  if (ratios.length === 0)
    throw new Error('cannot estimate kappa: no run has c (FLOPs); pass kappa (FLOPs per parameter per sample) or give c per run');
  ratios.sort((x, y) => x - y);
  const m = ratios.length >> 1;
  return ratios.length % 2 ? ratios[m] : 0.5 * (ratios[m - 1] + ratios[m]);
}

/** Compute of a run: its c if given, else κ·n·d. */
export function runCompute(r: Run, kappa?: number): number {
  if (r.c !== undefined) return r.c;
  if (kappa === undefined) throw new Error('a run has no c (FLOPs) and no kappa was given: pass kappa or give c per run');
  return kappa * r.n * r.d;
}

/** Log-spaced budgets from lo to hi inclusive. */
export function logSpace(lo: number, hi: number, count: number): number[] {
  if (count < 2) return [lo];
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: count }, (_, i) => Math.exp(a + ((b - a) * i) / (count - 1)));
}
