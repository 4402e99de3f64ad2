/**
 * The study's figures in the seed study's style, rendered from the study analysis into a folder: Fig. 1 test loss
 * vs each run's own training FLOPs with the own-FLOPs frontiers and 95% bands, Fig. 2 loss at convergence vs
 * training-set size with and without augmentation, Fig. 3 per-family IsoFLOP profiles with compute-optimal N and
 * D, and the learning curves (one panel per family, colour by model size).
 */
import { plotLearningCurvesByFamily, plotStudyDataScaling, plotStudyIsoFlop, plotStudyLossVsCompute, type PlotOutput } from '@equiscale/scaling';
import type { StudyAnalysis } from './analyze.js';
import type { Study } from './study.js';

export interface Figure {
  name: string;
  title: string;
  caption: string;
  png: string;
  svg: string;
}

export async function renderFigures(study: Study, analysis: StudyAnalysis, outDir: string): Promise<Figure[]> {
  const figures: Figure[] = [];
  const add = async (name: string, title: string, caption: string, draw: () => Promise<PlotOutput>) => {
    const out = await draw();
    if (out.files) figures.push({ name, title, caption, png: out.files.png, svg: out.files.svg });
  };
  const { input, result } = analysis;
  const opts = (name: string, title: string) => ({ outDir, name, title: `${study.name}: ${title}` });
  if (input.compute.length) {
    await add(
      'loss-vs-compute',
      'Fig. 1 — test loss vs training compute',
      'One dot per run at its own nominal training FLOPs (every seed); lines: each family’s compute-optimal frontier from its fitted law and its runs’ own FLOPs per sample; bands: 95% seed-grouped bootstrap interval.',
      () => plotStudyLossVsCompute(input.compute, result.families, opts('loss-vs-compute', 'test loss vs training compute')),
    );
  }
  if (result.dataScaling.length) {
    await add(
      'loss-vs-data',
      'Fig. 2 — test loss vs training-set size',
      'Test loss of the run chosen on validation at each training-set size (geometric mean over seeds), without (solid) and with (dashed) augmentation; curves: L = E + B·D^−β fitted per group with 95% bands. Epochs are in the tooltips and in report.json.',
      () => plotStudyDataScaling(result.dataScaling, opts('loss-vs-data', 'data efficiency')),
    );
  }
  if (result.isoflop.length && input.compute.length) {
    await add(
      'isoflop',
      'Fig. 3 — IsoFLOP profiles and compute-optimal N and D',
      'Per family (never pooled): runs binned by their own FLOPs, a parabola in ln N per bin with at least 3 model sizes and its minimum; below, N_opt and D_opt against compute with the bins’ intervals and the fitted power laws.',
      () => plotStudyIsoFlop(input.compute, result.isoflop, opts('isoflop', 'IsoFLOP profiles')),
    );
  }
  const curves = study.trials
    .filter((t) => t.trial.role !== 'trunk')
    .map((t) => ({
      family: t.trial.family,
      n: t.trial.plan.paramCount,
      seed: t.trial.seed,
      label: t.trial.cellKey,
      points: (study.curves.get(t.id) ?? []).filter((p) => p.step > 0 && p.loss > 0),
    }))
    .filter((c) => c.points.length > 0);
  if (curves.length) {
    await add(
      'learning-curves',
      'Learning curves',
      'Validation loss during training: one panel per family, one line per run, colour by model size.',
      () => plotLearningCurvesByFamily({ curves, lossLabel: 'Validation loss (MSE)' }, opts('learning-curves', 'learning curves')),
    );
  }
  return figures;
}
