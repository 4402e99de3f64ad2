/**
 * The dashboard's live scaling fit: the same analysis as `equiscale plot` (fitted runs, Approach-3 fits per family
 * with bootstrap bands, compute-optimal frontiers, the loss-vs-compute figure spec of libs/scaling).
 *
 * This is the ONLY dashboard file that reaches into the CLI's analysis code (../analysis); when that code moves
 * into a library, re-point the imports here.
 */
import type { DashboardTrial } from '@equiscale/db';
import { frontierSeries, plotLossVsCompute } from '@equiscale/scaling';
import { analyzeRuns } from '../analysis/analyze.js';
import { fitRunsOf, runsOf, type StudyTrial } from '../analysis/study.js';

export interface FamilyFitView {
  family: string;
  /** runs the law was fitted to */
  runs: number;
  E?: number;
  alpha?: number;
  beta?: number;
  /** N_opt ∝ C^a */
  allocationA?: number;
  /** 95% bootstrap interval of alpha, beta when bootstrapped */
  alphaInterval?: [number, number];
  betaInterval?: [number, number];
  /** why there is no usable fit (too few runs, not identifiable, …) */
  problem?: string;
}

export interface FitView {
  /** finished runs on the chart */
  runs: number;
  families: FamilyFitView[];
  /** Vega-Lite spec of test loss vs compute with the frontiers and bands (data inlined); null when no run finished */
  spec: object | null;
  fittedAt: string;
  ms: number;
}

function studyTrial(t: DashboardTrial): StudyTrial {
  return {
    id: t.id,
    cellKey: t.cellKey,
    family: t.family,
    augment: t.augment,
    paramCount: t.paramCount,
    steps: t.steps,
    batchSize: t.batchSize,
    trainSize: t.trainSize,
    seed: t.seed,
    nominalFlops: t.nominalFlops,
    status: t.status,
    testLoss: t.testLoss,
    valLoss: t.valLoss,
    wallTimeS: t.wallTimeS,
  };
}

const interval = (iv: { lo: number; hi: number } | undefined): [number, number] | undefined => (iv ? [iv.lo, iv.hi] : undefined);

export async function fitSweep(trials: readonly DashboardTrial[], opts: { bootstrap: number; seed?: number; title?: string }): Promise<FitView> {
  const started = performance.now();
  // a WSD trunk is not a fit point (its branches are the runs)
  const study = trials.filter((t) => t.role !== 'trunk').map(studyTrial);
  const shown = runsOf(study);
  const analysis = analyzeRuns(fitRunsOf(study), { bootstrap: opts.bootstrap, seed: opts.seed ?? 0 });
  const fitted = analysis.families.filter((f) => f.result && !f.problem && f.result.kappa !== undefined);
  const spec = shown.length
    ? (
        await plotLossVsCompute(
          {
            runs: shown.map((r) => ({ family: r.family!, c: r.c!, loss: r.loss })),
            frontiers: fitted.map((f) => ({
              family: f.family,
              points: frontierSeries(f.result!.fit, f.result!.kappa!, analysis.budgets, f.result!.bootstrap?.samples),
            })),
          },
          { title: opts.title, width: 420, height: 320 },
        )
      ).spec
    : null;
  const families: FamilyFitView[] = analysis.families.map((f) => {
    const r = f.result;
    const iv = r?.bootstrap?.intervals;
    return {
      family: f.family,
      runs: f.runs,
      E: r?.fit.E,
      alpha: r?.fit.alpha,
      beta: r?.fit.beta,
      allocationA: r?.allocation?.a,
      alphaInterval: interval(iv?.alpha),
      betaInterval: interval(iv?.beta),
      problem: f.problem,
    };
  });
  return { runs: shown.length, families, spec, fittedAt: new Date().toISOString(), ms: Math.round(performance.now() - started) };
}
