import type { Progress } from '../progress.js';
import { analyzeRuns, type StudyAnalysis } from './analyze.js';
import { renderFigures, type Figure } from './figures.js';
import { reportMarkdown, writeReport, type ReportContext } from './report.js';
import { fitRunsOf, type Study } from './study.js';

export * from './study.js';

/** Test-set losses of the trivial predictors, regenerated from the sweep's benchmark config (null if unavailable). */
async function studyBaselines(study: Study, cacheDir: string) {
  if (!study.benchmark) return null;
  try {
    const { baselineLosses, loadDataset } = await import('@equiscale/rigid-body');
    const { test } = await loadDataset(study.benchmark, { trainSize: 1, cacheDir });
    return baselineLosses(test, study.benchmark.pastOffset, study.benchmark.horizon);
  } catch {
    return null;
  }
}
export * from './analyze.js';
export * from './figures.js';
export * from './report.js';

/** Fits, figures and the report of a study, into outDir. */
export async function writeStudyReport(
  study: Study,
  outDir: string,
  opts: { bootstrap: number; seed: number; progress?: Progress; context?: Omit<ReportContext, 'bootstrap'>; cacheDir?: string },
): Promise<{ analysis: StudyAnalysis; figures: Figure[]; report: { markdown: string; html: string } }> {
  const analysis = analyzeRuns(fitRunsOf(study.trials), {
    bootstrap: opts.bootstrap,
    seed: opts.seed,
    onProgress: (family, done, total) => opts.progress?.update(`bootstrap ${family}`, done, total),
  });
  opts.progress?.done();
  const figures = await renderFigures(study, analysis, outDir);
  const baselines = await studyBaselines(study, opts.cacheDir ?? '.equiscale/cache');
  const md = reportMarkdown(study, analysis, figures, { ...opts.context, bootstrap: opts.bootstrap, baselines });
  return { analysis, figures, report: writeReport(outDir, md, figures) };
}
