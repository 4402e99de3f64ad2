/**
 * Direct power law in compute fitted to the lower envelope of runs (Figure 1 of Brehmer et al.):
 *   L(C) = L∞ + (C₀/C)^γ,  fitted in log space as log L̂ = LSE(l, u − γ log C), L∞ = eˡ, C₀ = e^(u/γ),
 * by least squares on log-residuals with L-BFGS from a small grid of starts.
 */
import { LbfgsWorkspace } from './lbfgs.js';

export interface ComputeLossPoint {
  c: number;
  loss: number;
}

export interface EnvelopeFit {
  lInf: number;
  c0: number;
  gamma: number;
  /** Σ (log L − log L̂)² over envelope points. */
  sse: number;
  /** The lower-envelope points the law was fitted to, in increasing compute. */
  envelope: ComputeLossPoint[];
  identifiable: boolean;
  reasons: string[];
}

/** Points that beat every point of smaller compute (Pareto front of compute vs loss), by increasing compute. */
export function lowerEnvelope(points: readonly ComputeLossPoint[]): ComputeLossPoint[] {
  const sorted = [...points].sort((p, q) => p.c - q.c || p.loss - q.loss);
  const out: ComputeLossPoint[] = [];
  let best = Infinity;
  for (const p of sorted) {
    if (p.loss < best) {
      out.push({ c: p.c, loss: p.loss });
      best = p.loss;
    }
  }
  return out;
}

/** Loss of the envelope law at compute c. */
export function envelopeLoss(f: Pick<EnvelopeFit, 'lInf' | 'c0' | 'gamma'>, c: number): number {
  return f.lInf + Math.pow(f.c0 / c, f.gamma);
}

/** Fits L(C) = L∞ + (C₀/C)^γ to the lower envelope of the points. Throws with fewer than 3 envelope points. */
export function fitEnvelopePowerLaw(points: readonly ComputeLossPoint[]): EnvelopeFit {
  points.forEach((p, i) => {
    if (!(p.c > 0 && Number.isFinite(p.c))) throw new Error(`points[${i}].c is ${p.c}: compute must be a positive number of FLOPs`);
    if (!(p.loss > 0 && Number.isFinite(p.loss))) throw new Error(`points[${i}].loss is ${p.loss}: loss must be a positive number`);
  });
  const env = lowerEnvelope(points);
  if (env.length < 3)
    throw new Error(`the lower envelope has ${env.length} point(s): fitting L∞, C₀, γ needs at least 3 runs that each beat all cheaper runs (add runs at more compute budgets)`);
  const m = env.length;
  const lnC = Float64Array.from(env, (p) => Math.log(p.c));
  const lnL = Float64Array.from(env, (p) => Math.log(p.loss));
  const fg = (x: Float64Array, g: Float64Array): number => {
    const [l, u, gam] = x;
    let f = 0;
    let g0 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < m; i++) {
      const t = u - gam * lnC[i];
      const mx = l > t ? l : t;
      const w1 = Math.exp(l - mx);
      const w2 = Math.exp(t - mx);
      const s = w1 + w2;
      const r = mx + Math.log(s) - lnL[i];
      f += r * r;
      const q = (2 * r) / s;
      g0 += q * w1;
      g1 += q * w2;
      g2 -= q * w2 * lnC[i];
    }
    g[0] = g0;
    g[1] = g1;
    g[2] = g2;
    return f;
  };
  const ws = new LbfgsWorkspace(3);
  const x = new Float64Array(3);
  const best = new Float64Array(3).fill(NaN);
  let bestF = Infinity;
  const minL = env[m - 1].loss;
  const mid = env[m >> 1];
  for (const frac of [0.05, 0.5, 0.9, 0.99]) {
    for (const gam of [0.02, 0.05, 0.1, 0.2, 0.5, 1]) {
      const l0 = Math.log(frac * minL);
      const excess = Math.max(mid.loss - frac * minL, 1e-3 * mid.loss);
      x[0] = l0;
      x[1] = Math.log(excess) + gam * Math.log(mid.c);
      x[2] = gam;
      const r = ws.minimize(fg, x, { ftol: 1e-14, gtol: 1e-9 });
      const ok = r.converged || (r.status === 'abnormal' && r.gradNorm <= 1e-5);
      if (ok && r.f < bestF) {
        bestF = r.f;
        best.set(x);
      }
    }
  }
  const reasons: string[] = [];
  if (!Number.isFinite(bestF)) reasons.push('no optimiser start converged');
  if (m < 4) reasons.push(`only ${m} envelope points for 3 parameters: the fit interpolates, with no check on the form`);
  if (!(best[2] > 1e-4)) reasons.push(`γ = ${best[2]}: no decrease of loss with compute`);
  const gamma = best[2];
  return {
    lInf: Math.exp(best[0]),
    c0: Math.exp(best[1] / gamma),
    gamma,
    sse: bestF,
    envelope: env,
    identifiable: reasons.length === 0,
    reasons,
  };
}
