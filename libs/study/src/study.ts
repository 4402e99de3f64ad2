/**
 * A sweep's results as the analysis sees them: the trials as stored (TrialRecord: the planned trial plus status
 * and losses), the validation curves, the sweep's benchmark config and its baseline losses. Built from what
 * libs/db reads (loadStudyRows); no database and no fitting here.
 */
import type { BaselineLosses as RigidBodyBaselines, BenchmarkConfig } from '@equiscale/rigid-body';
import type { TrialRecord, WeightSpaceSpecBenchmark } from '@equiscale/sweeps';

/** equiscale.v1.BaselineLosses: the rigid-body predictors, or on the weight-space benchmark predictMean (the others 0). */
export type BaselineLosses = RigidBodyBaselines & { predictMean?: number };

/** What libs/db loadStudyRows reads of one sweep. */
export interface StudyRows {
  name: string;
  /** the sweep's normalized spec (its benchmark config is spec.benchmark) */
  spec: unknown;
  /** the trivial predictors' test losses, stored once with the sweep (null: not measured, e.g. an older sweep) */
  baselines: BaselineLosses | null;
  trials: TrialRecord[];
  /** validation-loss points of every trial, ordered by trial, step and attempt (a later attempt wins a step) */
  valPoints: { trialId: number; step: number; loss: number }[];
  /** elapsed seconds between the sweep's first claim and its end (or now) */
  elapsedS: number;
}

/**
 * What a sweep's trials are for in a study of several sweeps (the `study` preset): the learning-rate sweep, the
 * compute-scaling runs (fresh data, WSD branches) or the data-scaling runs (trained to convergence). A single
 * grid sweep (the demo) has no purposes: its runs at each family's largest training-set size are the compute
 * runs, and all its runs (best per training-set size on validation) the data-scaling points.
 */
export type TrialPurpose = 'lr' | 'compute' | 'data';

export interface Study {
  name: string;
  /** per trial id, when the study merges sweeps with distinct purposes (mergeStudies); absent for one sweep */
  purposes?: Map<number, TrialPurpose>;
  /** the sweep design as planned (the preset's summary), written into report.json */
  design?: unknown;
  /** the sweep's benchmark config (from its stored spec), when present: rigid-body, or `{ kind: 'weight-space', ... }` */
  benchmark?: BenchmarkConfig | WeightSpaceSpecBenchmark;
  baselines: BaselineLosses | null;
  trials: TrialRecord[];
  /** val-loss series per trial id (latest attempt's points win on duplicate steps) */
  curves: Map<number, { step: number; loss: number }[]>;
  elapsedS: number;
}

export function studyFromRows(rows: StudyRows): Study {
  const byStep = new Map<number, Map<number, number>>();
  for (const m of rows.valPoints) {
    let s = byStep.get(m.trialId);
    if (!s) byStep.set(m.trialId, (s = new Map()));
    s.set(m.step, m.loss); // ordered by attempt: a later attempt overwrites
  }
  const curves = new Map<number, { step: number; loss: number }[]>();
  for (const [id, s] of byStep) curves.set(id, [...s].sort((a, b) => a[0] - b[0]).map(([step, loss]) => ({ step, loss })));
  const spec = rows.spec as { benchmark?: BenchmarkConfig | WeightSpaceSpecBenchmark } | null;
  return { name: rows.name, benchmark: spec?.benchmark, baselines: rows.baselines, trials: rows.trials, curves, elapsedS: rows.elapsedS };
}

/**
 * One study of several sweeps (the `study` preset runs a learning-rate sweep, then compute and data scaling):
 * trials and curves side by side, each trial tagged with its sweep's purpose. Trial ids are database ids, unique
 * across sweeps of one database.
 */
export function mergeStudies(name: string, parts: readonly { purpose: TrialPurpose; study: Study }[], design?: unknown): Study {
  const purposes = new Map<number, TrialPurpose>();
  const curves = new Map<number, { step: number; loss: number }[]>();
  const trials: TrialRecord[] = [];
  for (const { purpose, study } of parts) {
    for (const t of study.trials) {
      purposes.set(t.id, purpose);
      trials.push(t);
    }
    for (const [id, c] of study.curves) curves.set(id, c);
  }
  const first = parts.find((p) => p.purpose === 'compute')?.study ?? parts[0]?.study;
  return {
    name,
    purposes,
    design,
    benchmark: first?.benchmark,
    baselines: first?.baselines ?? null,
    trials,
    curves,
    elapsedS: parts.reduce((a, p) => a + p.study.elapsedS, 0),
  };
}

/** The trials of a study that serve `purpose` (every trial when the study has no purposes). */
export function trialsFor(study: Study, purpose: TrialPurpose): TrialRecord[] {
  if (!study.purposes) return purpose === 'lr' ? [] : study.trials;
  return study.trials.filter((t) => study.purposes!.get(t.id) === purpose);
}
