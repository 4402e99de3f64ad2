/**
 * Data scaling at convergence: loss against training-set size D for runs trained to convergence (early stopping
 * on validation), one curve per family and augmentation setting, fitted as L = E + B·D^−β (log L̂ =
 * LSE(e, b − β ln D), Huber δ on log-residuals, L-BFGS from a small grid), with the seed-grouped bootstrap
 * (seeds resampled within each training-set size). Claim (1) of the seed study is then compared on these curves.
 */
import { makeResampler } from '../bootstrap.js';
import { LbfgsWorkspace } from '../lbfgs.js';
import { makeRng, percentileInterval, type Interval } from '../rng.js';
import { groupBy, makeStatus, median, seedGroups, SINGLE_SEED_REASON, validateStudyRuns, type Estimate, type FitStatus, type StudyRun } from './types.js';

export interface DataScalingOptions {
  delta?: number;
  resamples?: number;
  seed?: number;
  level?: number;
  /** Determined when the β interval is within this factor. Default 2. */
  exponentFactor?: number;
}

export interface DataScalingSize {
  trainSize: number;
  runs: number;
  /** Geometric mean test loss over seeds. */
  loss: number;
  /** Median and largest epoch count of the runs at this size (null when not recorded). */
  epochsMedian: number | null;
  epochsMax: number | null;
  /** Runs that stopped at their epoch cap instead of by early stopping. */
  notConverged: number;
}

export interface DataScalingFit {
  /** Group key: family, with "+aug" when augmented and the family name does not already say so. */
  key: string;
  family: string;
  augmented: boolean;
  nRuns: number;
  sizes: DataScalingSize[];
  E: Estimate;
  B: Estimate;
  beta: Estimate;
  /** Bootstrap samples (drop before writing a report). */
  samples: { E: number[]; B: number[]; beta: number[] };
  resamples: number;
  failed: number;
  status: FitStatus;
}

export interface DataCurveParams {
  E: number;
  B: number;
  beta: number;
}

export const dataLoss = (p: DataCurveParams, D: number): number => p.E + p.B * Math.pow(D, -p.beta);

/** The data-scaling group of a run: its family, plus "+aug" when augmented. */
export const dataGroupKey = (r: Pick<StudyRun, 'family' | 'augmented'>): string => (r.augmented && !/\+aug/.test(r.family) ? `${r.family}+aug` : r.family);

/**
 * One run per (training-set size, seed): when a cell has several (e.g. several model sizes), the one with the
 * lowest validation loss is kept; several without valLoss is an error (never select on test).
 */
export function selectByValidation(runs: readonly StudyRun[]): StudyRun[] {
  const out: StudyRun[] = [];
  for (const [cell, rs] of groupBy(runs, (r) => `${r.trainSize}|${String(r.seed)}`)) {
    if (rs.length === 1) out.push(rs[0]);
    else {
      if (rs.some((r) => r.valLoss === undefined))
        throw new Error(`data-scaling cell ${cell} (trainSize|seed) of ${dataGroupKey(rs[0])} has ${rs.length} runs and not all have valLoss: give valLoss to choose between them (never the test loss)`);
      out.push(rs.reduce((b, r) => (r.valLoss! < b.valLoss! ? r : b)));
    }
  }
  return out;
}

