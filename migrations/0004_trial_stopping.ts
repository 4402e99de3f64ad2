import { sql, type Kysely } from 'kysely';

/**
 * How a trial with early stopping ended (equiscale.v1.TrialStopping, libs/sweeps TrialStopping): the worker reports
 * it with CompleteTrial and it is stored with the trial as JSON { stoppedStep, bestStep, stoppedEarly }. Null for
 * trials without early stopping and for every trial finished before this migration (the analysis then reads
 * convergence off the stored validation curve, as before).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table trials add column stopping jsonb`.execute(db);
  await sql`alter table trials add constraint trials_stopping_shape check (stopping is null or (
    jsonb_typeof(stopping -> 'stoppedStep') = 'number' and jsonb_typeof(stopping -> 'bestStep') = 'number'
    and jsonb_typeof(stopping -> 'stoppedEarly') = 'boolean'))`.execute(db);
}
