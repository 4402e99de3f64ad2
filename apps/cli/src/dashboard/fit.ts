/**
 * The dashboard's live scaling fit: the same analysis as `equiscale plot` (libs/study: every seed, seed-grouped
 * bootstrap, compute-optimal frontiers from each run's own FLOPs) and the loss-vs-compute figure spec of
 * libs/scaling, on the trials as stored (TrialRecord).
 */
import { plotLossVsCompute, studyComputeFigureData } from '@equiscale/scaling';
import { analyzeRuns, isFinished, studyInput } from '@equiscale/study';
import type { TrialRecord } from '@equiscale/sweeps';

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
  /** 'determined', or 'undetermined: reasons' (libs/scaling fitStatus) */
  status?: string;
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

const interval = (iv: { lo: number; hi: number } | undefined): [number, number] | undefined => (iv && Number.isFinite(iv.lo) ? [iv.lo, iv.hi] : undefined);

export async function fitSweep(trials: readonly TrialRecord[], opts: { bootstrap: number; seed?: number; title?: string }): Promise<FitView> {
  const started = performance.now();
  const shown = trials.filter(isFinished);
  const input = studyInput({ name: '', baselines: null, trials: [...trials], curves: new Map(), elapsedS: 0 });
  const { result } = analyzeRuns({ compute: input.compute }, { bootstrap: opts.bootstrap, seed: opts.seed ?? 0 });
  const fitted = result.families.filter((f) => f.fit.identifiable);
  const spec = shown.length
    ? (
        await plotLossVsCompute(
          {
            runs: shown.map((t) => ({ family: t.trial.family, c: t.trial.plan.nominalFlops, loss: t.testLoss! })),
            frontiers: studyComputeFigureData([], fitted).frontiers,
          },
          { title: opts.title, width: 420, height: 320 },
        )
      ).spec
    : null;
  const families: FamilyFitView[] = [
    ...result.families.map((f) => {
      const iv = f.bootstrap.resamples > 0 ? f.bootstrap.intervals : undefined;
      return {
        family: f.family,
        runs: f.nRuns,
        E: f.fit.E,
        alpha: f.fit.alpha,
        beta: f.fit.beta,
        allocationA: f.allocation.a.estimate,
        alphaInterval: interval(iv?.alpha),
        betaInterval: interval(iv?.beta),
        problem: f.fit.identifiable ? undefined : `fit not identifiable: ${f.fit.reasons.join('; ')}`,
        status: f.status.summary,
      };
    }),
    ...result.failures
      .filter((x) => x.stage === 'compute')
      .map((x) => ({ family: x.family, runs: input.compute.filter((r) => r.family === x.family).length, problem: x.problem })),
  ];
  return { runs: shown.length, families, spec, fittedAt: new Date().toISOString(), ms: Math.round(performance.now() - started) };
}
