import { sql, type Kysely, type Transaction } from 'kysely';
import type { TrialStopping } from '@equiscale/sweeps';
import type { BaselineLosses, Database, SymmetryReport } from '../schema.js';
import { lockLease, lostLease, tokenParam, type LeaseRef } from './lease.js';
import { dropSpentTrunkCheckpoints, failStrandedBranches } from './dependencies.js';

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

/** A completion whose model is not the planned one (the worker built a different parameter count). */
export class ParamCountMismatchError extends Error {
  constructor(
    readonly trialId: number,
    readonly planned: number,
    readonly reported: number,
  ) {
    super(`param_count: expected ${planned} (the trial's planned parameter count), got ${reported}; the worker built a different model than planned`);
    this.name = 'ParamCountMismatchError';
  }
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
  /** parameters of the model the worker built; must equal the trial's planned count (0: not reported) */
  paramCount?: number;
  /** the trivial predictors' losses on the sweep's test set, when the worker measured them: kept once per sweep */
  baselines?: BaselineLosses | null;
  /** what a symmetry family measured (gatr+approx's exact model, a cloned transformer's equivariance error) */
  symmetry?: SymmetryReport | null;
  /** a trial with early stopping: where it stopped and which step's parameters its losses are of (null: none) */
  stopping?: TrialStopping | null;
}

/**
 * Records the result of the current attempt (fenced by the lease token), then settles the sweep if this was its
 * last unfinished trial. Usually 2 round trips and no transaction, instead of BEGIN, lockLease, UPDATE, sweep
 * lock, settle, COMMIT: the sweep row lock held to COMMIT serialised every completion of a sweep.
 *
 * 1. One fenced UPDATE (autocommit): WHERE status = 'running' AND lease_token = $token, so a concurrent takeover
 *    (reaper, cancel) is re-checked by Postgres on the locked row version; no match → lostLease says why.
 * 2. After that commit, a fresh-snapshot check whether any trial of the sweep is still pending or running. If
 *    one is, it finishes later and its own check (after its commit) sees ours, so the last finisher always sees
 *    none left; only then the locked settleSweep runs (lock, then a fresh snapshot, as before, so an extension
 *    committing concurrently is seen). Two trials finishing at once may both settle: idempotent.
 * If the process dies between 1 and 2, the reaper's settleFinishedSweeps completes the sweep on its next pass.
 */
export async function completeTrial(db: Kysely<Database>, ref: LeaseRef, r: CompleteInput): Promise<void> {
  const row = await db
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
      symmetry: r.symmetry && Object.keys(r.symmetry).length ? JSON.stringify(r.symmetry) : null,
      stopping: r.stopping ? JSON.stringify({ stoppedStep: r.stopping.stoppedStep, bestStep: r.stopping.bestStep, stoppedEarly: r.stopping.stoppedEarly }) : null,
      error: r.outcome === 'diverged' ? (r.error ?? 'diverged') : null,
      finished_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('id', '=', ref.trialId)
    .where('status', '=', 'running')
    .where('lease_token', '=', tokenParam(ref.leaseToken))
    .where(sql<boolean>`(${r.paramCount ?? 0}::bigint = 0 or param_count = ${r.paramCount ?? 0}::bigint)`)
    // only trials that keep checkpoints (training.checkpointAt: a WSD trunk's branch points, a teacher's last step)
    // have dependants that can be stranded
    .returning(['sweep_id', 'role', sql<boolean>`jsonb_array_length(coalesce(trial -> 'training' -> 'checkpointAt', '[]'::jsonb)) > 0`.as('keeps_checkpoints')])
    .executeTakeFirst();
  if (!row) {
    if (r.paramCount) {
      const t = await db.selectFrom('trials').select(['status', 'lease_token', 'param_count']).where('id', '=', ref.trialId).executeTakeFirst();
      if (t && t.status === 'running' && t.lease_token === tokenParam(ref.leaseToken) && Number(t.param_count) !== r.paramCount) {
        throw new ParamCountMismatchError(ref.trialId, Number(t.param_count), r.paramCount);
      }
    }
    throw await lostLease(db, ref);
  }
  if (row.keeps_checkpoints) await failStrandedBranches(db, ref.trialId);
  if (row.role !== 'run') await dropSpentTrunkCheckpoints(db, ref.trialId);
  if (r.baselines) {
    // the test set is the sweep's (its benchmark config), so the first measurement stands for all its trials
    await db
      .updateTable('sweeps')
      .set({ baselines: JSON.stringify(r.baselines) })
      .where('id', '=', Number(row.sweep_id))
      .where('baselines', 'is', null)
      .execute();
  }
  await settleIfLast(db, Number(row.sweep_id), ref.trialId);
}

/** Runs the locked settleSweep only when, in a snapshot taken after the caller's commit, nothing is left open. */
async function settleIfLast(db: Kysely<Database>, sweepId: number, trialId: number): Promise<void> {
  const open = await sql<{ open: boolean }>`
    select exists (select 1 from trials where sweep_id = ${sweepId} and status in ('pending', 'running')) as open
  `.execute(db);
  if (open.rows[0]?.open) return;
  await db.transaction().execute((tx) => settleSweep(tx, trialId));
}

/**
 * Backstop of completeTrial (run by the reaper): completes every active sweep that has trials and none of them
 * pending or running, each under its row lock (settleSweep). Returns the ids of the sweeps it completed.
 */
export async function settleFinishedSweeps(db: Kysely<Database>): Promise<number[]> {
  // a coordinator that died between a trunk's completion and failStrandedBranches left them pending
  await failStrandedBranches(db);
  const candidates = await sql<{ trial_id: number; sweep_id: number }>`
    select s.id as sweep_id, (select t.id from trials t where t.sweep_id = s.id limit 1) as trial_id
    from sweeps s
    where s.status = 'active'
      and exists (select 1 from trials t where t.sweep_id = s.id)
      and not exists (select 1 from trials t where t.sweep_id = s.id and t.status in ('pending', 'running'))
  `.execute(db);
  const settled: number[] = [];
  for (const c of candidates.rows) {
    await db.transaction().execute((tx) => settleSweep(tx, Number(c.trial_id)));
    const s = await db.selectFrom('sweeps').select('status').where('id', '=', Number(c.sweep_id)).executeTakeFirst();
    if (s?.status === 'completed') settled.push(Number(c.sweep_id));
  }
  return settled;
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
    if (status === 'failed') {
      await failStrandedBranches(tx, ref.trialId);
      await settleSweep(tx, ref.trialId);
    }
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
