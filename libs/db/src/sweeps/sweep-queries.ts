import { sql, type Kysely } from 'kysely';
import type { StudyRows } from '@equiscale/study';
import type { Trial, TrialRecord } from '@equiscale/sweeps';
import type { BaselineLosses, Database, DbSweep, DbTrial, TrialStatus } from '../schema.js';

export type StatusCounts = Record<TrialStatus, number>;

export interface SweepOverview {
  sweep: DbSweep;
  counts: StatusCounts;
  doneNominalFlops: number;
  remainingNominalFlops: number;
  /** seconds between the sweep's first claim and now (or its end) */
  elapsedS: number;
  /** estimated seconds left, from the FLOP throughput so far; null when nothing finished yet */
  etaS: number | null;
  /** compute of a WSD sweep (queue/dependencies.ts): spent in all, and as independent runs; trial counts */
  compute: SweepCompute;
}

export interface SweepCompute {
  /** nominal FLOPs the sweep spends (spent_flops: a branch's cooldown only), cancelled trials excluded */
  plannedFlops: number;
  /** nominal FLOPs of its fit points (every trial but trunks) as independent runs */
  independentFlops: number;
  trunks: number;
  branches: number;
}

/** The compute of a sweep as planned: what it spends, and what its points would cost as independent runs. */
export async function sweepCompute(db: Kysely<Database>, sweepId: number): Promise<SweepCompute> {
  const r = await sql<{ planned: number | null; independent: number | null; trunks: number; branches: number }>`
    select sum(coalesce(spent_flops, nominal_flops)) filter (where status <> 'cancelled') as planned,
           sum(nominal_flops) filter (where status <> 'cancelled' and role <> 'trunk') as independent,
           count(*) filter (where role = 'trunk')::int as trunks,
           count(*) filter (where role = 'branch')::int as branches
    from trials where sweep_id = ${sweepId}
  `.execute(db);
  const row = r.rows[0]!;
  return { plannedFlops: Number(row.planned ?? 0), independentFlops: Number(row.independent ?? 0), trunks: Number(row.trunks), branches: Number(row.branches) };
}

export async function getSweepByName(db: Kysely<Database>, name: string): Promise<DbSweep | undefined> {
  return db.selectFrom('sweeps').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listSweeps(db: Kysely<Database>): Promise<DbSweep[]> {
  return db.selectFrom('sweeps').selectAll().orderBy('id').execute();
}

export async function sweepOverview(db: Kysely<Database>, sweep: DbSweep): Promise<SweepOverview> {
  const rows = await db
    .selectFrom('trials')
    .select((eb) => [
      'status',
      eb.fn.countAll<number>().as('n'),
      // what the sweep spends (a WSD branch: its cooldown), so the ETA counts only the work left to do
      eb.fn.sum<number>(sql`coalesce(spent_flops, nominal_flops)`).as('flops'),
      eb.fn.min<Date | null>('started_at').as('first_start'),
      eb.fn.max<Date | null>('finished_at').as('last_finish'),
    ])
    .where('sweep_id', '=', sweep.id)
    .groupBy('status')
    .execute();
  const counts: StatusCounts = { pending: 0, running: 0, completed: 0, diverged: 0, failed: 0, cancelled: 0 };
  let done = 0;
  let remaining = 0;
  let firstStart: number | null = null;
  for (const r of rows) {
    counts[r.status] = Number(r.n);
    const f = Number(r.flops ?? 0);
    if (r.status === 'pending' || r.status === 'running') remaining += f;
    else if (r.status !== 'cancelled') done += f;
    if (r.first_start) {
      const t = new Date(r.first_start).getTime();
      firstStart = firstStart === null ? t : Math.min(firstStart, t);
    }
  }
  const end = sweep.finished_at ? new Date(sweep.finished_at).getTime() : Date.now();
  const elapsedS = firstStart === null ? 0 : Math.max(0, (end - firstStart) / 1000);
  const etaS = remaining === 0 ? 0 : done > 0 && elapsedS > 0 ? (remaining / done) * elapsedS : null;
  return { sweep, counts, doneNominalFlops: done, remainingNominalFlops: remaining, elapsedS, etaS, compute: await sweepCompute(db, Number(sweep.id)) };
}

export async function listTrials(
  db: Kysely<Database>,
  sweepId: number,
  opts: { status?: TrialStatus; limit?: number; afterId?: number } = {},
): Promise<DbTrial[]> {
  let q = db.selectFrom('trials').selectAll().where('sweep_id', '=', sweepId);
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.afterId) q = q.where('id', '>', opts.afterId);
  return q.orderBy('id').limit(opts.limit ?? 10_000).execute();
}

/** Cancels every unfinished trial of a sweep; running workers learn it on their next heartbeat. */
export async function cancelSweep(db: Kysely<Database>, sweepId: number): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const r = await tx
      .updateTable('trials')
      .set({
        status: 'cancelled',
        lease_token: null,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: new Date(),
        updated_at: new Date(),
      })
      .where('sweep_id', '=', sweepId)
      .where('status', 'in', ['pending', 'running'])
      .executeTakeFirst();
    await tx
      .updateTable('sweeps')
      .set({ status: 'cancelled', finished_at: new Date(), updated_at: new Date() })
      .where('id', '=', sweepId)
      .where('status', '=', 'active')
      .execute();
    return Number(r.numUpdatedRows);
  });
}

