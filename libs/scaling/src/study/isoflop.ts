/**
 * Approach 2 (IsoFLOP profiles) for one family — never pooled across families. Runs are binned by their own
 * FLOPs (log-spaced bins, `binsPerDecade` per decade, or the caller's budget centres); in each bin with at least
 * `minSizes` distinct model sizes a parabola of loss in ln N is fitted (all seeds' runs) and its minimum gives
 * N_opt; D_opt = C/f(N_opt) with f the family's FLOPs per sample from its runs' own FLOPs. Then ln N_opt and
 * ln D_opt are regressed on ln C (N_opt ∝ C^a, D_opt ∝ C^b). Intervals: the same seed-grouped bootstrap.
 */
import { logSpace } from '../frontier.js';
import { linfit } from '../approach2.js';
import { makeResampler } from '../bootstrap.js';
import { makeRng, percentileInterval, type Interval } from '../rng.js';
import { flopsModel, flopsPerSample } from './flops.js';
import { makeStatus, seedGroups, SINGLE_SEED_REASON, validateStudyRuns, type Estimate, type FitStatus, type Stratify, type StudyRun } from './types.js';

export interface IsoFlopStudyOptions {
  /** Log-spaced bins per decade of FLOPs, aligned to powers of ten. Default 2. */
  binsPerDecade?: number;
  /** Budget centres (FLOPs): a run joins the nearest centre in log space within half a bin width. Overrides binsPerDecade alignment. */
  centres?: readonly number[];
  /** Minimum distinct model sizes for a usable profile. Default 3. */
  minSizes?: number;
  resamples?: number;
  seed?: number;
  level?: number;
  stratify?: Stratify;
  /** Determined when the a interval is within this factor (hi/lo). Default 2. */
  exponentFactor?: number;
}

export interface IsoFlopBin {
  /** Geometric mean FLOPs of the bin's runs. */
  c: number;
  runs: number;
  sizes: number;
  /** loss ≈ p0 + p1·x + p2·x², x = ln N. */
  coefficients: [number, number, number];
  nOpt: number;
  dOpt: number;
  lossOpt: number;
  /** (x* − centre)/half-width of the sampled ln N range: 0 centred, ±1 at an edge (approach 2's known bias). */
  offCentre: number;
  usable: boolean;
  reason?: string;
  /** Bootstrap interval of N_opt in this bin. */
  nOptInterval: Interval | null;
}

export interface IsoFlopStudyFit {
  family: string;
  bins: IsoFlopBin[];
  usableBins: number;
  /** N_opt ∝ C^a, D_opt ∝ C^b: estimate with seed-grouped bootstrap interval. */
  a: Estimate;
  b: Estimate;
  /** Prefactors: N_opt = kN·C^a, D_opt = kD·C^b. */
  kN: number;
  kD: number;
  /** Bootstrap resamples of a (for paired comparisons; drop before writing a report). */
  samplesA: number[];
  resamples: number;
  failed: number;
  status: FitStatus;
}

interface BinFit {
  c: number;
  coef: [number, number, number];
  zStar: number;
  mid: number;
  half: number;
  usable: boolean;
  reason?: string;
}

function fitBin(xs: Float64Array, ys: Float64Array, lc: Float64Array, w: Float64Array): BinFit | null {
  let sw = 0;
  let slc = 0;
  let xmin = Infinity;
  let xmax = -Infinity;
  const distinct = new Set<number>();
  for (let i = 0; i < xs.length; i++) {
    if (w[i] === 0) continue;
    sw += w[i];
    slc += w[i] * lc[i];
    distinct.add(xs[i]);
    if (xs[i] < xmin) xmin = xs[i];
    if (xs[i] > xmax) xmax = xs[i];
  }
  if (distinct.size < 3) return null;
  const mid = 0.5 * (xmin + xmax);
  const half = 0.5 * (xmax - xmin);
  const S = [0, 0, 0, 0, 0];
  const T = [0, 0, 0];
  for (let i = 0; i < xs.length; i++) {
    if (w[i] === 0) continue;
    const z = (xs[i] - mid) / half;
    let p = w[i];
    for (let k = 0; k < 5; k++) {
      S[k] += p;
      if (k < 3) T[k] += p * ys[i];
      p *= z;
    }
  }
  const q = solve3(
    [
      [S[0], S[1], S[2]],
      [S[1], S[2], S[3]],
      [S[2], S[3], S[4]],
    ],
    T,
  );
  if (!q) return null;
  const c = Math.exp(slc / sw);
  if (!(q[2] > 0)) return { c, coef: q, zStar: NaN, mid, half, usable: false, reason: 'the parabola opens downwards: no minimum in this budget' };
  const zStar = -q[1] / (2 * q[2]);
  if (Math.abs(zStar) > 1)
    return { c, coef: q, zStar, mid, half, usable: false, reason: `minimum outside the sampled model sizes (off-centre ${zStar.toFixed(2)}): extend the sizes at this budget` };
  return { c, coef: q, zStar, mid, half, usable: true };
}

