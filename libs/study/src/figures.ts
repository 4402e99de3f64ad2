/** The study's figures (the seed paper's set), rendered from a study and its analysis into a folder. */
import {
  fitApproach2,
  frontierSeries,
  plotIsoFlop,
  plotLearningCurves,
  plotLossVsCompute,
  plotLossVsDataSize,
  plotOptimalAllocation,
  type AllocationSeries,
  type IsoFlopProfile,
} from '@equiscale/scaling';
import type { StudyAnalysis } from './analyze.js';
import { runsOf, type Study } from './study.js';

export interface Figure {
  name: string;
  title: string;
  caption: string;
  png: string;
  svg: string;
}

export async function renderFigures(study: Study, analysis: StudyAnalysis, outDir: string): Promise<Figure[]> {
  const runs = runsOf(study.trials);
  const figures: Figure[] = [];
  const add = (name: string, title: string, caption: string, out: { files?: { svg: string; png: string } }) => {
    if (out.files) figures.push({ name, title, caption, png: out.files.png, svg: out.files.svg });
  };
  if (runs.length === 0) return figures;

  const fitted = analysis.families.filter((f) => f.result && !f.problem && f.result.kappa !== undefined);
  add(
    'loss-vs-compute',
    'Test loss vs training compute',
    'One dot per run; lines: compute-optimal frontier of each family’s fitted scaling law; bands: 95% bootstrap interval.',
    await plotLossVsCompute(
      {
        runs: runs.map((r) => ({ family: r.family!, c: r.c!, loss: r.loss })),
        frontiers: fitted.map((f) => ({
          family: f.family,
          points: frontierSeries(f.result!.fit, f.result!.kappa!, analysis.budgets, f.result!.bootstrap?.samples),
        })),
      },
      { outDir, name: 'loss-vs-compute', title: `${study.name}: test loss vs training compute` },
    ),
  );

  // Best test loss per (family, training-set size): data efficiency, with and without augmentation.
  const best = new Map<string, { family: string; d: number; loss: number; augmented: boolean }>();
  for (const r of study.trials) {
    if (r.status !== 'completed' || !(r.testLoss && r.testLoss > 0)) continue;
    const t = r.trial;
    const k = `${t.family}|${t.trainSize}`;
    const cur = best.get(k);
    if (!cur || r.testLoss < cur.loss) best.set(k, { family: t.family, d: t.trainSize, loss: r.testLoss, augmented: t.augment });
  }
  add(
    'loss-vs-data',
    'Test loss vs training-set size',
    'Best test loss reached at each training-set size, per family (filled shapes mark augmented training).',
    await plotLossVsDataSize(
      { points: [...best.values()], dataLabel: 'Training-set size (examples)' },
      { outDir, name: 'loss-vs-data', title: `${study.name}: data efficiency` },
    ),
  );

  // IsoFLOP profiles: runs grouped into budgets (within 10%), a parabola where a budget has ≥ 3 model sizes. Only
  // runs of such budgets are drawn: a grid sweep's other runs belong to no profile (an iso-FLOP design fills them).
  let profiles: IsoFlopProfile[] = [];
  try {
    profiles = fitApproach2(runs).profiles;
  } catch {
    profiles = [];
  }
  const near = (c: number) => profiles.some((p) => Math.abs(Math.log(c / p.c)) <= Math.log(1.1));
  const isoRuns = runs.filter((r) => near(r.c!));
  if (isoRuns.length > 0) {
    add(
      'isoflop',
      'IsoFLOP curves',
      'Loss against model size at (nearly) equal compute, all families pooled; parabolas in log N and their minima, for budgets with at least 3 model sizes.',
      await plotIsoFlop(
        { points: isoRuns.map((r) => ({ c: r.c!, n: r.n, loss: r.loss })), profiles },
        { outDir, name: 'isoflop', title: `${study.name}: IsoFLOP profiles` },
      ),
    );
  }

  const series: AllocationSeries[] = fitted.map((f) => {
    const b = f.result!.bootstrap?.budgets;
    return {
      family: f.family,
      points: (f.result!.frontier ?? []).map((p, i) => ({
        c: p.c,
        n: p.n,
        d: p.d,
        nLo: b?.[i]?.n.lo,
        nHi: b?.[i]?.n.hi,
        dLo: b?.[i]?.d.lo,
        dHi: b?.[i]?.d.hi,
      })),
    };
  });
  if (series.some((s) => s.points.length)) {
    add(
      'optimal-allocation',
      'Compute-optimal model size and training samples',
      'N_opt(C) and D_opt(C) from each family’s fitted law, with 95% bootstrap bands.',
      await plotOptimalAllocation(series, { outDir, name: 'optimal-allocation', title: `${study.name}: compute-optimal allocation` }),
    );
  }

  const curves = study.trials
    .filter((t) => (study.curves.get(t.id)?.length ?? 0) > 0)
    .map((t) => ({ trial: t.trial.cellKey, points: study.curves.get(t.id)!.filter((p) => p.step > 0 && p.loss > 0) }))
    .filter((c) => c.points.length > 0);
  if (curves.length) {
    add(
      'learning-curves',
      'Learning curves',
      'Validation loss during training, one line per trial.',
      await plotLearningCurves({ trials: curves, lossLabel: 'Validation loss (MSE)' }, { outDir, name: 'learning-curves', title: `${study.name}: learning curves` }),
    );
  }
  return figures;
}
