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
  /** compute budgets (FLOPs) spanning the runs, where frontiers and comparisons are evaluated */
  budgets: number[];
}

export interface AnalyzeOptions {
  bootstrap: number;
  seed: number;
  onProgress?: (family: string, done: number, total: number) => void;
}

/** Pairs compared, first over second: the equivariant model against each baseline, then augmentation's effect. */
const PREFERRED_PAIRS: [string, string][] = [
  ['gatr', 'transformer'],
  ['gatr', 'transformer+augment'],
  ['transformer+augment', 'transformer'],
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
      const [result] = fitFamilies(fr, { bootstrap: opts.bootstrap > 0 ? { resamples: opts.bootstrap, seed: opts.seed } : 0, budgets, onProgress: opts.onProgress });
      const problem = result.fit.identifiable ? undefined : `fit not identifiable: ${result.fit.reasons.join('; ')}`;
      families.push({ family, runs: fr.length, result, problem });
    } catch (e) {
      families.push({ family, runs: fr.length, problem: (e as Error).message });
    }
  }
  const usable = new Map(families.filter((f) => f.result && !f.problem && f.result.kappa !== undefined).map((f) => [f.family, f.result!]));
  const pairs = PREFERRED_PAIRS.filter(([a, b]) => usable.has(a) && usable.has(b));
  const comparisons = pairs.map(([a, b]) => compareFitResults(usable.get(a)!, usable.get(b)!, budgets));
  return { families, comparisons, budgets };
}