/** Fits one group's runs (same family and augmentation; each with trainSize). */
export function fitDataScaling(runs: readonly StudyRun[], opts: DataScalingOptions = {}): DataScalingFit {
  validateStudyRuns(runs);
  if (runs.length === 0) throw new Error('fitDataScaling: no runs');
  const key = dataGroupKey(runs[0]);
  if (runs.some((r) => dataGroupKey(r) !== key)) throw new Error('fitDataScaling: runs of several families or augmentation settings: fit each group on its own');
  runs.forEach((r, i) => {
    if (r.trainSize === undefined) throw new Error(`runs[${i}].trainSize is missing: data-scaling runs need their training-set size`);
  });
  const sel = selectByValidation(runs);
  const m = sel.length;
  const lnD = Float64Array.from(sel, (r) => Math.log(r.trainSize!));
  const lnL = Float64Array.from(sel, (r) => Math.log(r.loss));
  const w = new Float64Array(m).fill(1);
  const delta = opts.delta ?? 1e-3;
  const fg = (x: Float64Array, g: Float64Array): number => {
    const [e, b, be] = x;
    let f = 0;
    let g0 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < m; i++) {
      if (w[i] === 0) continue;
      const t = b - be * lnD[i];
      const mx = e > t ? e : t;
      const w1 = Math.exp(e - mx);
      const w2 = Math.exp(t - mx);
      const s = w1 + w2;
      const r = mx + Math.log(s) - lnL[i];
      let psi: number;
      if (r > delta) {
        f += w[i] * delta * (r - 0.5 * delta);
        psi = w[i] * delta;
      } else if (r < -delta) {
        f += w[i] * delta * (-r - 0.5 * delta);
        psi = -w[i] * delta;
      } else {
        f += w[i] * 0.5 * r * r;
        psi = w[i] * r;
      }
      const q = psi / s;
      g0 += q * w1;
      g1 += q * w2;
      g2 -= q * w2 * lnD[i];
    }
    g[0] = g0;
    g[1] = g1;
    g[2] = g2;
    return f;
  };
  const ws = new LbfgsWorkspace(3);
  const x = new Float64Array(3);
  const minL = Math.min(...sel.map((r) => r.loss));
  const meanLnD = lnD.reduce((s, v) => s + v, 0) / m;
  const tight = { ftol: 1e-15, gtol: 1e-10 };
  const ok = (r: { converged: boolean; status: string; gradNorm: number }) => r.converged || (r.status === 'abnormal' && r.gradNorm <= 1e-5);
  const best = new Float64Array(3).fill(NaN);
  let bestF = Infinity;
  for (const frac of [0.01, 0.3, 0.7, 0.95])
    for (const be of [0.1, 0.3, 0.6, 1, 1.5]) {
      x[0] = Math.log(frac * minL);
      x[1] = Math.log(Math.max(minL * (1 - frac), 1e-12)) + be * meanLnD;
      x[2] = be;
      const r = ws.minimize(fg, x, tight);
      if (ok(r) && r.f < bestF) {
        bestF = r.f;
        best.set(x);
      }
    }
  const toP = (v: ArrayLike<number>): DataCurveParams => ({ E: Math.exp(v[0]), B: Math.exp(v[1]), beta: v[2] });
  const point = toP(best);
  const level = opts.level ?? 0.95;
  const resamples = opts.resamples ?? 200;
  // seeds resampled within each training-set size; with one seed per size, runs one by one (seedGroups)
  const { groups, strata, singleSeed } = seedGroups(sel, 'n', (r) => r.trainSize!);
  const draw = makeResampler(m, makeRng(opts.seed ?? 1), groups, strata);
  const s = { E: [] as number[], B: [] as number[], beta: [] as number[] };
  let failed = 0;
  if (Number.isFinite(bestF))
    for (let k = 0; k < resamples; k++) {
      draw(w);
      x.set(best);
      const r = ws.minimize(fg, x, tight);
      if (!ok(r)) {
        failed++;
        continue;
      }
      const p = toP(x);
      s.E.push(p.E);
      s.B.push(p.B);
      s.beta.push(p.beta);
    }
  const iv = (v: number[]): Interval | null => (v.length > 1 ? percentileInterval(v, level) : null);
  const sizes: DataScalingSize[] = [...groupBy(sel, (r) => String(r.trainSize)).values()]
    .map((rs) => {
      const ep = rs.map((r) => r.epochs).filter((e): e is number => e !== undefined);
      return {
        trainSize: rs[0].trainSize!,
        runs: rs.length,
        loss: Math.exp(rs.reduce((a, r) => a + Math.log(r.loss), 0) / rs.length),
        epochsMedian: ep.length ? median(ep) : null,
        epochsMax: ep.length ? Math.max(...ep) : null,
        notConverged: rs.filter((r) => r.converged === false).length,
      };
    })
    .sort((p, q) => p.trainSize - q.trainSize);
  const reasons: string[] = [];
  if (!Number.isFinite(bestF)) reasons.push('no optimiser start converged');
  if (sizes.length < 4) reasons.push(`only ${sizes.length} training-set sizes for 3 parameters (need ≥ 4)`);
  const ivBeta = iv(s.beta);
  if (failed > 0.1 * resamples) reasons.push(`${failed} of ${resamples} bootstrap refits failed`);
  if (ivBeta) {
    const f = opts.exponentFactor ?? 2;
    if (!(ivBeta.lo > 1e-3)) reasons.push(`the β interval [${ivBeta.lo.toPrecision(3)}, ${ivBeta.hi.toPrecision(3)}] reaches 0`);
    else if (ivBeta.hi / ivBeta.lo > f) reasons.push(`the β interval [${ivBeta.lo.toPrecision(3)}, ${ivBeta.hi.toPrecision(3)}] spans a factor ${(ivBeta.hi / ivBeta.lo).toFixed(1)} (> ${f})`);
  } else reasons.push('no bootstrap interval for β');
  const nc = sizes.reduce((a, z) => a + z.notConverged, 0);
  if (nc) reasons.push(`${nc} run(s) stopped at their epoch cap, not by early stopping: not at convergence`);
  if (singleSeed) reasons.push(SINGLE_SEED_REASON.replace('model size', 'training-set size'));
  return {
    key,
    family: runs[0].family,
    augmented: !!runs[0].augmented,
    nRuns: sel.length,
    sizes,
    E: { estimate: point.E, interval: iv(s.E) },
    B: { estimate: point.B, interval: iv(s.B) },
    beta: { estimate: point.beta, interval: ivBeta },
    samples: s,
    resamples,
    failed,
    status: makeStatus(reasons),
  };
}

