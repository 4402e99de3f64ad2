/**
 * Read-only queries of `equiscale dashboard` (apps/cli/src/dashboard): a cheap change marker it polls, the
 * progress of every sweep per family, a sweep's trials, and learning curves of chosen trials.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, SweepStatus, TrialStatus } from './schema.js';
import { listTrialRecords } from './sweeps/index.js';

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
  /** a WSD branch's trunk (its cell key) */
  parentKey: string | null;
  branchStep: number | null;
}

/** A sweep's trials in id order (at most `limit`), as the browser shows them (a flat view of TrialRecord). */
export async function dashboardTrials(db: Kysely<Database>, sweepId: number, limit = 100_000): Promise<DashboardTrial[]> {
  return (await listTrialRecords(db, sweepId, { limit })).map((r) => ({
    id: r.id,
    cellKey: r.trial.cellKey,
    family: r.trial.family,
    augment: r.trial.augment,
    sizeLabel: r.trial.sizeLabel,
    paramCount: r.trial.plan.paramCount,
    steps: r.trial.steps,
    trainSize: r.trial.trainSize,
    seed: r.trial.seed,
    batchSize: r.trial.training.batchSize,
    nominalFlops: r.trial.plan.nominalFlops,
    status: r.status,
    attempt: r.attempt,
    progressStep: r.progressStep,
    trainLoss: r.trainLoss,
    valLoss: r.valLoss,
    testLoss: r.testLoss,
    wallTimeS: r.wallTimeS,
    backend: r.backend,
    error: r.error,
    role: r.trial.role ?? 'run',
    parentKey: r.trial.parent ?? null,
    branchStep: r.trial.branchStep ?? null,
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
