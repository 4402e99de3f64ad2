import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { lockLease, type LeaseRef } from './lease.js';

export interface MetricInput {
  step: number;
  split: 'train' | 'val' | 'test';
  loss: number;
  samplesSeen: number;
  wallTimeS: number;
}

/**
 * Inserts a batch of metric points for the current attempt in one statement (unnest of column arrays). Points
 * already stored (a retried batch) are ignored. Returns how many rows were new.
 */
export async function reportMetrics(db: Kysely<Database>, ref: LeaseRef, points: MetricInput[]): Promise<number> {
  if (points.length === 0) {
    await lockLease(db, ref);
    return 0;
  }
  return db.transaction().execute(async (tx) => {
    const attempt = await lockLease(tx, ref);
    const r = await sql`
      insert into trial_metrics (trial_id, attempt, step, split, loss, samples_seen, wall_time_s)
      select ${ref.trialId}::bigint, ${attempt}::int, u.step, u.split, u.loss, u.samples, u.wall
      from unnest(
        ${points.map((p) => p.step)}::int[],
        ${points.map((p) => p.split)}::text[],
        ${points.map((p) => p.loss)}::float8[],
        ${points.map((p) => p.samplesSeen)}::int8[],
        ${points.map((p) => p.wallTimeS)}::float8[]
      ) as u(step, split, loss, samples, wall)
      on conflict do nothing
    `.execute(tx);
    return Number(r.numAffectedRows ?? 0);
  });
}
