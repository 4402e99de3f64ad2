import { sql, type Kysely } from 'kysely';
import { createHash } from 'node:crypto';
import type { Database } from '../schema.js';
import { lockLease, type LeaseRef } from './lease.js';
import { keepForBranches } from './dependencies.js';

/**
 * Stores the attempt's checkpoint in the database (the checkpoint store: reachable from every worker machine
 * through the coordinator, no shared filesystem needed), points the trial's checkpoint_ref at it and drops the
 * trial's older checkpoints, except those an unfinished WSD branch starts from (dependencies.ts). Returns the reference "db:checkpoints/<id>".
 */
export async function saveCheckpoint(
  db: Kysely<Database>,
  ref: LeaseRef & { step: number; data: Uint8Array },
): Promise<string> {
  return db.transaction().execute(async (tx) => {
    const attempt = await lockLease(tx, ref);
    const sha256 = createHash('sha256').update(ref.data).digest('hex');
    const { id } = await tx
      .insertInto('checkpoints')
      .values({ trial_id: ref.trialId, attempt, step: ref.step, data: ref.data, sha256 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const checkpointRef = `db:checkpoints/${id}`;
    await tx
      .updateTable('trials')
      .set({ checkpoint_ref: checkpointRef, checkpoint_step: ref.step, updated_at: new Date() })
      .where('id', '=', ref.trialId)
      .execute();
    await tx
      .deleteFrom('checkpoints as k')
      .where('k.trial_id', '=', ref.trialId)
      .where('k.id', '<', id)
      .where(sql<boolean>`not ${keepForBranches('k')}`)
      .execute();
    return checkpointRef;
  });
}
