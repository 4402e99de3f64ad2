/**
 * The replication scorecard: the seed study's three claims (Brehmer et al., "Does equivariance matter at
 * scale?"), each with the paper's statement, what this study measured (with intervals), and a verdict —
 * 'agrees', 'disagrees', or 'too weak to tell'. The verdicts are deliberately strict: an interval that straddles
 * the deciding value, or a fit that is not determined, gives 'too weak to tell', never a guess.
 */
import type { FrontierComparison, StudyFamilyFit } from './fit.js';
import type { DataEfficiencyComparison, DataScalingFit } from './data-scaling.js';
import type { IsoFlopStudyFit } from './isoflop.js';
import type { EnvelopeComparison } from './envelope.js';
import { percentileInterval, type Interval } from '../rng.js';
import { fmt, fmtEstimate, fmtInterval, type Estimate } from './types.js';

export type Verdict = 'agrees' | 'disagrees' | 'too weak to tell';

export interface Claim {
  id: 1 | 2 | 3;
  /** The paper's statement. */
  paper: string;
  /** What this study measured, with intervals, in one or two sentences. */
  measured: string;
  verdict: Verdict;
  /** The numbers and reasons behind the verdict. */
  details: Record<string, unknown> & { reasons: string[] };
}

export const PAPER_CLAIMS = {
  1: 'Equivariance improves data efficiency, but training non-equivariant models with data augmentation can close this gap given sufficient epochs.',
  2: 'Test loss scales as a power law with training compute, and the equivariant model outperforms the non-equivariant one at every tested compute budget.',
  3: 'The optimal allocation of a compute budget between model size and training duration differs between equivariant and non-equivariant models.',
} as const;

export interface ScorecardOptions {
  /** "Closed" means the gap L_aug/L_equiv at the largest size has an upper interval bound ≤ 1 + this. Default 0.1. */
  gapMargin?: number;
  /** "The same split" means the exponent difference interval lies within ±this. Default 0.05. */
  exponentMargin?: number;
  level?: number;
}

export interface ScorecardInput {
  /** Claim 1: the data-efficiency comparison (or null when the study has no data-scaling runs). */
  dataEfficiency: DataEfficiencyComparison | null;
  /** The three data-scaling curves used there (for their fit status). */
  dataFits?: { equivariant?: DataScalingFit; baseline?: DataScalingFit; augmented?: DataScalingFit };
  /** Claim 2: compute fits of the equivariant family and of each non-equivariant family, and their frontier comparisons (equivariant = A). */
  computeFits: { equivariant?: StudyFamilyFit; others: StudyFamilyFit[] };
  frontierComparisons: FrontierComparison[];
  /** Claim 2, model-free: the observed lower envelopes (best-on-validation run within each budget, per seed) of the equivariant family (A) against each other family. */
  envelopeComparisons?: EnvelopeComparison[];
  /** Claim 3: per-family IsoFLOP (Approach 2) optimal-N exponents; Approach-3 frontier slopes are the fallback. */
  isoflop: { equivariant?: IsoFlopStudyFit; others: IsoFlopStudyFit[] };
}

const fmtRatio = (iv: Interval | null, r: number) => `${fmt(r)} ${fmtInterval(iv)}`;

