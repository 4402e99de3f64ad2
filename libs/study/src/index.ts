/**
 * @equiscale/study: the analysis of a scaling study, one path for `equiscale fit`, `plot` and `demo` — a sweep's
 * trials as stored (studyFromRows of what libs/db loadStudyRows reads), scaling-law fits per family with bootstrap
 * intervals (analyzeRuns), pairwise comparisons, the figures, and the report (Markdown, self-contained HTML and a
 * machine-readable report.json). Science only: no database, no gRPC.
 */
import { analyzeRuns, type AnalyzeOptions, type StudyAnalysis } from './analyze.js';
import { renderFigures, type Figure } from './figures.js';
import { reportJson, reportMarkdown, writeReport, type ReportContext } from './report.js';
import { fitRunsOf, type Study } from './study.js';

export * from './study.js';
export * from './analyze.js';
export * from './figures.js';
export * from './report.js';
export * from './benchmark-report.js';

/** Progress for humans (the CLI's progress line); optional. */
export interface StudyProgress {
  update(label: string, done: number, total: number): void;
  done(): void;
}

/** The fits of a study: per family at its largest training-set size (fitRunsOf), with bootstrap when asked. */
export function analyzeStudy(study: Study, opts: { bootstrap: number; seed: number; progress?: StudyProgress; approach3?: AnalyzeOptions['approach3'] }): StudyAnalysis {
  const analysis = analyzeRuns(fitRunsOf(study.trials), {
    bootstrap: opts.bootstrap,
    seed: opts.seed,
    approach3: opts.approach3,
    onProgress: (family, done, total) => opts.progress?.update(`bootstrap ${family}`, done, total),
  });
  opts.progress?.done();
  return analysis;
}

/** Fits, figures and the report (report.md, report.html, report.json) of a study, into outDir. */
export async function writeStudyReport(
  study: Study,
  outDir: string,
  opts: { bootstrap: number; seed: number; progress?: StudyProgress; context?: Omit<ReportContext, 'bootstrap'>; approach3?: AnalyzeOptions['approach3'] },
): Promise<{ analysis: StudyAnalysis; figures: Figure[]; report: { markdown: string; html: string; json?: string } }> {
  const analysis = analyzeStudy(study, opts);
  const figures = await renderFigures(study, analysis, outDir);
  const ctx = { ...opts.context, bootstrap: opts.bootstrap };
  const md = reportMarkdown(study, analysis, figures, ctx);
  return { analysis, figures, report: writeReport(outDir, md, figures, reportJson(study, analysis, ctx)) };
}
