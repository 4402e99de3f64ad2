import type { Progress } from '../progress.js';
import { analyzeRuns, type StudyAnalysis } from './analyze.js';
import { renderFigures, type Figure } from './figures.js';
import { reportMarkdown, writeReport, type ReportContext } from './report.js';
import { runsOf, type Study } from './study.js';

export * from './study.js';
export * from './analyze.js';
export * from './figures.js';
export * from './report.js';

/** Fits, figures and the report of a study, into outDir. */
export async function writeStudyReport(
  study: Study,
  outDir: string,
  opts: { bootstrap: number; seed: number; progress?: Progress; context?: Omit<ReportContext, 'bootstrap'> },
): Promise<{ analysis: StudyAnalysis; figures: Figure[]; report: { markdown: string; html: string } }> {
  const analysis = analyzeRuns(runsOf(study.trials), {
    bootstrap: opts.bootstrap,
    seed: opts.seed,
    onProgress: (family, done, total) => opts.progress?.update(`bootstrap ${family}`, done, total),
  });
  opts.progress?.done();
  const figures = await renderFigures(study, analysis, outDir);
  const md = reportMarkdown(study, analysis, figures, { ...opts.context, bootstrap: opts.bootstrap });
  return { analysis, figures, report: writeReport(outDir, md, figures) };
}