function solve3(M0: number[][], b0: number[]): [number, number, number] | null {
  const M = M0.map((r, i) => [...r, b0[i]]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let i = c + 1; i < 3; i++) if (Math.abs(M[i][c]) > Math.abs(M[p][c])) p = i;
    if (Math.abs(M[p][c]) < 1e-300) return null;
    [M[c], M[p]] = [M[p], M[c]];
    for (let i = 0; i < 3; i++) {
      if (i === c) continue;
      const f = M[i][c] / M[c][c];
      for (let j = c; j < 4; j++) M[i][j] -= f * M[c][j];
    }
  }
  return [M[0][3] / M[0][0], M[1][3] / M[1][1], M[2][3] / M[2][2]];
}


/** Assigns each run a bin index (or -1 when outside every centre's half-width). */
export function isoFlopBins(flops: readonly number[], opts: Pick<IsoFlopStudyOptions, 'binsPerDecade' | 'centres'> = {}): number[] {
  const per = opts.binsPerDecade ?? 2;
  if (!(per > 0)) throw new Error(`binsPerDecade is ${per}: give a positive number (e.g. 2)`);
  if (opts.centres?.length) {
    const lc = opts.centres.map((c) => Math.log10(c));
    return flops.map((f) => {
      const l = Math.log10(f);
      let best = -1;
      let bd = Infinity;
      lc.forEach((c, i) => {
        const dd = Math.abs(l - c);
        if (dd < bd) {
          bd = dd;
          best = i;
        }
      });
      return bd <= 0.5 / per ? best : -1;
    });
  }
  return flops.map((f) => Math.floor(Math.log10(f) * per));
}

