import { sql, type Kysely } from 'kysely';
import type { MetricPoint } from '@equiscale/models/accounting';
import type { Database } from '../schema.js';
import { lockLease, lostLease, tokenParam, type LeaseRef } from './lease.js';

/**
 * Inserts a batch of metric points for the current attempt in one statement (unnest of column arrays). Points
 * already stored (a retried batch) are ignored. Returns how many rows were new.
 *
 * One round trip (was BEGIN, lockLease, INSERT, COMMIT): the lease CTE locks the trial row only while it is
 * running under this token (FOR UPDATE: a concurrent reap or cancel waits for the insert, or the insert sees its
 * result), and the insert takes the attempt from it. No lease row → lostLease says why.
 */
export async function reportMetrics(db: Kysely<Database>, ref: LeaseRef, points: MetricPoint[]): Promise<number> {
  if (points.length === 0) {
    await lockLease(db, ref);
    return 0;
  }
  const r = await sql<{ leased: boolean; inserted: number }>`
    with lease as (
      select attempt from trials
      where id = ${ref.trialId} and status = 'running' and lease_token = ${tokenParam(ref.leaseToken)}::uuid
      for update
    ), ins as (
      insert into trial_metrics (trial_id, attempt, step, split, loss, samples_seen, wall_time_s)
      select ${ref.trialId}::bigint, lease.attempt, u.step, u.split, u.loss, u.samples, u.wall
      from lease, unnest(
        ${points.map((p) => p.step)}::int[],
        ${points.map((p) => p.split)}::text[],
        ${points.map((p) => p.loss)}::float8[],
        ${points.map((p) => p.samplesSeen)}::int8[],
        ${points.map((p) => p.wallTimeS)}::float8[]
      ) as u(step, split, loss, samples, wall)
      on conflict do nothing
      returning 1
    )
    select exists (select 1 from lease) as leased, (select count(*) from ins)::int as inserted
  `.execute(db);
  const row = r.rows[0]!;
  if (!row.leased) throw await lostLease(db, ref);
  return Number(row.inserted);
}
