/**
 * Sensitivity of the verdicts to conventions: the analysis is recomputed under alternative FLOPs conventions
 * (nominal, executed, wall-clock time — each just a different `flops` per run), parameter-count conventions (with
 * or without input/output layers — a different `n` per run) and Huber δ, one convention changed at a time from
 * the baseline, and every change of a claim verdict or of a family's fit status is reported.
 * Refits start from the baseline optimum plus a 108-start grid (SENSITIVITY_GRID), not the full 4500-start grid.
 */
import { SENSITIVITY_GRID } from './fit.js';
import { analyzeStudy, type StudyAnalysis, type StudyAnalysisOptions, type StudyRunsInput } from './analyze.js';
import type { Verdict } from './scorecard.js';
import type { StudyRun } from './types.js';

export interface SensitivityConventions {
  /** FLOPs conventions: name → this run's flops under it. The first is the baseline. */
  flops?: Record<string, (r: StudyRun) => number>;
  /** Parameter-count conventions: name → this run's n under it. The first is the baseline. */
  n?: Record<string, (r: StudyRun) => number>;
  /** Huber δ values; the first is the baseline. Default [1e-3, 1e-2, 1e-1]. */
  deltas?: number[];
}

export interface SensitivityVariant {
  /** e.g. "flops=executed", "n=non-embedding", "delta=0.01". */
  name: string;
  flops: string;
  n: string;
  delta: number;
  verdicts: { id: number; verdict: Verdict }[];
  fitStatus: { family: string; status: 'determined' | 'undetermined' }[];
  /** Headline numbers: per family α, β, allocation slope a; IsoFLOP a. */
  exponents: { family: string; alpha: number; beta: number; allocationA: number; isoflopA: number }[];
}

export interface SensitivityChange {
  variant: string;
  what: string;
  baseline: string;
  now: string;
}

export interface SensitivityReport {
  baseline: SensitivityVariant;
  variants: SensitivityVariant[];
  /** Every verdict or fit status that differs from the baseline; empty when nothing changes. */
  changes: SensitivityChange[];
  /** One line for the report. */
  summary: string;
}

function summarise(name: string, flops: string, n: string, delta: number, a: StudyAnalysis): SensitivityVariant {
  return {
    name,
    flops,
    n,
    delta,
    verdicts: a.claims.map((c) => ({ id: c.id, verdict: c.verdict })),
    fitStatus: [
      ...a.families.map((f) => ({ family: `${f.family} (approach 3)`, status: f.status.status })),
      ...a.isoflop.map((f) => ({ family: `${f.family} (IsoFLOP)`, status: f.status.status })),
      ...a.dataScaling.map((f) => ({ family: `${f.key} (data scaling)`, status: f.status.status })),
    ],
    exponents: a.families.map((f) => ({
      family: f.family,
      alpha: f.fit.alpha,
      beta: f.fit.beta,
      allocationA: f.allocation.a.estimate,
      isoflopA: a.isoflop.find((i) => i.family === f.family)?.a.estimate ?? NaN,
    })),
  };
}

/**
 * Runs the baseline analysis (first convention of each kind) and one variant per other convention; returns the
 * variants and every change. Pass `baseline` to reuse an analysis already computed under the first conventions.
 */
export function sensitivityAnalysis(
  input: StudyRunsInput,
  conventions: SensitivityConventions,
  opts: StudyAnalysisOptions,
  baseline?: StudyAnalysis,
): SensitivityReport {
  const fl = Object.entries(conventions.flops ?? { given: (r: StudyRun) => r.flops });
  const ns = Object.entries(conventions.n ?? { given: (r: StudyRun) => r.n });
  const deltas = conventions.deltas ?? [1e-3, 1e-2, 1e-1];
  if (!fl.length || !ns.length || !deltas.length) throw new Error('sensitivityAnalysis: give at least one convention of each kind (or leave it out)');
  const map = (f: (r: StudyRun) => number, g: (r: StudyRun) => number) => (rs: readonly StudyRun[] | undefined) =>
    rs?.map((r) => ({ ...r, flops: f(r), n: g(r) }));
  const inputFor = (fi: number, ni: number): StudyRunsInput => {
    const m = map(fl[fi][1], ns[ni][1]);
    return { compute: m(input.compute)!, data: m(input.data) };
  };
  const base = baseline ?? analyzeStudy(inputFor(0, 0), { ...opts, delta: deltas[0] });
  const warm = new Map(base.families.map((f) => [f.family, f]));
  const b = summarise('baseline', fl[0][0], ns[0][0], deltas[0], base);
  const variants: SensitivityVariant[] = [];
  const run = (name: string, fi: number, ni: number, delta: number) => {
    const a = analyzeStudy(inputFor(fi, ni), { ...opts, delta, grid: SENSITIVITY_GRID, warmStarts: warm });
    variants.push(summarise(name, fl[fi][0], ns[ni][0], delta, a));
  };
  for (let i = 1; i < fl.length; i++) run(`flops=${fl[i][0]}`, i, 0, deltas[0]);
  for (let i = 1; i < ns.length; i++) run(`n=${ns[i][0]}`, 0, i, deltas[0]);
  for (let i = 1; i < deltas.length; i++) run(`delta=${deltas[i]}`, 0, 0, deltas[i]);
  const changes: SensitivityChange[] = [];
  for (const v of variants) {
    for (const c of v.verdicts) {
      const was = b.verdicts.find((x) => x.id === c.id)?.verdict;
      if (was !== c.verdict) changes.push({ variant: v.name, what: `claim ${c.id}`, baseline: String(was), now: c.verdict });
    }
    for (const s of v.fitStatus) {
      const was = b.fitStatus.find((x) => x.family === s.family)?.status;
      if (was !== s.status) changes.push({ variant: v.name, what: `${s.family} fit`, baseline: String(was), now: s.status });
    }
  }
  const summary = changes.length
    ? `${changes.length} change(s) under other conventions: ${changes.map((c) => `${c.what} ${c.baseline} → ${c.now} under ${c.variant}`).join('; ')}`
    : `no verdict or fit status changes under ${variants.map((v) => v.name).join(', ')}`;
  return { baseline: b, variants, changes, summary };
}
