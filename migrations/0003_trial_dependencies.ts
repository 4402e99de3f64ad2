import { sql, type Kysely } from 'kysely';

/**
 * Trials that depend on trials (warmup-stable-decay sweeps, libs/sweeps/src/wsd.ts): a branch trial resumes its
 * trunk trial's checkpoint at branch_step. role says what a row is ('run' | 'trunk' | 'branch'; trunks are not
 * fit points); spent_flops is the nominal compute the sweep spends on the trial (a branch: its cooldown only),
 * while nominal_flops stays the equivalent standalone run. Existing rows are independent runs.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('trials')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('run').check(sql`role in ('run', 'trunk', 'branch')`))
    .addColumn('parent_id', 'bigint', (c) => c.references('trials.id').onDelete('cascade'))
    .addColumn('branch_step', 'integer')
    .addColumn('spent_flops', 'double precision')
    .execute();
  await sql`update trials set spent_flops = nominal_flops`.execute(db);
  // parent_id is set right after the insert (createSweep → linkBranches, same transaction), so only branch_step
  // goes with the role here; linkBranches refuses a branch left without a trunk.
  await sql`alter table trials add constraint trials_branch_consistent
    check ((role = 'branch') = (branch_step is not null) and (parent_id is null or role = 'branch'))`.execute(db);
  await sql`create index trials_parent_idx on trials (parent_id, branch_step) where parent_id is not null`.execute(db);
  await sql`create index checkpoints_trial_step_idx on checkpoints (trial_id, step)`.execute(db);
}
