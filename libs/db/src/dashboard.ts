/**
 * Read-only queries of `equiscale dashboard` (apps/cli/src/dashboard): a cheap change marker it polls, the
 * progress of every sweep per family, a sweep's trials, and learning curves of chosen trials.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, SweepStatus, TrialStatus } from './schema.js';

/** Changes whenever a sweep or trial row is written (heartbeats included: they move progress_step). */
export async function dashboardVersion(db: Kysely<Database>): Promise<string> {
  const r = await sql<{ v: string }>`
    select concat_ws('/',
      (select count(*) from sweeps), (select max(updated_at) from sweeps),
      (select count(*) from trials), (select max(updated_at) from trials)) as v
  `.execute(db);
  return r.rows[0]?.v ?? '';
}

export interface DashboardFamilyProgress {
  family: string;
  counts: Record<TrialStatus, number>;
  /** nominal FLOPs of completed trials / of all trials not cancelled */
  doneFlops: number;
  totalFlops: number;
  bestTestLoss: number | null;
}

export interface DashboardSweep {
  id: number;
  name: string;
  status: SweepStatus;
  createdAt: string;
  finishedAt: string | null;
  families: DashboardFamilyProgress[];
}

const emptyCounts = (): Record<TrialStatus, number> => ({ pending: 0, running: 0, completed: 0, diverged: 0, failed: 0, cancelled: 0 });

/** Every sweep (newest first) with its progress per family. */
export async function dashboardSweeps(db: Kysely<Database>): Promise<DashboardSweep[]> {
  const sweeps = await db.selectFrom('sweeps').select(['id', 'name', 'status', 'created_at', 'finished_at']).orderBy('id', 'desc').execute();
  const rows = await db
    .selectFrom('trials')
    .select((eb) => [
      'sweep_id',
      'family',
      'status',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>('nominal_flops').as('flops'),
      eb.fn.min<number | null>('test_loss').as('best'),
    ])
    .groupBy(['sweep_id', 'family', 'status'])
    .execute();
  const bySweep = new Map<number, Map<string, DashboardFamilyProgress>>();
  for (const r of rows) {
    const sid = Number(r.sweep_id);
    let fams = bySweep.get(sid);
    if (!fams) bySweep.set(sid, (fams = new Map()));
    let f = fams.get(r.family);
    if (!f) fams.set(r.family, (f = { family: r.family, counts: emptyCounts(), doneFlops: 0, totalFlops: 0, bestTestLoss: null }));
    const n = Number(r.n);
    const flops = Number(r.flops ?? 0);
    f.counts[r.status] += n;
    if (r.status !== 'cancelled') f.totalFlops += flops;
    if (r.status === 'completed') {
      f.doneFlops += flops;
      if (r.best !== null && (f.bestTestLoss === null || r.best < f.bestTestLoss)) f.bestTestLoss = Number(r.best);
    }
  }
  return sweeps.map((s) => ({
    id: Number(s.id),
    name: s.name,
    status: s.status,
    createdAt: new Date(s.created_at).toISOString(),
    finishedAt: s.finished_at ? new Date(s.finished_at).toISOString() : null,
    families: [...(bySweep.get(Number(s.id))?.values() ?? [])].sort((a, b) => a.family.localeCompare(b.family)),
  }));
}

export interface DashboardTrial {
  id: number;
  cellKey: string;
  family: string;
  augment: boolean;
  sizeLabel: string;
  paramCount: number;
  steps: number;
  trainSize: number;
  seed: number;
  batchSize: number;
  nominalFlops: number;
  status: TrialStatus;
  attempt: number;
  progressStep: number;
  trainLoss: number | null;
  valLoss: number | null;
  testLoss: number | null;
  wallTimeS: number | null;
  backend: string | null;
  error: string | null;
  /** 'run', or a WSD 'trunk' (not a fit point) / 'branch' */
  role: string;
  /** a WSD branch's trunk trial id */
  parentId: number | null;
  branchStep: number | null;
}

/** A sweep's trials in id order (at most `limit`). */
export async function dashboardTrials(db: Kysely<Database>, sweepId: number, limit = 100_000): Promise<DashboardTrial[]> {
  const rows = await db
    .selectFrom('trials')
    .select([
      'id', 'cell_key', 'family', 'augment', 'size_label', 'param_count', 'steps', 'train_size', 'seed', 'batch_size',
      'nominal_flops', 'status', 'attempt', 'progress_step', 'train_loss', 'val_loss', 'test_loss', 'wall_time_s', 'backend', 'error',
      'role', 'parent_id', 'branch_step',
    ])
    .where('sweep_id', '=', sweepId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((t) => ({
    id: Number(t.id),
    cellKey: t.cell_key,
    family: t.family,
    augment: t.augment,
    sizeLabel: t.size_label,
    paramCount: Number(t.param_count),
    steps: t.steps,
    trainSize: t.train_size,
    seed: t.seed,
    batchSize: t.batch_size,
    nominalFlops: t.nominal_flops,
    status: t.status,
    attempt: t.attempt,
    progressStep: t.progress_step,
    trainLoss: t.train_loss,
    valLoss: t.val_loss,
    testLoss: t.test_loss,
    wallTimeS: t.wall_time_s,
    backend: t.backend,
    error: t.error,
    role: t.role,
    parentId: t.parent_id === null ? null : Number(t.parent_id),
    branchStep: t.branch_step,
  }));
}

export interface DashboardCurvePoint {
  trialId: number;
  step: number;
  loss: number;
}

/**
 * Loss by step of the given trials of a sweep, for one split; the latest attempt's point wins on a step reported
 * twice (a resumed trial re-reports the steps after its checkpoint).
 */
export async function dashboardCurves(
  db: Kysely<Database>,
  sweepId: number,
  trialIds: readonly number[],
  split: 'train' | 'val' | 'test',
): Promise<DashboardCurvePoint[]> {
  if (trialIds.length === 0) return [];
  const rows = await db
    .selectFrom('trial_metrics as m')
    .innerJoin('trials as t', 't.id', 'm.trial_id')
    .distinctOn(['m.trial_id', 'm.step'])
    .select(['m.trial_id', 'm.step', 'm.loss'])
    .where('t.sweep_id', '=', sweepId)
    .where('m.split', '=', split)
    .where('m.trial_id', 'in', [...trialIds])
    .orderBy('m.trial_id')
    .orderBy('m.step')
    .orderBy('m.attempt', 'desc')
    .execute();
  return rows.map((x) => ({ trialId: Number(x.trial_id), step: x.step, loss: x.loss }));
}
