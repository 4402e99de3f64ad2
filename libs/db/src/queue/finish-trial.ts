import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../schema.js';
import { lockLease, type LeaseRef } from './lease.js';

const clearLease = { lease_token: null, lease_owner: null, lease_expires_at: null } as const;

/**
 * Marks the sweep completed once none of its trials is pending or running. The sweep row is locked first, so two
 * trials finishing at once settle one after the other: the second, in a fresh snapshot, sees the first's commit
 * (without the lock each would see the other still running and neither would complete the sweep).
 */
export async function settleSweep(tx: Transaction<Database>, trialId: number): Promise<void> {
  await sql`select 1 from sweeps where id = (select sweep_id from trials where id = ${trialId}) for update`.execute(tx);
  await sql`
    update sweeps s set status = 'completed', finished_at = now(), updated_at = now()
    where s.id = (select sweep_id from trials where id = ${trialId})
      and s.status = 'active'
      and not exists (select 1 from trials t where t.sweep_id = s.id and t.status in ('pending', 'running'))
  `.execute(tx);
}

export interface CompleteInput {
  outcome: 'completed' | 'diverged';
  steps: number;
  trainLoss: number | null;
  valLoss: number | null;
  testLoss: number | null;
  backend: string;
  wallTimeS: number;
  error?: string;
  executedFlops?: number;
}

/** Records the result of the current attempt (fenced by the lease token). */
export async function completeTrial(db: Kysely<Database>, ref: LeaseRef, r: CompleteInput): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockLease(tx, ref);
    await tx
      .updateTable('trials')
      .set({
        ...clearLease,
        status: r.outcome,
        progress_step: r.steps,
        train_loss: r.trainLoss,
        val_loss: r.valLoss,
        test_loss: r.testLoss,
        backend: r.backend,
        wall_time_s: r.wallTimeS,
        executed_flops: r.executedFlops ?? null,
        error: r.outcome === 'diverged' ? (r.error ?? 'diverged') : null,
        finished_at: new Date(),
        updated_at: new Date(),
      })
      .where('id', '=', ref.trialId)
      .execute();
    await settleSweep(tx, ref.trialId);
  });
}

/**
 * The attempt failed. Failures are attempts minus preemptions; the trial is retried (pending) until failures
 * reach max_attempts, or at once ends failed when retryable is false. Returns the new status.
 */
export async function failTrial(
  db: Kysely<Database>,
  ref: LeaseRef & { error: string; retryable: boolean },
): Promise<'pending' | 'failed'> {
  return db.transaction().execute(async (tx) => {
    await lockLease(tx, ref);
    const t = await tx
      .selectFrom('trials')
      .select(['attempt', 'preemptions', 'max_attempts'])
      .where('id', '=', ref.trialId)
      .executeTakeFirstOrThrow();
    const failures = t.attempt - t.preemptions;
    const status = !ref.retryable || failures >= t.max_attempts ? 'failed' : 'pending';
    await tx
      .updateTable('trials')
      .set({
        ...clearLease,
        status,
        error: ref.error.slice(0, 4000),
        finished_at: status === 'failed' ? new Date() : null,
        updated_at: new Date(),
      })
      .where('id', '=', ref.trialId)
      .execute();
    if (status === 'failed') await settleSweep(tx, ref.trialId);
    return status;
  });
}

/** Gives the trial back (preemption): pending again, resumes from its checkpoint, not counted as a failure. */
export async function releaseTrial(db: Kysely<Database>, ref: LeaseRef & { reason: string }): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockLease(tx, ref);
    await tx
      .updateTable('trials')
      .set((eb) => ({
        ...clearLease,
        status: 'pending',
        preemptions: eb('preemptions', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', ref.trialId)
      .execute();
  });
}
