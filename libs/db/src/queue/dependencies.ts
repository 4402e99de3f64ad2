import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Trials that depend on trials: a WSD branch resumes its trunk's checkpoint at branch_step (libs/sweeps/src/wsd.ts,
 * migrations/0003); a student of symmetry cloning (transformer+clone, libs/sweeps/src/clone.ts, migrations/0005)
 * imitates its teacher trial's checkpoint at the teacher's last step (branch_step) once the teacher has completed.
 * Both are rows with parent_id and branch_step. Everything the queue does differently for them is here:
 * - branchReady: the claim condition; claimable only once the parent has a checkpoint at branch_step (a student:
 *   and its teacher has completed);
 * - trunkCheckpoint: what a branch's attempt starts from while it has no checkpoint of its own, and the teacher
 *   a student's every attempt is handed (a student resumes only from its own checkpoints);
 * - keepForBranches: the checkpoint garbage collection never drops a checkpoint an unfinished dependant needs;
 * - failStrandedBranches: a parent that ended (completed, diverged, failed) without what a pending dependant needs
 *   (the checkpoint; a student: also a completed teacher) fails that dependant with the reason, so the sweep can settle.
 * Leases, fencing, heartbeats and the reaper treat dependants like any trial.
 */

type Db = Kysely<Database> | Transaction<Database>;

/** SQL condition on the trials row `alias`: an independent trial, or a dependant whose parent provides what it needs. */
export function branchReady(alias: string): RawBuilder<boolean> {
  const t = sql.ref(alias);
  return sql<boolean>`(${t}.parent_id is null or (exists (
    select 1 from checkpoints c where c.trial_id = ${t}.parent_id and c.step = ${t}.branch_step)
    and (${t}.role <> 'student' or exists (select 1 from trials p where p.id = ${t}.parent_id and p.status = 'completed'))))`;
}

/** The parent's checkpoint at `step` (the latest saved there): a branch's start, a student's teacher; or null. */
export async function trunkCheckpoint(
  db: Db,
  trunkId: number,
  step: number,
): Promise<{ data: Uint8Array; step: number } | null> {
  const ck = await db
    .selectFrom('checkpoints')
    .select(['data', 'step'])
    .where('trial_id', '=', trunkId)
    .where('step', '=', step)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return ck ? { data: new Uint8Array(ck.data), step: ck.step } : null;
}

/** SQL condition on the checkpoints row `alias`: some unfinished branch starts from it (never garbage-collect it). */
export function keepForBranches(alias: string): RawBuilder<boolean> {
  const c = sql.ref(alias);
  return sql<boolean>`exists (
    select 1 from trials b
    where b.parent_id = ${c}.trial_id and b.branch_step = ${c}.step and b.status in ('pending', 'running'))`;
}

/**
 * Fails every pending dependant whose parent has ended (completed, diverged or failed) without a checkpoint at the
 * dependant's branch_step, and every pending student whose teacher ended other than completed: it can never start.
 * The error names the parent and the step. With trunkId, only that parent's dependants (called right after the
 * parent ends); without, all (the reaper's backstop). Returns the dependants' ids.
 */
export async function failStrandedBranches(db: Db, trunkId?: number): Promise<number[]> {
  const only = trunkId === undefined ? sql`true` : sql`b.parent_id = ${trunkId}`;
  const res = await sql<{ id: number }>`
    update trials b set
      status = 'failed',
      error = case when b.role = 'student' then 'teacher' else 'trunk' end || ' trial ' || p.id || ' (' || p.cell_key || ') ' || p.status ||
              case when p.error is null then '' else ': ' || left(p.error, 500) end ||
              case when b.role = 'student'
                then case when p.status = 'completed' then ' without its checkpoint at step ' || b.branch_step else '' end ||
                     ', so this student has no trained teacher to imitate'
                else ' before saving its checkpoint at step ' || b.branch_step || ', which this branch starts from' end,
      finished_at = now(),
      updated_at = now()
    from trials p
    where ${only}
      and b.parent_id = p.id
      and b.status = 'pending'
      and p.status in ('completed', 'diverged', 'failed')
      and (not exists (select 1 from checkpoints c where c.trial_id = p.id and c.step = b.branch_step)
           or (b.role = 'student' and p.status <> 'completed'))
    returning b.id
  `.execute(db);
  return res.rows.map((r) => Number(r.id));
}

/**
 * Sets parent_id of the sweep's dependants (branches, students) from their parent's cell key (both rows inserted
 * by the same createSweep); throws if a parent key is not in the sweep.
 */
export async function linkBranches(tx: Transaction<Database>, sweepId: number, links: { cellKey: string; parentKey: string }[]): Promise<void> {
  for (let i = 0; i < links.length; i += 500) {
    const chunk = links.slice(i, i + 500);
    const res = await sql<{ id: number }>`
      update trials b set parent_id = p.id
      from unnest(${chunk.map((l) => l.cellKey)}::text[], ${chunk.map((l) => l.parentKey)}::text[]) as u(cell_key, parent_key),
           trials p
      where b.sweep_id = ${sweepId} and b.cell_key = u.cell_key
        and p.sweep_id = ${sweepId} and p.cell_key = u.parent_key
        and b.parent_id is distinct from p.id
      returning b.id
    `.execute(tx);
    void res;
  }
  const missing = await sql<{ cell_key: string; role: string }>`
    select cell_key, role from trials where sweep_id = ${sweepId} and role in ('branch', 'student') and parent_id is null limit 1
  `.execute(tx);
  if (missing.rows[0]) throw new Error(`createSweep: ${missing.rows[0].role} ${missing.rows[0].cell_key} has no ${missing.rows[0].role === 'student' ? 'teacher' : 'trunk'} trial in the sweep`);
}

/**
 * Drops the checkpoints of a finished trunk that no unfinished branch starts from any more, except its latest
 * (every finished trial keeps its last checkpoint). Called when a trunk or one of its branches completes (either
 * may finish last). `trialId` is the trunk or a branch. Returns how many went.
 */
export async function dropSpentTrunkCheckpoints(db: Db, trialId: number): Promise<number> {
  const res = await sql`
    delete from checkpoints c
    using trials x, trials p
    where x.id = ${trialId} and p.id = coalesce(x.parent_id, x.id) and p.role = 'trunk' and c.trial_id = p.id
      and p.status in ('completed', 'diverged', 'failed', 'cancelled')
      and c.step < (select max(k.step) from checkpoints k where k.trial_id = p.id)
      and not ${keepForBranches('c')}
  `.execute(db);
  return Number(res.numAffectedRows ?? 0);
}
