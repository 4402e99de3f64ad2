import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { inMs, lostLease, tokenParam, type LeaseRef } from './lease.js';

export interface HeartbeatResult {
  leaseExpiresAt: Date;
  cancelled: boolean;
}

/** Marks a worker alive. */
export async function touchWorker(db: Kysely<Database>, workerId: string): Promise<boolean> {
  const r = await db.updateTable('workers').set({ last_seen_at: new Date() }).where('id', '=', workerId).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Extends a lease by leaseTtlMs and records progress. A cancelled trial answers cancelled = true (the worker
 * stops); any other stale lease throws LeaseLostError.
 *
 * One statement (was BEGIN, lockLease, UPDATE trial, UPDATE worker, COMMIT): the fenced UPDATE … WHERE
 * status = 'running' AND lease_token = $token, and the worker's last_seen_at only when it matched. No match →
 * lostLease reads the trial afresh and says why (cancelled → cancelled = true, as before).
 */
export async function heartbeatTrial(
  db: Kysely<Database>,
  ref: LeaseRef & { workerId: string; step: number; leaseTtlMs: number },
): Promise<HeartbeatResult> {
  const res = await sql<{ lease_expires_at: Date }>`
    with hb as (
      update trials set
        lease_expires_at = ${inMs(ref.leaseTtlMs)},
        last_heartbeat_at = now(),
        progress_step = ${ref.step},
        updated_at = now()
      where id = ${ref.trialId} and status = 'running' and lease_token = ${tokenParam(ref.leaseToken)}::uuid
      returning lease_expires_at
    ), seen as (
      update workers set last_seen_at = now() where id = ${ref.workerId} and exists (select 1 from hb)
    )
    select lease_expires_at from hb
  `.execute(db);
  const row = res.rows[0];
  if (row) return { leaseExpiresAt: row.lease_expires_at, cancelled: false };
  const err = await lostLease(db, ref);
  if (err.state === 'cancelled') return { leaseExpiresAt: new Date(), cancelled: true };
  throw err;
}
