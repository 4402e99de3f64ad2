/**
 * The scaling analysis of a set of runs: per family an Approach-3 fit (with bootstrap intervals and the
 * variable-projection cross-check), the compute-optimal frontier, and pairwise family comparisons. Families that
 * cannot be fitted keep their error instead of a number.
 */
import {
  compareFitResults,
  fitFamilies,
  logSpace,
  type FamilyComparison,
  type FamilyFitResult,
  type FitFamiliesOptions,
  type Run,
} from '@equiscale/scaling';

export interface FamilyAnalysis {
  family: string;
  runs: number;
  result?: FamilyFitResult;
  /** why there is no usable fit */
  problem?: string;
}

export interface StudyAnalysis {
  families: FamilyAnalysis[];
  comparisons: FamilyComparison[];
  /** compute budgets (FLOPs) spanning the runs, where frontiers are drawn */
  budgets: number[];
  /** family pairs that could both be fitted but whose runs share no compute range */
  noOverlap: [string, string][];
}

export interface AnalyzeOptions {
  bootstrap: number;
  seed: number;
  /** fitting options (e.g. a smaller start grid in tests); default: the full Approach-3 grid */
  approach3?: FitFamiliesOptions['approach3'];
  onProgress?: (family: string, done: number, total: number) => void;
}

/** Pairs compared, first over second: the equivariant model against each baseline, then augmentation's effect. */
const PREFERRED_PAIRS: [string, string][] = [
  ['gatr', 'transformer'],
  ['gatr', 'transformer+augment'],
  ['transformer+augment', 'transformer'],
  // the weight-space benchmark (libs/weight-space): the same questions for hidden-neuron permutations
  ['dwsnet', 'mlp'],
  ['dwsnet', 'mlp+permute'],
  ['mlp+permute', 'mlp'],
];

export function analyzeRuns(runs: readonly Run[], opts: AnalyzeOptions): StudyAnalysis {
  const cs = runs.map((r) => r.c).filter((c): c is number => c !== undefined);
  const budgets = cs.length ? logSpace(Math.min(...cs), Math.max(...cs), 9) : [];
  const byFamily = new Map<string, Run[]>();
  for (const r of runs) {
    const f = r.family ?? 'all';
    byFamily.set(f, [...(byFamily.get(f) ?? []), r]);
  }
  const families: FamilyAnalysis[] = [];
  for (const [family, fr] of byFamily) {
    try {
      const [result] = fitFamilies(fr, { approach3: opts.approach3, bootstrap: opts.bootstrap > 0 ? { resamples: opts.bootstrap, seed: opts.seed } : 0, budgets, onProgress: opts.onProgress });
      const problem = result.fit.identifiable ? undefined : `fit not identifiable: ${result.fit.reasons.join('; ')}`;
      families.push({ family, runs: fr.length, result, problem });
    } catch (e) {
      families.push({ family, runs: fr.length, problem: (e as Error).message });
    }
  }
  const usable = new Map(families.filter((f) => f.result && !f.problem && f.result.kappa !== undefined).map((f) => [f.family, f.result!]));
  const range = (family: string) => {
    const c = (byFamily.get(family) ?? []).map((r) => r.c!).filter((x) => x > 0);
    return [Math.min(...c), Math.max(...c)] as const;
  };
  const comparisons: FamilyComparison[] = [];
  const noOverlap: [string, string][] = [];
  for (const [a, b] of PREFERRED_PAIRS.filter(([a, b]) => usable.has(a) && usable.has(b))) {
    // Compare only where both families have runs: outside, a frontier is an extrapolation.
    const [loA, hiA] = range(a);
    const [loB, hiB] = range(b);
    const lo = Math.max(loA, loB);
    const hi = Math.min(hiA, hiB);
    if (!(lo < hi)) {
      noOverlap.push([a, b]);
      continue;
    }
    comparisons.push(compareFitResults(usable.get(a)!, usable.get(b)!, logSpace(lo, hi, 5)));
  }
  return { families, comparisons, budgets, noOverlap };
}