function claim1(x: ScorecardInput, o: Required<ScorecardOptions>): Claim {
  const reasons: string[] = [];
  const c = x.dataEfficiency;
  if (!c || c.sizes.length < 2) {
    return {
      id: 1,
      paper: PAPER_CLAIMS[1],
      measured: 'no data-scaling runs at two or more common training-set sizes for the equivariant, baseline and augmented groups',
      verdict: 'too weak to tell',
      details: { reasons: ['no data-scaling comparison'] },
    };
  }
  for (const [role, f] of Object.entries(x.dataFits ?? {})) if (f && !f.status.determined) reasons.push(`${role} data-scaling fit (${f.key}) ${f.status.summary}`);
  const g0 = c.equivarianceGain[0];
  const gapL = c.gapAtLargest!;
  const helps = g0.interval ? (g0.interval.lo > 1 ? 'yes' : g0.interval.hi < 1 ? 'no' : 'unclear') : 'unclear';
  const closed = gapL.interval ? (gapL.interval.hi <= 1 + o.gapMargin ? 'yes' : gapL.interval.lo > 1 + o.gapMargin ? 'no' : 'unclear') : 'unclear';
  const shrinks = c.gapShrink.interval ? (c.gapShrink.interval.lo > 0 ? 'yes' : c.gapShrink.interval.hi < 0 ? 'no' : 'unclear') : 'unclear';
  const ep = c.augmentedEpochsAtLargest;
  if (ep.notConverged > 0) reasons.push(`${ep.notConverged} augmented run(s) at the largest size stopped at the epoch cap: "given sufficient epochs" is not reached`);
  let verdict: Verdict;
  if (helps === 'no') verdict = 'disagrees';
  else if (helps === 'yes' && closed === 'yes' && ep.notConverged === 0) verdict = 'agrees';
  else if (closed === 'no' && shrinks !== 'yes' && ep.notConverged === 0) verdict = 'disagrees';
  else verdict = 'too weak to tell';
  if (helps === 'unclear') reasons.push('the equivariance gain at the smallest size has an interval containing 1');
  if (closed === 'unclear') reasons.push(`the gap at the largest size straddles ${fmt(1 + o.gapMargin)} (closed = within ${fmt(100 * o.gapMargin)}%)`);
  if (closed === 'no' && shrinks === 'yes') reasons.push('the gap is not closed at the largest size but shrinks with D: more data or epochs might close it');
  // A curve that is not determined cannot carry a verdict either way.
  if (Object.values(x.dataFits ?? {}).some((f) => f && !f.status.determined)) verdict = 'too weak to tell';
  const Ds = c.sizes;
  const measured =
    `L(${c.baseline})/L(${c.equivariant}) at D = ${fmt(Ds[0])}: ${fmtRatio(g0.interval, g0.ratio)} (> 1: equivariance helps); ` +
    `L(${c.augmented})/L(${c.equivariant}) at D = ${fmt(Ds[0])}: ${fmtRatio(c.gapAtSmallest!.interval, c.gapAtSmallest!.ratio)}, at D = ${fmt(Ds[Ds.length - 1])}: ${fmtRatio(gapL.interval, gapL.ratio)}` +
    `; log-gap shrink ${fmtEstimate(c.gapShrink)}; augmented runs at the largest D trained ${ep.median ?? '?'} epochs (median, max ${ep.max ?? '?'}) to early stopping.`;
  return {
    id: 1,
    paper: PAPER_CLAIMS[1],
    measured,
    verdict,
    details: { equivarianceHelps: helps, gapClosed: closed, gapShrinks: shrinks, comparison: stripCurves(c), reasons },
  };
}

function stripCurves(c: DataEfficiencyComparison) {
  return { sizes: c.sizes, equivarianceGain: c.equivarianceGain, augmentationGap: c.augmentationGap, gapShrink: c.gapShrink, augmentedEpochsAtLargest: c.augmentedEpochsAtLargest };
}