/** Approach-2 IsoFLOP analysis of one family's runs (see module comment). */
export function fitIsoFlopFamily(runs: readonly StudyRun[], opts: IsoFlopStudyOptions = {}): IsoFlopStudyFit {
  validateStudyRuns(runs);
  const family = runs[0]?.family ?? '';
  if (runs.some((r) => r.family !== family)) throw new Error('fitIsoFlopFamily: runs of several families: IsoFLOP profiles are per family, never pooled');
  const fm = flopsModel(runs);
  const minSizes = opts.minSizes ?? 3;
  const level = opts.level ?? 0.95;
  const binOf = isoFlopBins(runs.map((r) => r.flops), opts);
  const keys = [...new Set(binOf.filter((b) => b >= 0))].sort((p, q) => p - q);
  const members = keys.map((k) => runs.map((_, i) => i).filter((i) => binOf[i] === k)).filter((ix) => new Set(ix.map((i) => runs[i].n)).size >= minSizes);
  const binData = members.map((ix) => ({
    ix,
    xs: Float64Array.from(ix, (i) => Math.log(runs[i].n)),
    ys: Float64Array.from(ix, (i) => runs[i].loss),
    lc: Float64Array.from(ix, (i) => Math.log(runs[i].flops)),
  }));
  const W = new Float64Array(runs.length).fill(1);
  const fitAll = (w: Float64Array) =>
    binData.map((b) => fitBin(b.xs, b.ys, b.lc, Float64Array.from(b.ix, (i) => w[i])));
  const exponents = (fits: (BinFit | null)[]) => {
    const ok = fits.filter((f): f is BinFit => !!f && f.usable);
    if (ok.length < 2) return null;
    const lc = ok.map((f) => Math.log(f.c));
    const nOpt = ok.map((f) => Math.exp(f.mid + f.zStar * f.half));
    const [iN, a] = linfit(lc, nOpt.map(Math.log));
    const [iD, b] = linfit(lc, ok.map((f, j) => Math.log(f.c / flopsPerSample(fm, nOpt[j]))));
    return { a, b, kN: Math.exp(iN), kD: Math.exp(iD) };
  };
  const point = fitAll(W);
  const pe = exponents(point);
  const resamples = opts.resamples ?? 200;
  const { groups, strata, singleSeed } = seedGroups(runs, opts.stratify ?? 'n');
  const draw = makeResampler(runs.length, makeRng(opts.seed ?? 1), groups, strata);
  const sa: number[] = [];
  const sb: number[] = [];
  const binN: number[][] = binData.map(() => []);
  let failed = 0;
  const w = new Float64Array(runs.length);
  for (let k = 0; k < resamples; k++) {
    draw(w);
    const fits = fitAll(w);
    fits.forEach((f, j) => {
      if (f?.usable) binN[j].push(Math.exp(f.mid + f.zStar * f.half));
    });
    const e = exponents(fits);
    if (!e) failed++;
    else {
      sa.push(e.a);
      sb.push(e.b);
    }
  }
  const bins: IsoFlopBin[] = point.map((f, j) => {
    const b = binData[j];
    const nOpt = f && Number.isFinite(f.zStar) ? Math.exp(f.mid + f.zStar * f.half) : NaN;
    const q = f?.coef ?? [NaN, NaN, NaN];
    // back to x = ln N: loss = q0 + q1 z + q2 z², z = (x − mid)/half
    const h = f?.half ?? NaN;
    const m = f?.mid ?? NaN;
    const p2 = q[2] / (h * h);
    const p1 = q[1] / h - 2 * p2 * m;
    const p0 = q[0] - (q[1] * m) / h + p2 * m * m;
    const z = f?.zStar ?? NaN;
    return {
      c: f?.c ?? Math.exp(b.lc.reduce((s, v) => s + v, 0) / b.lc.length),
      runs: b.ix.length,
      sizes: new Set(b.ix.map((i) => runs[i].n)).size,
      coefficients: [p0, p1, p2],
      nOpt,
      dOpt: f ? f.c / flopsPerSample(fm, nOpt) : NaN,
      lossOpt: q[0] + q[1] * z + q[2] * z * z,
      offCentre: z,
      usable: !!f?.usable,
      ...(f?.reason ? { reason: f.reason } : f ? {} : { reason: 'singular parabola fit' }),
      nOptInterval: binN[j].length >= 0.5 * resamples && binN[j].length > 1 ? percentileInterval(binN[j], level) : null,
    };
  });
  const usableBins = bins.filter((b) => b.usable).length;
  const reasons: string[] = [];
  if (members.length === 0) reasons.push(`no FLOP bin holds runs of ${minSizes} or more model sizes: plan runs of several sizes at matched FLOPs`);
  if (usableBins < 3) reasons.push(`${usableBins} usable IsoFLOP profile(s): an exponent needs at least 3 budgets with a minimum inside the sampled sizes`);
  const ivA = sa.length > 1 ? percentileInterval(sa, level) : null;
  const ivB = sb.length > 1 ? percentileInterval(sb, level) : null;
  if (failed > 0.1 * resamples) reasons.push(`${failed} of ${resamples} bootstrap resamples left fewer than 2 usable profiles`);
  if (ivA) {
    const f = opts.exponentFactor ?? 2;
    if (!(ivA.lo > 0)) reasons.push(`the interval of a [${ivA.lo.toPrecision(3)}, ${ivA.hi.toPrecision(3)}] reaches 0`);
    else if (ivA.hi / ivA.lo > f) reasons.push(`the interval of a [${ivA.lo.toPrecision(3)}, ${ivA.hi.toPrecision(3)}] spans a factor ${(ivA.hi / ivA.lo).toFixed(1)} (> ${f})`);
  } else if (resamples > 0) reasons.push('no bootstrap interval for a');
  const off = bins.filter((b) => b.usable && Math.abs(b.offCentre) > 0.5).length;
  if (off > 0 && usableBins > 0 && off > usableBins / 2) reasons.push(`${off} of ${usableBins} profiles have their minimum in the outer quarter of the sizes (approach 2's off-centre bias)`);
  if (singleSeed) reasons.push(SINGLE_SEED_REASON);
  return {
    family,
    bins,
    usableBins,
    a: { estimate: pe?.a ?? NaN, interval: ivA },
    b: { estimate: pe?.b ?? NaN, interval: ivB },
    kN: pe?.kN ?? NaN,
    kD: pe?.kD ?? NaN,
    samplesA: sa,
    resamples,
    failed,
    status: makeStatus(reasons),
  };
}

/** Budget centres for an IsoFLOP design: k log-spaced budgets between lo and hi FLOPs (convenience). */
export const isoFlopCentres = (lo: number, hi: number, k: number): number[] => logSpace(lo, hi, k);