/** Metric series of a sweep's trials (latest attempt of each trial only), for learning curves. */
export async function sweepMetrics(
  db: Kysely<Database>,
  sweepId: number,
  split?: 'train' | 'val' | 'test',
): Promise<{ trial_id: number; attempt: number; step: number; split: string; loss: number; samples_seen: number }[]> {
  const r = await sql<{
    trial_id: number;
    attempt: number;
    step: number;
    split: string;
    loss: number;
    samples_seen: number;
  }>`
    select m.trial_id, m.attempt, m.step, m.split, m.loss, m.samples_seen
    from trial_metrics m join trials t on t.id = m.trial_id
    where t.sweep_id = ${sweepId} ${split ? sql`and m.split = ${split}` : sql``}
    order by m.trial_id, m.split, m.step, m.attempt
  `.execute(db);
  return r.rows.map((x) => ({ ...x, trial_id: Number(x.trial_id), samples_seen: Number(x.samples_seen) }));
}

/** A stored trial row as the rest of the system sees it: its plan (equiscale.v1.Trial) and its state and results. */
export function trialRecord(t: DbTrial): TrialRecord {
  return {
    id: Number(t.id),
    trial: (typeof t.trial === 'string' ? JSON.parse(t.trial) : t.trial) as Trial,
    parentId: t.parent_id === null ? null : Number(t.parent_id),
    status: t.status,
    attempt: t.attempt,
    progressStep: t.progress_step,
    leaseOwner: t.lease_owner,
    trainLoss: t.train_loss,
    valLoss: t.val_loss,
    testLoss: t.test_loss,
    wallTimeS: t.wall_time_s,
    executedFlops: t.executed_flops,
    backend: t.backend,
    error: t.error,
    symmetry: (typeof t.symmetry === 'string' ? JSON.parse(t.symmetry) : t.symmetry) ?? null,
    stopping: (typeof t.stopping === 'string' ? JSON.parse(t.stopping) : t.stopping) ?? null,
  };
}

/** A sweep's trials as records (listTrials, mapped by trialRecord). */
export async function listTrialRecords(
  db: Kysely<Database>,
  sweepId: number,
  opts: { status?: TrialStatus; limit?: number; afterId?: number } = {},
): Promise<TrialRecord[]> {
  return (await listTrials(db, sweepId, opts)).map(trialRecord);
}

/** Everything the study analysis needs of one sweep (libs/study studyFromRows), or undefined when there is no sweep of that name. */
export async function loadStudyRows(db: Kysely<Database>, name: string): Promise<StudyRows | undefined> {
  const sweep = await getSweepByName(db, name);
  if (!sweep) return undefined;
  const trials = await listTrialRecords(db, sweep.id, { limit: 1_000_000 });
  const valPoints = (await sweepMetrics(db, sweep.id, 'val')).map((m) => ({ trialId: m.trial_id, step: m.step, loss: m.loss }));
  const overview = await sweepOverview(db, sweep);
  const spec = typeof sweep.spec === 'string' ? JSON.parse(sweep.spec) : sweep.spec;
  const baselines = (typeof sweep.baselines === 'string' ? JSON.parse(sweep.baselines) : sweep.baselines) as BaselineLosses | null;
  return { name: sweep.name, spec, baselines: baselines ?? null, trials, valPoints, elapsedS: overview.elapsedS };
}

/** Per family of a sweep: trials finished of all, best completed test loss, latest validation loss (demo progress). */
export interface FamilyProgress {
  family: string;
  done: number;
  total: number;
  bestTest: number | null;
  lastVal: number | null;
}

export async function familyProgress(db: Kysely<Database>, sweepId: number): Promise<FamilyProgress[]> {
  const r = await sql<{ family: string; done: number; total: number; best: number | null; last_val: number | null }>`
    select t.family,
      count(*) filter (where t.status in ('completed', 'diverged', 'failed', 'cancelled'))::int as done,
      count(*)::int as total,
      min(t.test_loss) filter (where t.status = 'completed' and t.role <> 'trunk') as best,
      (select m.loss from trial_metrics m join trials u on u.id = m.trial_id
        where u.sweep_id = ${sweepId} and u.family = t.family and m.split = 'val'
        order by m.recorded_at desc limit 1) as last_val
    from trials t where t.sweep_id = ${sweepId}
    group by t.family order by t.family`.execute(db);
  return r.rows.map((x) => ({ family: x.family, done: x.done, total: x.total, bestTest: x.best, lastVal: x.last_val }));
}

/** The training backends a sweep's trials ran on (distinct, in first-use order). */
export async function sweepBackends(db: Kysely<Database>, sweepId: number): Promise<string[]> {
  const rows = await db.selectFrom('trials').select('backend').where('sweep_id', '=', sweepId).where('backend', 'is not', null).orderBy('id').execute();
  return [...new Set(rows.map((x) => x.backend!))];
}
