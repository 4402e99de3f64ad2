import { sql, type Kysely } from 'kysely';

/**
 * Symmetry cloning (family transformer+clone, libs/sweeps/src/clone.ts): a "student" trial waits for its teacher
 * trial (another trial of the same sweep) to complete with a checkpoint at its last step, then imitates it. It uses
 * the dependency columns of 0003: parent_id is the teacher's row, branch_step the teacher's last step; only the
 * checks of 0003 learn the new role (no sweep could list transformer+clone before, so no row changes).
 * Also `symmetry`: what a symmetry family measured at the end of a trial (equiscale.v1.SymmetryMeasures: the exact
 * model's losses of gatr+approx, the cloned transformer's equivariance error), null for the other families.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table trials drop constraint trials_role_known`.execute(db);
  await sql`alter table trials add constraint trials_role_known check (role in ('run', 'trunk', 'branch', 'student'))`.execute(db);
  await sql`alter table trials drop constraint trials_branch_consistent`.execute(db);
  await sql`alter table trials add constraint trials_branch_consistent
    check ((role in ('branch', 'student')) = (branch_step is not null) and (parent_id is null or role in ('branch', 'student')))`.execute(db);
  await sql`alter table trials add column symmetry jsonb`.execute(db);
}
