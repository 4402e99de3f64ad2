/** Plot fixtures built from fitted results on synthetic runs (used by the plot tests and for eyeballing). */
import { fitApproach2 } from '../approach2.js';
import type { LawParams } from '../approach3.js';
import { fitFamilies } from '../fit-families.js';
import { logSpace } from '../frontier.js';
import type { AllocationSeries, IsoFlopData, LearningCurvesData, LossVsComputeData, LossVsDataSizeData } from '../plots/plots.js';
import { frontierSeries } from '../plots/plots.js';
import { optimalIntervals, sampleLaws } from '../bootstrap.js';
import { makeRng } from '../rng.js';
import { synthesizeRuns } from '../synthetic.js';
import type { StartGrid } from '../approach3.js';

export const LAW_EQUIVARIANT: LawParams = { E: 0.02, A: 40, B: 300, alpha: 0.45, beta: 0.5 };
export const LAW_BASELINE: LawParams = { E: 0.03, A: 60, B: 250, alpha: 0.4, beta: 0.42 };
/** A small start grid that finds these laws (the full grid is the default in fitApproach3). */
export const SMALL_GRID: StartGrid = { a: [0, 5, 10], b: [0, 5, 10], e: [-4, -2, 0], alpha: [0.5], beta: [0.5] };

export interface PlotFixtures {
  compute: LossVsComputeData;
  data: LossVsDataSizeData;
  isoflop: IsoFlopData;
  allocation: AllocationSeries[];
  curves: LearningCurvesData;
}

export function makePlotFixtures(): PlotFixtures {
  const nSizes = logSpace(1e5, 1e8, 6);
  const dSizes = logSpace(1e5, 1e8, 6);
  const runs = [
    ...synthesizeRuns(LAW_EQUIVARIANT, { nSizes, dSizes, family: 'GATr', kappa: 6 * 28, rng: 1, noise: 0.02 }),
    ...synthesizeRuns(LAW_BASELINE, { nSizes, dSizes, family: 'Transformer', kappa: 6, rng: 2, noise: 0.02 }),
  ];
  const budgets = logSpace(1e12, 1e18, 13);
  const fits = fitFamilies(runs, { approach3: { grid: SMALL_GRID }, bootstrap: { resamples: 40, seed: 3 }, budgets, crossCheck: false });
  const compute: LossVsComputeData = {
    runs: runs.map((r) => ({ family: r.family!, c: r.c!, loss: r.loss })),
    frontiers: fits.map((f) => ({ family: f.family, points: frontierSeries(f.fit, f.kappa!, budgets, f.bootstrap?.samples) })),
  };
  const rng = makeRng(5);
  const data: LossVsDataSizeData = {
    points: dSizes.flatMap((d) =>
      [false, true].flatMap((aug) => [
        { family: 'GATr', d, augmented: aug, loss: (LAW_EQUIVARIANT.E + LAW_EQUIVARIANT.B / d ** LAW_EQUIVARIANT.beta) * Math.exp(0.02 * rng.normal()) },
        { family: 'Transformer', d, augmented: aug, loss: (LAW_BASELINE.E + (aug ? 0.8 : 1.3) * LAW_BASELINE.B / d ** LAW_BASELINE.beta) * Math.exp(0.02 * rng.normal()) },
      ]),
    ),
  };
  // IsoFLOP sweep: at each budget, model sizes around the optimum.
  const iso = [1e13, 1e14, 1e15].flatMap((c) =>
    logSpace(1e5, 3e7, 7).map((n) => {
      const d = c / (6 * n);
      return { n, d, c, loss: (LAW_BASELINE.E + LAW_BASELINE.A / n ** LAW_BASELINE.alpha + LAW_BASELINE.B / d ** LAW_BASELINE.beta) * Math.exp(0.01 * rng.normal()) };
    }),
  );
  const a2 = fitApproach2(iso, { kappa: 6 });
  const isoflop: IsoFlopData = { points: iso, profiles: a2.profiles };
  const allocation: AllocationSeries[] = fits.map((f) => {
    const iv = optimalIntervals(sampleLaws(f.bootstrap!.samples), f.kappa!, budgets, 0.95);
    return {
      family: f.family,
      points: f.frontier!.map((p, i) => ({ c: p.c, n: p.n, d: p.d, nLo: iv[i].n.lo, nHi: iv[i].n.hi, dLo: iv[i].d.lo, dHi: iv[i].d.hi })),
    };
  });
  const curves: LearningCurvesData = {
    xLabel: 'Training step',
    trials: [1e5, 1e6, 1e7].map((n) => ({
      trial: `N=${n.toExponential(0)}`,
      points: logSpace(100, 1e5, 20).map((step) => ({ step, loss: LAW_BASELINE.E + LAW_BASELINE.A / n ** 0.4 + 5 / step ** 0.5 })),
    })),
  };
  return { compute, data, isoflop, allocation, curves };
}
