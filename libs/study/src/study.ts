/**
 * A sweep's results as the analysis sees them: the trials as stored (TrialRecord: the planned trial plus status
 * and losses), the validation curves, the sweep's benchmark config and its baseline losses. Built from what
 * libs/db reads (loadStudyRows); no database and no fitting here.
 */
import type { BaselineLosses as RigidBodyBaselines, BenchmarkConfig } from '@equiscale/rigid-body';
import type { Run } from '@equiscale/scaling';
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

export interface Study {
  name: string;
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

/** A completed trial with a finite positive test loss; a WSD trunk is never a point (its branches are the runs). */
const finished = (t: TrialRecord) =>
  t.status === 'completed' && t.trial.role !== 'trunk' && t.testLoss !== null && Number.isFinite(t.testLoss) && t.testLoss > 0;

/**
 * Runs for the scaling-law fits: finished trials with a finite positive test loss.
 * N = parameters, D = training samples seen (steps × batch size), C = nominal training FLOPs (authors' convention).
 */
export function runsOf(trials: readonly TrialRecord[]): Run[] {
  return trials.filter(finished).map((r) => ({
    n: r.trial.plan.paramCount,
    d: r.trial.steps * r.trial.training.batchSize,
    loss: r.testLoss!,
    family: r.trial.family,
    c: r.trial.plan.nominalFlops,
  }));
}

/**
 * The runs the scaling laws are fitted to: per family, only trials at its largest training-set size. Smaller sets
 * are seen many times over, which L(N, D) with D = samples seen does not model (they feed the data-efficiency
 * figure instead). With a single training-set size this is every finished run.
 */
export function fitRunsOf(trials: readonly TrialRecord[]): Run[] {
  const largest = new Map<string, number>();
  for (const t of trials) largest.set(t.trial.family, Math.max(largest.get(t.trial.family) ?? 0, t.trial.trainSize));
  return runsOf(trials.filter((t) => t.trial.trainSize === largest.get(t.trial.family)));
}