/** Fits every (family, augmentation) group of data-scaling runs. */
export function fitDataScalingGroups(runs: readonly StudyRun[], opts: DataScalingOptions = {}): DataScalingFit[] {
  return [...groupBy(runs, dataGroupKey).values()].map((rs) => fitDataScaling(rs, opts));
}

export interface CurveRatio {
  trainSize: number;
  /** Loss of the first curve / loss of the second at this size. */
  ratio: number;
  interval: Interval | null;
}

/** Ratio of two fitted curves at the given sizes, with paired bootstrap intervals. */
export function curveRatios(a: DataScalingFit, b: DataScalingFit, sizes: readonly number[], level = 0.95): CurveRatio[] {
  const pa = { E: a.E.estimate, B: a.B.estimate, beta: a.beta.estimate };
  const pb = { E: b.E.estimate, B: b.B.estimate, beta: b.beta.estimate };
  const k = Math.min(a.samples.beta.length, b.samples.beta.length);
  return sizes.map((D) => {
    let interval: Interval | null = null;
    if (k > 1) {
      const r = new Float64Array(k);
      for (let i = 0; i < k; i++)
        r[i] =
          dataLoss({ E: a.samples.E[i], B: a.samples.B[i], beta: a.samples.beta[i] }, D) /
          dataLoss({ E: b.samples.E[i], B: b.samples.B[i], beta: b.samples.beta[i] }, D);
      interval = percentileInterval(r, level);
    }
    return { trainSize: D, ratio: dataLoss(pa, D) / dataLoss(pb, D), interval };
  });
}

export interface DataEfficiencyComparison {
  equivariant: string;
  baseline: string;
  augmented: string;
  level: number;
  /** Training-set sizes sampled by all three groups. */
  sizes: number[];
  /** L(baseline without augmentation) / L(equivariant) per size: > 1 means equivariance helps. */
  equivarianceGain: CurveRatio[];
  /** L(baseline with augmentation) / L(equivariant) per size: the gap augmentation leaves. */
  augmentationGap: CurveRatio[];
  /** The gap at the smallest and largest common size. */
  gapAtSmallest: CurveRatio | null;
  gapAtLargest: CurveRatio | null;
  /** ln(gap at smallest) − ln(gap at largest): > 0 means the gap shrinks with D. */
  gapShrink: Estimate;
  /** Epochs of the augmented runs at the largest size (median, max) and how many stopped at the cap. */
  augmentedEpochsAtLargest: { median: number | null; max: number | null; notConverged: number };
}

/**
 * Claim (1) on the fitted curves: does equivariance improve data efficiency (gain > 1), and does augmentation
 * close the gap given enough epochs (gap → 1 at the largest D, shrinking with D)?
 */
export function compareDataEfficiency(equivariant: DataScalingFit, baseline: DataScalingFit, augmented: DataScalingFit, level = 0.95): DataEfficiencyComparison {
  const common = (f: DataScalingFit) => new Set(f.sizes.map((s) => s.trainSize));
  const sb = common(baseline);
  const sa = common(augmented);
  const sizes = equivariant.sizes.map((s) => s.trainSize).filter((D) => sb.has(D) && sa.has(D));
  const gain = curveRatios(baseline, equivariant, sizes, level);
  const gap = curveRatios(augmented, equivariant, sizes, level);
  const k = Math.min(augmented.samples.beta.length, equivariant.samples.beta.length);
  let shrink: Estimate = { estimate: NaN, interval: null };
  if (sizes.length >= 2) {
    const D0 = sizes[0];
    const D1 = sizes[sizes.length - 1];
    const lr = (aug: DataCurveParams, eq: DataCurveParams) =>
      Math.log(dataLoss(aug, D0) / dataLoss(eq, D0)) - Math.log(dataLoss(aug, D1) / dataLoss(eq, D1));
    const P = (f: DataScalingFit, i?: number): DataCurveParams =>
      i === undefined ? { E: f.E.estimate, B: f.B.estimate, beta: f.beta.estimate } : { E: f.samples.E[i], B: f.samples.B[i], beta: f.samples.beta[i] };
    const vals = Array.from({ length: k }, (_, i) => lr(P(augmented, i), P(equivariant, i)));
    shrink = { estimate: lr(P(augmented), P(equivariant)), interval: k > 1 ? percentileInterval(vals, level) : null };
  }
  const largest = augmented.sizes.find((s) => s.trainSize === sizes[sizes.length - 1]);
  return {
    equivariant: equivariant.key,
    baseline: baseline.key,
    augmented: augmented.key,
    level,
    sizes,
    equivarianceGain: gain,
    augmentationGap: gap,
    gapAtSmallest: gap[0] ?? null,
    gapAtLargest: gap[gap.length - 1] ?? null,
    gapShrink: shrink,
    augmentedEpochsAtLargest: { median: largest?.epochsMedian ?? null, max: largest?.epochsMax ?? null, notConverged: largest?.notConverged ?? 0 },
  };
}
