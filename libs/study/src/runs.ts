/**
 * Stored trials → the run records of the study analysis (libs/scaling StudyRun): every seed, each run's own
 * FLOPs, its parameter count, samples seen, test loss, and for data scaling its training-set size, epochs,
 * augmentation and whether validation says it converged. Also the conventions the sensitivity analysis swaps
 * in (executed FLOPs, wall-clock seconds, non-embedding N).
 *
 * Convergence: a trial trained with early stopping (TrialRecord.stopping, reported by its worker) converged when
 * the patience ran out before the step cap, and its samples, FLOPs and epochs are those of the steps it actually
 * trained; a trial without that report (no early stopping, or finished before the worker had it) falls back to
 * reading its stored validation curve (convergedOnValidation) with the planned step count.
 */
import type { StudyRun, StudyRunsInput } from '@equiscale/scaling';
import { benchmarkTaskShapes, nonEmbeddingParamCount, type TrialRecord } from '@equiscale/sweeps';
import { trialsFor, type Study } from './study.js';

/** A run record with the other conventions of the same run (read by the sensitivity analysis). */
export interface TrialRun extends StudyRun {
  trialId: number;
  /** FLOPs this implementation executes for the run (as a standalone run: a WSD branch includes its trunk's share) */
  executedFlops: number;
  /** measured training seconds (a WSD branch: its cooldown plus its trunk's seconds up to the branch point); NaN when unknown */
  wallS: number;
  /** parameters without input and output layers; NaN when the benchmark is unknown */
  nNonEmbedding: number;
  /** where `converged` comes from: the worker's early stopping, or the stored validation curve read afterwards */
  convergedBy: 'early-stopping' | 'validation-curve';
}

/** A completed trial with a finite positive test loss; a WSD trunk is never a point (its branches are the runs). */
export const isFinished = (t: TrialRecord): boolean =>
  t.status === 'completed' && t.trial.role !== 'trunk' && t.testLoss !== null && Number.isFinite(t.testLoss) && t.testLoss > 0;

/**
 * Early stopping read off a stored validation curve: the run converged when its best validation loss was not
 * improved by more than `minImprovement` (relative) over its last `patience` evaluations — i.e. early stopping
 * with that patience would have stopped it. Fewer than patience + 2 evaluations: not shown converged (false).
 */
export function convergedOnValidation(curve: readonly { step: number; loss: number }[] | undefined, patience = 2, minImprovement = 0.01): boolean {
  if (!curve || curve.length < patience + 2) return false;
  const before = Math.min(...curve.slice(0, curve.length - patience).map((p) => p.loss));
  const last = Math.min(...curve.slice(curve.length - patience).map((p) => p.loss));
  return last > before * (1 - minImprovement);
}

function toRun(study: Study, t: TrialRecord, trunks: Map<string, TrialRecord>): TrialRun {
  const tr = t.trial;
  const stop = t.stopping ?? null;
  // samples actually seen: an early-stopped run trained stoppedStep steps, not its cap
  const steps = stop ? stop.stoppedStep : tr.steps;
  const d = steps * tr.training.batchSize;
  const share = steps / tr.steps;
  // a WSD branch ran its cooldown; as a standalone run it also ran its trunk up to the branch point
  const trunk = tr.parent ? trunks.get(tr.parent) : undefined;
  const trunkShare = trunk && tr.branchStep ? (trunk.wallTimeS ?? NaN) * (tr.branchStep / trunk.trial.steps) : 0;
  const wallS = (t.wallTimeS ?? NaN) + trunkShare;
  let nNonEmbedding = NaN;
  if (study.benchmark && !('kind' in study.benchmark)) {
    try {
      nNonEmbedding = nonEmbeddingParamCount(tr, benchmarkTaskShapes(study.benchmark));
    } catch {
      nNonEmbedding = NaN;
    }
  }
  return {
    trialId: t.id,
    family: tr.family,
    n: tr.plan.paramCount,
    d,
    loss: t.testLoss!,
    flops: tr.plan.nominalFlops * share,
    seed: tr.seed,
    trainSize: tr.trainSize,
    epochs: d / tr.trainSize,
    augmented: tr.augment,
    converged: stop ? stop.stoppedEarly : convergedOnValidation(study.curves.get(t.id)),
    ...(t.valLoss !== null && Number.isFinite(t.valLoss) && t.valLoss > 0 ? { valLoss: t.valLoss } : {}),
    executedFlops: tr.plan.executedFlops * share,
    wallS: wallS > 0 ? wallS : NaN,
    nNonEmbedding: nNonEmbedding > 0 ? nNonEmbedding : NaN,
    convergedBy: stop ? 'early-stopping' : 'validation-curve',
  };
}

