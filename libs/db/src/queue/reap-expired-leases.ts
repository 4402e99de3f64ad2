import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { settleSweep } from './finish-trial.js';
import { failStrandedBranches } from './dependencies.js';

/** An expired lease is a lost worker (crash, network); after this many in a row the trial ends failed. */
export const MAX_LOST_LEASES = 20;

export interface ReapResult {
  requeued: number[];
  failed: number[];
}

/**
 * Re-queues every running trial whose lease has expired (its worker died or lost the network). A lost lease
 * counts as a preemption, not a failure, so a trial resumes from its checkpoint; a trial that loses
 * MAX_LOST_LEASES leases ends failed (something kills every worker that takes it). Safe to run from any number
 * of coordinators at once: rows are taken with SKIP LOCKED.
 */
export async function reapExpiredLeases(db: Kysely<Database>): Promise<ReapResult> {
  const res = await sql<{ id: number; status: string }>`
    with expired as (
      select id from trials
      where status = 'running' and lease_expires_at < now()
      for update skip locked
    )
    update trials t set
      status = case when t.preemptions + 1 >= ${MAX_LOST_LEASES} then 'failed' else 'pending' end,
      error = case when t.preemptions + 1 >= ${MAX_LOST_LEASES}
                   then 'lease expired ' || (t.preemptions + 1) || ' times: the worker running it keeps dying'
                   else t.error end,
      finished_at = case when t.preemptions + 1 >= ${MAX_LOST_LEASES} then now() else null end,
      preemptions = t.preemptions + 1,
      lease_token = null, lease_owner = null, lease_expires_at = null,
      updated_at = now()
    from expired where t.id = expired.id
    returning t.id, t.status
  `.execute(db);
  const failed = res.rows.filter((r) => r.status === 'failed').map((r) => Number(r.id));
  for (const id of failed) {
    await db.transaction().execute(async (tx) => {
      await failStrandedBranches(tx, id);
      await settleSweep(tx, id);
    });
  }
  return {
    requeued: res.rows.filter((r) => r.status === 'pending').map((r) => Number(r.id)),
    failed,
  };
}