function claim2(x: ScorecardInput): Claim {
  const reasons: string[] = [];
  const eq = x.computeFits.equivariant;
  const fits = [eq, ...x.computeFits.others].filter((f): f is StudyFamilyFit => !!f);
  for (const f of fits) if (!f.status.determined) reasons.push(`${f.family}: compute fit ${f.status.summary}`);
  if (!eq || x.computeFits.others.length === 0 || x.frontierComparisons.length === 0) {
    return { id: 2, paper: PAPER_CLAIMS[2], measured: 'no compute fits of both an equivariant and a non-equivariant family', verdict: 'too weak to tell', details: { reasons: [...reasons, 'missing compute fits'] } };
  }
  const parts = x.frontierComparisons.map((cmp) => {
    const rs = cmp.ratios;
    const lo = rs.length ? Math.min(...rs.map((r) => r.ratio)) : NaN;
    const hi = rs.length ? Math.max(...rs.map((r) => r.ratio)) : NaN;
    return `L_opt(${cmp.familyA})/L_opt(${cmp.familyB}) over ${rs.length} budgets ${fmt(rs[0]?.c ?? NaN)}–${fmt(rs[rs.length - 1]?.c ?? NaN)} FLOPs: ${fmt(lo)}–${fmt(hi)}` +
      (rs.length ? ` (intervals ${rs.map((r) => fmtInterval(r.interval, 2)).join(', ')})` : '') + ` → ${cmp.verdict}`;
  });
  const pl = fits.map((f) =>
    f.computePowerLaw
      ? `${f.family}: L(C) = ${fmt(f.computePowerLaw.lInf)} + (${fmt(f.computePowerLaw.c0)}/C)^${fmt(f.computePowerLaw.gamma)} on ${f.computePowerLaw.identifiable ? 'its' : 'too few'} envelope runs`
      : `${f.family}: no power law in compute (fewer than 3 envelope runs)`,
  );
  for (const f of fits) if (!f.computePowerLaw?.identifiable) reasons.push(`${f.family}: the direct power law in compute is not determined${f.computePowerLaw ? ` (${f.computePowerLaw.reasons.join('; ')})` : ''}`);
  const exps = fits.map((f) => `${f.family}: α ${fmt(f.fit.alpha)} ${fmtInterval(f.bootstrap.intervals.alpha)}, β ${fmt(f.fit.beta)} ${fmtInterval(f.bootstrap.intervals.beta)} (${f.status.status})`);
  const allDetermined = fits.every((f) => f.status.determined && f.computePowerLaw?.identifiable);
  const env = (x.envelopeComparisons ?? []).filter((c) => c.ratios.length > 0);
  const envParts = env.map(
    (c) =>
      `observed envelopes (best-on-validation run within each budget, ${c.seedsA} and ${c.seedsB} seeds, no fit) L(${c.familyA})/L(${c.familyB}) at ${fmt(c.ratios[0]!.c)}–${fmt(c.ratios[c.ratios.length - 1]!.c)} FLOPs: ` +
      `${c.ratios.map((r) => fmtRatio(r.interval, r.ratio)).join(', ')} → ${c.verdict}`,
  );
  // "outperforms at every tested budget" is an observation, not a law: an observed envelope of another family that
  // beats the equivariant one, with an interval above 1, rejects the claim whatever the fits say (in the tested range)
  const beaten = env.filter((c) => c.verdict === 'B better at some budget');
  let verdict: Verdict;
  if (beaten.length) {
    verdict = 'disagrees';
    for (const c of beaten) {
      const where = c.ratios.filter((r) => r.separated === 'B' && r.interval && r.interval.lo > 1);
      reasons.push(
        `${c.familyB} beats ${c.familyA} on the observed envelopes at ${where.length} of ${c.ratios.length} tested budgets (${fmt(where[0]!.c)}–${fmt(where[where.length - 1]!.c)} FLOPs, every seed of ${c.familyB} below every seed of ${c.familyA} by more than 5%, intervals above 1; ${c.seedsA} and ${c.seedsB} seeds), so "better at every tested budget" does not hold in this compute range; the power-law half of the claim is ${allDetermined ? 'determined' : 'not determined'}`,
      );
    }
  } else if (x.frontierComparisons.some((c) => c.verdict === 'B better at some budget') && allDetermined) verdict = 'disagrees';
  else if (x.frontierComparisons.every((c) => c.verdict === 'A better at every budget') && env.every((c) => c.verdict === 'A better at every budget') && allDetermined) verdict = 'agrees';
  else verdict = 'too weak to tell';
  if (x.frontierComparisons.some((c) => c.verdict === 'not resolved')) reasons.push('at some budget the loss-ratio interval contains 1');
  if (x.frontierComparisons.some((c) => c.ratios.length === 0)) reasons.push('the families share no compute range');
  return {
    id: 2,
    paper: PAPER_CLAIMS[2],
    measured: `${[...envParts, ...parts].join('; ')}. Approach-3 fits: ${exps.join('; ')}. Power law in compute: ${pl.join('; ')}.`,
    verdict,
    details: {
      comparisons: x.frontierComparisons,
      envelopes: env,
      powerLawInCompute: fits.map((f) => ({ family: f.family, ...(f.computePowerLaw ?? { missing: true }) })),
      exponents: fits.map((f) => ({ family: f.family, alpha: { estimate: f.fit.alpha, interval: f.bootstrap.intervals.alpha }, beta: { estimate: f.fit.beta, interval: f.bootstrap.intervals.beta }, status: f.status.status })),
      reasons,
    },
  };
}

