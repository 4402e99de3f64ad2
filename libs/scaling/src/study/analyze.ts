/**
 * The whole study analysis over plain run records: per-family approach-3 fits with the seed-grouped bootstrap and
 * own-FLOPs frontiers, frontier comparisons of the equivariant family against each other family, per-family
 * IsoFLOP (approach 2) fits, data scaling at convergence per (family, augmentation), and the scorecard.
 */
import type { StartGrid } from '../approach3.js';
import { compareDataEfficiency, dataGroupKey, fitDataScaling, type DataEfficiencyComparison, type DataScalingFit } from './data-scaling.js';
import { compareFrontiers, fitStudyFamily, type FrontierComparison, type StudyFamilyFit } from './fit.js';
import { fitIsoFlopFamily, type IsoFlopStudyFit } from './isoflop.js';
import { compareEnvelopes, type EnvelopeComparison } from './envelope.js';
import { replicationScorecard, type Claim, type ScorecardOptions } from './scorecard.js';
import { groupBy, validateStudyRuns, type Stratify, type StudyRun } from './types.js';

export interface StudyRoles {
  /** Compute-scaling family name of the equivariant model (e.g. "gatr"). */
  equivariant: string;
  /** Data-scaling group keys for claim 1 (family, or family+"+aug" for augmented runs; see dataGroupKey). */
  data?: { equivariant: string; baseline: string; augmented: string };
}

export interface StudyAnalysisOptions {
  roles: StudyRoles;
  /** Bootstrap resamples for every fit. Default 200. */
  resamples?: number;
  seed?: number;
  level?: number;
  /** Huber δ. Default 1e-3. */
  delta?: number;
  stratify?: Stratify;
  grid?: StartGrid;
  /** Warm starts per family (from a previous analysis) — with SENSITIVITY_GRID instead of the full grid. */
  warmStarts?: Map<string, StudyFamilyFit>;
  isoflop?: { binsPerDecade?: number; centres?: readonly number[]; minSizes?: number };
  /** Tested budgets of the frontier comparisons; default 7 over each pair's common FLOPs range. */
  comparisonBudgets?: readonly number[];
  scorecard?: ScorecardOptions;
  onProgress?: (step: string) => void;
}

export interface StudyAnalysis {
  families: StudyFamilyFit[];
  frontierComparisons: FrontierComparison[];
  /** the observed lower envelopes (no fit) of the equivariant family against each other family (claim 2) */
  envelopeComparisons: EnvelopeComparison[];
  isoflop: IsoFlopStudyFit[];
  dataScaling: DataScalingFit[];
  dataEfficiency: DataEfficiencyComparison | null;
  claims: Claim[];
  /** Families (or data-scaling groups) that could not be fitted at all, with the error. */
  failures: StudyFailure[];
}

export interface StudyFailure {
  family: string;
  stage: 'compute' | 'isoflop' | 'data';
  problem: string;
}

export interface StudyRunsInput {
  /** Compute-scaling runs of every family (fresh data, all seeds, WSD branches as separate runs). */
  compute: readonly StudyRun[];
  /** Data-scaling runs trained to convergence (with trainSize, epochs, augmented). */
  data?: readonly StudyRun[];
}

export function analyzeStudy(input: StudyRunsInput, opts: StudyAnalysisOptions): StudyAnalysis {
  validateStudyRuns(input.compute, 'compute');
  if (input.data) validateStudyRuns(input.data, 'data');
  const common = { resamples: opts.resamples ?? 200, seed: opts.seed, level: opts.level, stratify: opts.stratify };
  const families: StudyFamilyFit[] = [];
  const isoflop: IsoFlopStudyFit[] = [];
  const failures: StudyFailure[] = [];
  // A family whose runs cannot be fitted at all (e.g. fewer than 5) keeps its error; the claims resting on it
  // are then "too weak to tell".
  const attempt = <T>(family: string, stage: StudyFailure['stage'], f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      failures.push({ family, stage, problem: (e as Error).message });
      return undefined;
    }
  };
  for (const [family, rs] of groupBy(input.compute, (r) => r.family)) {
    opts.onProgress?.(`fit ${family}`);
    const warm = opts.warmStarts?.get(family);
    const fit = attempt(family, 'compute', () => fitStudyFamily(rs, { ...common, delta: opts.delta, grid: opts.grid, warmStart: warm?.fit }));
    if (fit) families.push(fit);
    opts.onProgress?.(`isoflop ${family}`);
    const iso = attempt(family, 'isoflop', () => fitIsoFlopFamily(rs, { ...common, ...opts.isoflop }));
    if (iso) isoflop.push(iso);
  }
  const eqName = opts.roles.equivariant;
  const eq = families.find((f) => f.family === eqName);
  if (!eq && input.compute.length && !failures.some((f) => f.family === eqName)) throw new Error(`roles.equivariant is "${eqName}" but the compute runs have families ${families.map((f) => `"${f.family}"`).join(', ')}: name one of them`);
  const others = families.filter((f) => f.family !== eqName);
  const frontierComparisons = eq ? others.map((o) => compareFrontiers(eq, o, opts.comparisonBudgets, opts.level)) : [];
  const runsOf = groupBy(input.compute, (r) => r.family);
  const envelopeComparisons = runsOf.has(eqName)
    ? [...runsOf.keys()].filter((f) => f !== eqName).map((f) => compareEnvelopes(runsOf.get(eqName)!, runsOf.get(f)!, { level: opts.level, seed: opts.seed }))
    : [];
  opts.onProgress?.('data scaling');
  const dataScaling: DataScalingFit[] = [];
  for (const [key, rs] of groupBy(input.data ?? [], dataGroupKey)) {
    const f = attempt(key, 'data', () => fitDataScaling(rs, { delta: opts.delta, ...common }));
    if (f) dataScaling.push(f);
  }
  let dataEfficiency: DataEfficiencyComparison | null = null;
  const dr = opts.roles.data;
  const byKey = (k: string) => dataScaling.find((f) => f.key === k);
  if (dr && dataScaling.length) {
    const [e, b, a] = [byKey(dr.equivariant), byKey(dr.baseline), byKey(dr.augmented)];
    const missing = Object.entries(dr).filter(([, k]) => !byKey(k) && !failures.some((f) => f.family === k));
    if (missing.length)
      throw new Error(`roles.data names ${missing.map(([r, k]) => `${r} = "${k}"`).join(', ')} but the data-scaling groups are ${dataScaling.map((f) => `"${f.key}"`).join(', ')}: name existing groups`);
    if (e && b && a) dataEfficiency = compareDataEfficiency(e, b, a, opts.level);
  }
  const claims = replicationScorecard(
    {
      dataEfficiency,
      dataFits: dr ? { equivariant: byKey(dr.equivariant), baseline: byKey(dr.baseline), augmented: byKey(dr.augmented) } : undefined,
      computeFits: { equivariant: eq, others },
      frontierComparisons,
      envelopeComparisons,
      isoflop: { equivariant: isoflop.find((f) => f.family === eqName), others: isoflop.filter((f) => f.family !== eqName) },
    },
    opts.scorecard,
  );
  for (const c of claims) {
    const why = failures.filter((f) => (c.id === 1 ? f.stage === 'data' : c.id === 2 ? f.stage === 'compute' : f.stage !== 'data'));
    c.details.reasons.push(...why.map((f) => `${f.family} (${f.stage}): no fit: ${f.problem}`));
  }
  return { families, frontierComparisons, envelopeComparisons, isoflop, dataScaling, dataEfficiency, claims, failures };
}
