/**
 * A sweep's results as the analysis sees them: runs for the scaling fits (one per finished trial) and metric
 * series for learning curves. Read from the database; no fitting here.
 */
import type { EquiscaleDb, DbTrial } from '@equiscale/db';
import type { Run } from '@equiscale/scaling';
import type { BenchmarkConfig } from '@equiscale/rigid-body';
import { UsageError } from '../errors.js';

export interface StudyTrial {
  id: number;
  cellKey: string;
  family: string;
  augment: boolean;
  paramCount: number;
  steps: number;
  batchSize: number;
  trainSize: number;
  seed: number;
  nominalFlops: number;
  status: string;
  testLoss: number | null;
  valLoss: number | null;
  wallTimeS: number | null;
}

export interface Study {
  name: string;
  /** the sweep's benchmark config (from its stored spec), when present */
  benchmark?: BenchmarkConfig;
  trials: StudyTrial[];
  /** val-loss series per trial (latest attempt's points win on duplicate steps) */
  curves: Map<number, { step: number; loss: number }[]>;
}

export function toStudyTrial(t: DbTrial): StudyTrial {
  return {
    id: t.id,
    cellKey: t.cell_key,
    family: t.family,
    augment: t.augment,
    paramCount: t.param_count,
    steps: t.steps,
    batchSize: t.batch_size,
    trainSize: t.train_size,
    seed: t.seed,
    nominalFlops: t.nominal_flops,
    status: t.status,
    testLoss: t.test_loss,
    valLoss: t.val_loss,
    wallTimeS: t.wall_time_s,
  };
}

export async function loadStudy(conn: EquiscaleDb, name: string): Promise<Study> {
  const { getSweepByName, listTrials, sweepMetrics } = await import('@equiscale/db');
  const sweep = await getSweepByName(conn.db, name);
  if (!sweep) throw new UsageError(`no sweep named "${name}" in ${conn.describe}; check the name or DATABASE_URL`);
  // WSD trunks are not points for the fits or figures (their branches are the runs, of their full step count)
  const trials = (await listTrials(conn.db, sweep.id, { limit: 1_000_000 })).filter((t) => t.role !== 'trunk').map(toStudyTrial);
  const curves = new Map<number, { step: number; loss: number }[]>();
  const byStep = new Map<number, Map<number, number>>();
  for (const m of await sweepMetrics(conn.db, sweep.id, 'val')) {
    let s = byStep.get(m.trial_id);
    if (!s) byStep.set(m.trial_id, (s = new Map()));
    s.set(m.step, m.loss); // ordered by attempt: a later attempt overwrites
  }
  for (const [id, s] of byStep) curves.set(id, [...s].sort((a, b) => a[0] - b[0]).map(([step, loss]) => ({ step, loss })));
  const spec = (typeof sweep.spec === 'string' ? JSON.parse(sweep.spec) : sweep.spec) as { benchmark?: BenchmarkConfig };
  return { name, benchmark: spec?.benchmark, trials, curves };
}

/**
 * Runs for the scaling-law fits: finished trials with a finite positive test loss.
 * N = parameters, D = training samples seen (steps × batch size), C = nominal training FLOPs.
 */
export function runsOf(trials: readonly StudyTrial[]): Run[] {
  return trials
    .filter((t) => t.status === 'completed' && t.testLoss !== null && Number.isFinite(t.testLoss) && t.testLoss > 0)
    .map((t) => ({ n: t.paramCount, d: t.steps * t.batchSize, loss: t.testLoss!, family: t.family, c: t.nominalFlops }));
}

/**
 * The runs the scaling laws are fitted to: per family, only trials at its largest training-set size. Smaller sets
 * are seen many times over, which L(N, D) with D = samples seen does not model (they feed the data-efficiency
 * figure instead). With a single training-set size this is every finished run.
 */
export function fitRunsOf(trials: readonly StudyTrial[]): Run[] {
  const largest = new Map<string, number>();
  for (const t of trials) largest.set(t.family, Math.max(largest.get(t.family) ?? 0, t.trainSize));
  return runsOf(trials.filter((t) => t.trainSize === largest.get(t.family)));
}
