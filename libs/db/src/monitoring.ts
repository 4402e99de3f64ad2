/**
 * Read-only queries for the coordinator's health check and Prometheus metrics (apps/coordinator/src/metrics.ts).
 * Cheap aggregates over indexed columns, run at scrape time.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, TrialStatus } from './schema.js';

/** true when the database answers `select 1` within timeoutMs */
export async function pingDatabase(db: Kysely<Database>, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const ping = sql`select 1`.execute(db).then(
      () => true,
      () => false,
    );
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface TrialStateCount {
  sweep: string;
  family: string;
  status: TrialStatus;
  trials: number;
  /** nominal FLOPs of these trials (authors' convention; a trial counts once, whatever its attempts) */
  nominalFlops: number;
  /** FLOPs workers reported executing (completed trials; null where none reported) */
  executedFlops: number;
}

/** Trials per sweep, family and status, with their FLOPs. */
export async function trialStateCounts(db: Kysely<Database>): Promise<TrialStateCount[]> {
  const rows = await db
    .selectFrom('trials')
    .innerJoin('sweeps', 'sweeps.id', 'trials.sweep_id')
    .select((eb) => [
      'sweeps.name as sweep',
      'trials.family as family',
      'trials.status as status',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>('trials.nominal_flops').as('nominal'),
      eb.fn.sum<number | null>('trials.executed_flops').as('executed'),
    ])
    .groupBy(['sweeps.name', 'trials.family', 'trials.status'])
    .orderBy('sweeps.name')
    .execute();
  return rows.map((r) => ({
    sweep: r.sweep,
    family: r.family,
    status: r.status,
    trials: Number(r.n),
    nominalFlops: Number(r.nominal ?? 0),
    executedFlops: Number(r.executed ?? 0),
  }));
}
