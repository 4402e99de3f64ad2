import { sql, type Kysely } from 'kysely';

/**
 * Trials that depend on trials (warmup-stable-decay sweeps, libs/sweeps/src/wsd.ts): a branch trial resumes its
 * trunk trial's checkpoint at branch_step. What the trial message says (equiscale.v1.Trial role, branch_step,
 * plan.spent_nominal_flops) becomes generated columns over `trial`, as in 0002, so the queue can filter and index
 * them; only parent_id (the trunk's row id, resolved from the trial's `parent` cell key by createSweep →
 * linkBranches in the same transaction) is written by hand. Rows from before this migration are independent runs
 * (role 'run', spent_flops = nominal_flops, no extra checkpoints).
 */
export async function up(db: Kysely<any>): Promise<void> {
  // training.checkpoint_at is a repeated field: present (empty) in every stored trial, as the planner writes it
  await sql`update trials set trial = jsonb_set(trial, '{training,checkpointAt}', '[]'::jsonb)
    where not (trial -> 'training' ? 'checkpointAt')`.execute(db);
  await sql`alter table trials add column role text generated always as (coalesce(nullif(trial ->> 'role', ''), 'run')) stored not null`.execute(db);
  await sql`alter table trials add column branch_step integer generated always as ((trial ->> 'branchStep')::integer) stored`.execute(db);
  await sql`alter table trials add column spent_flops double precision generated always as
    (coalesce((trial -> 'plan' ->> 'spentNominalFlops')::double precision, (trial -> 'plan' ->> 'nominalFlops')::double precision)) stored`.execute(db);
  await sql`alter table trials add column parent_id bigint references trials (id) on delete cascade`.execute(db);
  await sql`alter table trials add constraint trials_role_known check (role in ('run', 'trunk', 'branch'))`.execute(db);
  await sql`alter table trials add constraint trials_branch_consistent
    check ((role = 'branch') = (branch_step is not null) and (parent_id is null or role = 'branch'))`.execute(db);
  await sql`create index trials_parent_idx on trials (parent_id, branch_step) where parent_id is not null`.execute(db);
  await sql`create index checkpoints_trial_step_idx on checkpoints (trial_id, step)`.execute(db);
}