/** Difference of two exponents with a paired-bootstrap interval (independent resamples paired by index). */
export function exponentDifference(a: Estimate, sa: readonly number[], b: Estimate, sb: readonly number[], level = 0.95): Estimate {
  const k = Math.min(sa.length, sb.length);
  const d = Array.from({ length: k }, (_, i) => sa[i] - sb[i]);
  return { estimate: a.estimate - b.estimate, interval: k > 1 ? percentileInterval(d, level) : null };
}

function claim3(x: ScorecardInput, o: Required<ScorecardOptions>): Claim {
  const reasons: string[] = [];
  const eq = x.isoflop.equivariant;
  const diffs: { vs: string; method: string; difference: Estimate }[] = [];
  const lines: string[] = [];
  let usedIso = true;
  for (const other of x.isoflop.others) {
    if (eq && eq.status.determined && other.status.determined) {
      diffs.push({ vs: other.family, method: 'IsoFLOP (approach 2)', difference: exponentDifference(eq.a, eq.samplesA, other.a, other.samplesA, o.level) });
      lines.push(`IsoFLOP N_opt ∝ C^a: a(${eq.family}) = ${fmtEstimate(eq.a)}, a(${other.family}) = ${fmtEstimate(other.a)}`);
    } else {
      usedIso = false;
      if (eq && !eq.status.determined) reasons.push(`${eq.family} IsoFLOP ${eq.status.summary}`);
      if (!other.status.determined) reasons.push(`${other.family} IsoFLOP ${other.status.summary}`);
    }
  }
  if (!eq) reasons.push('no IsoFLOP analysis of the equivariant family');
  // Approach-3 frontier slopes as the second line of evidence (reported always; decisive only when IsoFLOP is undetermined).
  const ce = x.computeFits.equivariant;
  const a3: { vs: string; difference: Estimate }[] = [];
  if (ce)
    for (const other of x.computeFits.others) {
      const d = exponentDifferenceFromFits(ce, other, o.level);
      a3.push({ vs: other.family, difference: d });
      lines.push(`approach-3 frontier slope a(${ce.family}) = ${fmtEstimate(ce.allocation.a)}, a(${other.family}) = ${fmtEstimate(other.allocation.a)}, difference ${fmtEstimate(d)}`);
    }
  let decisive = diffs.map((d) => d.difference);
  let method = 'IsoFLOP (approach 2)';
  if ((!usedIso || diffs.length === 0) && ce && ce.status.determined && x.computeFits.others.length && x.computeFits.others.every((f) => f.status.determined)) {
    decisive = a3.map((d) => d.difference);
    method = 'approach-3 frontier slopes (IsoFLOP undetermined)';
  }
  let verdict: Verdict = 'too weak to tell';
  if (decisive.length) {
    if (decisive.every((d) => d.interval && (d.interval.lo > 0 || d.interval.hi < 0))) verdict = 'agrees';
    else if (decisive.every((d) => d.interval && d.interval.lo >= -o.exponentMargin && d.interval.hi <= o.exponentMargin)) verdict = 'disagrees';
    else reasons.push(`the exponent difference interval contains 0 but is wider than ±${o.exponentMargin}`);
  } else reasons.push('no determined allocation exponents for both families');
  for (const d of diffs) lines.push(`IsoFLOP difference vs ${d.vs}: ${fmtEstimate(d.difference)}`);
  return {
    id: 3,
    paper: PAPER_CLAIMS[3],
    measured: `${lines.join('; ')}. Decided on: ${decisive.length ? method : 'nothing determined'}.`,
    verdict,
    details: { method, isoflopDifferences: diffs, approach3Differences: a3, reasons },
  };
}

function exponentDifferenceFromFits(a: StudyFamilyFit, b: StudyFamilyFit, level: number): Estimate {
  return exponentDifference(a.allocation.a, a.allocationSamples, b.allocation.a, b.allocationSamples, level);
}

/** The three claims with verdicts (see module comment). */
export function replicationScorecard(input: ScorecardInput, opts: ScorecardOptions = {}): Claim[] {
  const o: Required<ScorecardOptions> = { gapMargin: opts.gapMargin ?? 0.1, exponentMargin: opts.exponentMargin ?? 0.05, level: opts.level ?? 0.95 };
  return [claim1(input, o), claim2(input), claim3(input, o)];
}
