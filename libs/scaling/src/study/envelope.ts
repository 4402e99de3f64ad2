/**
 * The model-free half of claim 2 ("the equivariant model outperforms the non-equivariant one at every tested
 * compute budget"): the observed lower envelopes of two families compared at budgets C, with no fitted law.
 *
 * For a family, a seed and a budget C: among the family's runs of that seed that spent at most C FLOPs (their own
 * count), the run with the lowest VALIDATION loss is chosen, and its TEST loss is that seed's envelope value
 * (never selected on test). The comparison at C is the ratio of the geometric means over seeds, A over B, with a
 * percentile interval from resampling each family's seeds with replacement (independently; the i-th resamples
 * paired). Budgets: log-spaced over the range where both families have runs of every seed.
 *
 * With few seeds that interval is too narrow to decide on alone (three seeds give at most ten distinct resampled
 * means), so a family counts as better at a budget only when its seeds are completely separated from the other's
 * — every seed's envelope below every seed of the other — and the interval agrees. Complete separation of 3
 * against 3 seeds happens by chance with probability 1/20 under exchangeable seeds (a one-sided rank test at 5%).
 * B (the non-equivariant family) counts as better only by more than `margin` (default 5%): a verdict against the
 * claim rests on a difference that matters, not on one within the noise of three seeds.
 */
import { makeRng, percentileInterval, type Interval } from '../rng.js';
import { logSpace } from '../frontier.js';
import { groupBy, type StudyRun } from './types.js';

export interface EnvelopeRatio {
  c: number;
  /** geometric-mean envelope test loss of A over that of B */
  ratio: number;
  interval: Interval | null;
  /** which family's seeds all lie below the other's (B: by more than the margin; null: neither) */
  separated: 'A' | 'B' | null;
}

export interface EnvelopeComparison {
  familyA: string;
  familyB: string;
  level: number;
  seedsA: number;
  seedsB: number;
  ratios: EnvelopeRatio[];
  /** as FrontierComparison: A better at every budget (every interval below 1), B better somewhere (an interval above 1), or neither */
  verdict: 'A better at every budget' | 'B better at some budget' | 'not resolved';
  /** why no comparison could be made (then ratios is empty) */
  problem?: string;
}

export interface EnvelopeOptions {
  budgets?: readonly number[];
  level?: number;
  /** relative difference by which B must beat A to count as better (default 0.05) */
  margin?: number;
  resamples?: number;
  seed?: number;
}

/** Per seed: the runs sorted by FLOPs with the running best-on-validation test loss. */
function envelopes(runs: readonly StudyRun[]): { flops: number[]; loss: number[] }[] {
  return [...groupBy(runs, (r) => String(r.seed)).values()].map((rs) => {
    const sorted = [...rs].sort((a, b) => a.flops - b.flops);
    const flops: number[] = [];
    const loss: number[] = [];
    let bestVal = Infinity;
    let bestTest = NaN;
    for (const r of sorted) {
      if (r.valLoss! < bestVal) {
        bestVal = r.valLoss!;
        bestTest = r.loss;
      }
      flops.push(r.flops);
      loss.push(bestTest);
    }
    return { flops, loss };
  });
}

/** ln of the envelope test loss at budget c (the last run with flops ≤ c), or NaN when the seed has none. */
function lnAt(e: { flops: number[]; loss: number[] }, c: number): number {
  let i = -1;
  for (let k = 0; k < e.flops.length && e.flops[k]! <= c * (1 + 1e-12); k++) i = k;
  return i < 0 ? NaN : Math.log(e.loss[i]!);
}

export function compareEnvelopes(A: readonly StudyRun[], B: readonly StudyRun[], opts: EnvelopeOptions = {}): EnvelopeComparison {
  const level = opts.level ?? 0.95;
  const familyA = A[0]?.family ?? '?';
  const familyB = B[0]?.family ?? '?';
  const base = { familyA, familyB, level, seedsA: 0, seedsB: 0, ratios: [] as EnvelopeRatio[], verdict: 'not resolved' as const };
  if (!A.length || !B.length) return { ...base, problem: 'a family has no runs' };
  if ([...A, ...B].some((r) => !(r.valLoss! > 0))) return { ...base, problem: 'some runs have no validation loss: the envelope chooses on validation, never on test' };
  const ea = envelopes(A);
  const eb = envelopes(B);
  // every seed has a run from the largest of its families' smallest runs on
  const lo = Math.max(...[...ea, ...eb].map((e) => e.flops[0]!));
  const hi = Math.min(Math.max(...A.map((r) => r.flops)), Math.max(...B.map((r) => r.flops)));
  const counts = { seedsA: ea.length, seedsB: eb.length };
  if (!(hi >= lo)) return { ...base, ...counts, problem: 'the families share no compute range' };
  const budgets = opts.budgets ?? (hi > lo ? logSpace(lo, hi, 7) : [lo]);
  const rng = makeRng(opts.seed ?? 0);
  const resamples = opts.resamples ?? 2000;
  const ratios = budgets.map((c): EnvelopeRatio => {
    const la = ea.map((e) => lnAt(e, c)).filter(Number.isFinite);
    const lb = eb.map((e) => lnAt(e, c)).filter(Number.isFinite);
    const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const ratio = Math.exp(mean(la) - mean(lb));
    if (!la.length || !lb.length) return { c, ratio: NaN, interval: null, separated: null };
    const m = Math.log(1 + (opts.margin ?? 0.05));
    // the margin guards the verdict against A (the claim's rejection) only; A counts as better on any separation
    const separated = Math.max(...la) < Math.min(...lb) ? 'A' : Math.max(...lb) + m < Math.min(...la) ? 'B' : null;
    const draws = new Float64Array(resamples);
    const pick = (xs: readonly number[]) => {
      let s = 0;
      for (let k = 0; k < xs.length; k++) s += xs[rng.int(xs.length)]!;
      return s / xs.length;
    };
    for (let i = 0; i < resamples; i++) draws[i] = Math.exp(pick(la) - pick(lb));
    return { c, ratio, interval: la.length > 1 || lb.length > 1 ? percentileInterval(draws, level) : null, separated };
  });
  const verdict =
    ratios.length && ratios.every((r) => r.separated === 'A' && r.interval && r.interval.hi < 1)
      ? 'A better at every budget'
      : ratios.some((r) => r.separated === 'B' && r.interval && r.interval.lo > 1)
        ? 'B better at some budget'
        : 'not resolved';
  return { familyA, familyB, level, ...counts, ratios, verdict };
}
