/**
 * A compact, JSON-ready report object (for equiscale-out/report.json): per-family fits with intervals and fit
 * status, comparisons, the scorecard (`claims`: id, paper, measured, verdict), the FLOP convention, the sweep
 * design (as the caller describes it) and, when given, the sensitivity analysis. Bootstrap samples are dropped;
 * non-finite numbers become null.
 */
import type { StudyAnalysis } from './analyze.js';
import type { SensitivityReport } from './sensitivity.js';

export interface StudyReportInput {
  analysis: StudyAnalysis;
  /** How FLOPs were counted, in words (e.g. "executed FLOPs: 6·weights·tokens per layer, GATr per gatr-spec §5"). */
  flopConvention: string;
  /** Parameter-count convention in words (e.g. "all parameters incl. input/output layers"). */
  parameterConvention?: string;
  /** The sweep design as the caller planned it (sizes, seeds, branches, data sizes, lr choice…): copied as given. */
  design: unknown;
  sensitivity?: SensitivityReport;
  /** Anything else to carry (wall time, versions…). */
  meta?: Record<string, unknown>;
}

const r4 = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : null);

/** Deep copy with non-finite numbers → null and numbers rounded to 6 significant digits. */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'number') return r4(v);
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x !== 'function').map(([k, x]) => [k, jsonSafe(x)]));
  return v;
}

export function buildStudyReport(x: StudyReportInput): Record<string, unknown> {
  const a = x.analysis;
  const out = {
    schema: 'equiscale.study-report/1',
    flopConvention: x.flopConvention,
    parameterConvention: x.parameterConvention ?? null,
    design: x.design,
    claims: a.claims.map((c) => ({ id: c.id, paper: c.paper, measured: c.measured, verdict: c.verdict, details: c.details })),
    fits: a.families.map((f) => ({
      family: f.family,
      method: 'approach 3 (Hoffmann grid, Huber on log-residuals)',
      runs: f.nRuns,
      seeds: f.seeds,
      sizes: f.sizes,
      delta: f.delta,
      status: f.status.status,
      reasons: f.status.reasons,
      E: { estimate: f.fit.E, interval: f.bootstrap.intervals.E },
      A: { estimate: f.fit.A, interval: f.bootstrap.intervals.A },
      B: { estimate: f.fit.B, interval: f.bootstrap.intervals.B },
      alpha: { estimate: f.fit.alpha, interval: f.bootstrap.intervals.alpha },
      beta: { estimate: f.fit.beta, interval: f.bootstrap.intervals.beta },
      bootstrap: { resamples: f.bootstrap.resamples, failed: f.bootstrap.failed, level: f.bootstrap.level, grouping: f.bootstrap.grouping },
      crossCheck: { disagree: f.crossCheck.disagree, message: f.crossCheck.message, vpnls: { E: f.crossCheck.vpnls.E, alpha: f.crossCheck.vpnls.alpha, beta: f.crossCheck.vpnls.beta } },
      allocation: f.allocation,
      powerLawInCompute: f.computePowerLaw,
      flopsPerSample: f.flops.sizes,
      frontier: f.frontier.map((p) => ({ c: p.c, n: p.n, d: p.d, loss: p.loss, lossInterval: p.lossInterval, extrapolated: p.extrapolated })),
    })),
    isoflop: a.isoflop.map((f) => ({
      family: f.family,
      status: f.status.status,
      reasons: f.status.reasons,
      a: f.a,
      b: f.b,
      usableBins: f.usableBins,
      bins: f.bins.map((b) => ({ c: b.c, runs: b.runs, sizes: b.sizes, nOpt: b.nOpt, nOptInterval: b.nOptInterval, dOpt: b.dOpt, offCentre: b.offCentre, usable: b.usable, reason: b.reason ?? null })),
    })),
    dataScaling: a.dataScaling.map((f) => ({
      group: f.key,
      family: f.family,
      augmented: f.augmented,
      runs: f.nRuns,
      status: f.status.status,
      reasons: f.status.reasons,
      E: f.E,
      B: f.B,
      beta: f.beta,
      sizes: f.sizes,
    })),
    comparisons: {
      frontiers: a.frontierComparisons,
      dataEfficiency: a.dataEfficiency,
    },
    sensitivity: x.sensitivity ? { summary: x.sensitivity.summary, changes: x.sensitivity.changes, baseline: x.sensitivity.baseline, variants: x.sensitivity.variants } : null,
    ...(x.meta ? { meta: x.meta } : {}),
  };
  return jsonSafe(out) as Record<string, unknown>;
}
