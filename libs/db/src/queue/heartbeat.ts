import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { inMs, LeaseLostError, lockLease, type LeaseRef } from './lease.js';

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
 */
export async function heartbeatTrial(
  db: Kysely<Database>,
  ref: LeaseRef & { workerId: string; step: number; leaseTtlMs: number },
): Promise<HeartbeatResult> {
  return db.transaction().execute(async (tx) => {
    try {
      await lockLease(tx, ref);
    } catch (err) {
      if (err instanceof LeaseLostError && err.state === 'cancelled') return { leaseExpiresAt: new Date(), cancelled: true };
      throw err;
    }
    const row = await tx
      .updateTable('trials')
      .set({
        lease_expires_at: inMs(ref.leaseTtlMs),
        last_heartbeat_at: new Date(),
        progress_step: ref.step,
        updated_at: new Date(),
      })
      .where('id', '=', ref.trialId)
      .returning(['lease_expires_at'])
      .executeTakeFirstOrThrow();
    await tx.updateTable('workers').set({ last_seen_at: new Date() }).where('id', '=', ref.workerId).execute();
    return { leaseExpiresAt: row.lease_expires_at as Date, cancelled: false };
  });
}