/** What a cloning family's name gets when its runs are counted with their share of the teacher's training. */
export const WITH_TEACHER = ' (with teacher)';

/**
 * A transformer+clone student's run once more under `family (with teacher)`: its FLOPs (nominal, executed) and wall
 * time with its share of its teacher's training added (plan.teacherNominalFlops etc.; the teacher's wall time split
 * the same way). The plain family counts the student's own training and the teacher's forward passes.
 */
function withTeacherShare(r: TrialRun, t: TrialRecord, teacher: TrialRecord | undefined): TrialRun {
  const plan = t.trial.plan;
  const share = teacher ? plan.teacherNominalFlops! / teacher.trial.plan.nominalFlops : NaN;
  return {
    ...r,
    family: r.family + WITH_TEACHER,
    flops: r.flops + plan.teacherNominalFlops!,
    executedFlops: r.executedFlops + (plan.teacherExecutedFlops ?? 0),
    wallS: r.wallS + share * (teacher?.wallTimeS ?? NaN),
  };
}

export interface StudyInput extends StudyRunsInput {
  compute: TrialRun[];
  data: TrialRun[];
}

/**
 * The analysis input of a study. Compute runs: the finished points of the compute-scaling sweep, or (one grid
 * sweep) each family's runs at its largest training-set size — smaller sets are repeated many times over, which
 * L(N, D) with D = samples seen does not model. Data runs: the data-scaling sweep's runs, or (one grid sweep)
 * every finished run with a validation loss; the analysis keeps the best on validation per (size, seed).
 */
export function studyInput(study: Study): StudyInput {
  const trunks = new Map(study.trials.filter((t) => t.trial.role === 'trunk').map((t) => [t.trial.cellKey, t]));
  const run = (t: TrialRecord) => toRun(study, t, trunks);
  let compute = trialsFor(study, 'compute').filter(isFinished);
  if (!study.purposes) {
    const largest = new Map<string, number>();
    for (const t of study.trials) largest.set(t.trial.family, Math.max(largest.get(t.trial.family) ?? 0, t.trial.trainSize));
    compute = compute.filter((t) => t.trial.trainSize === largest.get(t.trial.family));
  }
  const data = trialsFor(study, 'data').filter((t) => isFinished(t) && t.valLoss !== null && t.valLoss > 0);
  const computeRuns = compute.map(run);
  const byId = new Map(study.trials.map((t) => [t.id, t]));
  const teacherShares = compute.flatMap((t, i) =>
    t.trial.role === 'student' && t.trial.plan.teacherNominalFlops !== undefined ? [withTeacherShare(computeRuns[i]!, t, t.parentId === null ? undefined : byId.get(t.parentId))] : [],
  );
  return { compute: [...computeRuns, ...teacherShares], data: data.map(run) };
}

/** How the data-scaling candidates' convergence was decided (the report says it in words). */
export interface DataConvergence {
  /** runs the worker stopped on validation (TrialRecord.stopping): converged = stopped before the step cap */
  earlyStopping: number;
  /** runs without that report: converged read off the stored validation curve afterwards (patience 2, 1%) */
  validationCurve: number;
  /** the early-stopping settings of the former, in words, e.g. "patience 3 evaluations every 100 steps, 1% minimum improvement" */
  rules: string[];
}

export function dataConvergence(study: Study, data: readonly TrialRun[]): DataConvergence {
  const byId = new Map(study.trials.map((t) => [t.id, t]));
  const rules = new Set<string>();
  let earlyStopping = 0;
  for (const r of data) {
    if (r.convergedBy !== 'early-stopping') continue;
    earlyStopping++;
    const tr = byId.get(r.trialId)?.trial.training;
    if (tr?.earlyStopping) rules.add(`patience ${tr.earlyStopping.patience} evaluations every ${tr.evalEvery} steps, ${+(tr.earlyStopping.minImprovement * 100).toPrecision(3)}% minimum improvement`);
  }
  return { earlyStopping, validationCurve: data.length - earlyStopping, rules: [...rules].sort() };
}
