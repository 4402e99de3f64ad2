/**
 * @equiscale/study: the analysis of a scaling study, one path for `equiscale fit`, `plot`, `demo` and the
 * dashboard — a sweep's trials as stored (studyFromRows of what libs/db loadStudyRows reads; several sweeps of
 * the study preset merged with mergeStudies), the study analysis of libs/scaling (every seed, own-FLOPs
 * frontiers, per-family IsoFLOP, data scaling at convergence, the replication scorecard, sensitivity), the
 * learning-rate choice, the figures, and the report (Markdown, self-contained HTML and report.json).
 * Science only: no database, no gRPC.
 */
import { analyzeStudy, type AnalyzeOptions, type StudyAnalysis } from './analyze.js';
import { renderFigures, type Figure } from './figures.js';
import { reportJson, reportMarkdown, writeReport, type ReportContext } from './report.js';
import type { Study } from './study.js';

export * from './study.js';
export * from './runs.js';
export * from './lr.js';
export * from './analyze.js';
export * from './figures.js';
export * from './report.js';
export * from './format.js';
export * from './benchmark-report.js';

/** Progress for humans (the CLI's progress line); optional. */
export interface StudyProgress {
  update(label: string, done: number, total: number): void;
  done(): void;
}

/** Fits, figures and the report (report.md, report.html, report.json) of a study, into outDir. */
export async function writeStudyReport(
  study: Study,
  outDir: string,
  opts: { bootstrap: number; seed: number; progress?: StudyProgress; context?: Omit<ReportContext, 'bootstrap'>; grid?: AnalyzeOptions['grid']; sensitivity?: boolean },
): Promise<{ analysis: StudyAnalysis; figures: Figure[]; report: { markdown: string; html: string; json?: string } }> {
  const analysis = analyzeStudy(study, {
    bootstrap: opts.bootstrap,
    seed: opts.seed,
    grid: opts.grid,
    sensitivity: opts.sensitivity,
    onProgress: (label) => opts.progress?.update(label, 1, 1),
  });
  opts.progress?.done();
  const figures = await renderFigures(study, analysis, outDir);
  const ctx = { ...opts.context, bootstrap: opts.bootstrap };
  const md = reportMarkdown(study, analysis, figures, ctx);
  return { analysis, figures, report: writeReport(outDir, md, figures, reportJson(study, analysis, ctx)) };
}
