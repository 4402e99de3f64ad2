import { sql, type Kysely } from 'kysely';
import type { Trial } from '@equiscale/sweeps';
import type { Database } from '../schema.js';
import { linkBranches } from '../queue/dependencies.js';

/** One trial to create: the planner's trial (equiscale.v1.Trial), stored as is in trials.trial. */
export type TrialRowInput = Trial;

export interface CreateSweepInput {
  name: string;
  spec: unknown;
  specHash: string;
  maxAttempts: number;
  trials: TrialRowInput[];
  /** allow adding cells to an existing sweep of the same name whose spec changed */
  extend: boolean;
  /** Called with the stored spec when the name exists with another hash: throw to refuse (e.g. a changed cell). */
  checkExtension?: (storedSpec: unknown) => void;
}

export interface CreateSweepResult {
  sweepId: number;
  created: boolean;
  trialCount: number;
  added: number;
}

export class SweepConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepConflictError';
  }
}

/**
 * Creates a sweep and one trial per cell in ONE transaction. Launching the same spec again is a no-op (same
 * spec hash). A different spec under an existing name is refused, unless extend is set, in which case only the
 * cells whose keys are new are inserted (existing cells keep their results).
 */
export async function createSweep(db: Kysely<Database>, input: CreateSweepInput): Promise<CreateSweepResult> {
  return db.transaction().execute(async (tx) => {
    // Serialise launches of the same name across coordinators.
    await sql`select pg_advisory_xact_lock(hashtext(${'equiscale.sweep:' + input.name}))`.execute(tx);
    const existing = await tx
      .selectFrom('sweeps')
      .select(['id', 'spec_hash', 'spec', 'status'])
      .where('name', '=', input.name)
      .executeTakeFirst();
    const count = async (id: number) =>
      Number(
        (
          await tx
            .selectFrom('trials')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('sweep_id', '=', id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    if (existing && existing.spec_hash === input.specHash) {
      const id = Number(existing.id);
      return { sweepId: id, created: false, trialCount: await count(id), added: 0 };
    }
    if (existing && !input.extend) {
      throw new SweepConflictError(
        `a sweep named "${input.name}" already exists with a different spec; launch it under a new name, or pass --extend to add only new cells`,
      );
    }
    if (existing) input.checkExtension?.(existing.spec);
    let sweepId: number;
    if (existing) {
      sweepId = Number(existing.id);
      await tx
        .updateTable('sweeps')
        .set({
          spec: JSON.stringify(input.spec),
          spec_hash: input.specHash,
          status: 'active',
          finished_at: null,
          updated_at: new Date(),
        })
        .where('id', '=', sweepId)
        .execute();
    } else {
      const row = await tx
        .insertInto('sweeps')
        .values({
          name: input.name,
          spec: JSON.stringify(input.spec),
          spec_hash: input.specHash,
          max_attempts: input.maxAttempts,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      sweepId = Number(row.id);
    }
    // Counted before and after: PGlite does not report affected rows for INSERT ... ON CONFLICT DO NOTHING.
    const before = existing ? await count(sweepId) : 0;
    for (let i = 0; i < input.trials.length; i += 500) {
      const chunk = input.trials.slice(i, i + 500).map((t) => ({
        trial: JSON.stringify(t),
        sweep_id: sweepId,
        max_attempts: input.maxAttempts,
      }));
      await tx
        .insertInto('trials')
        .values(chunk)
        .onConflict((oc) => oc.columns(['sweep_id', 'cell_key']).doNothing())
        .execute();
    }
    const links = input.trials.filter((t) => t.parent).map((t) => ({ cellKey: t.cellKey, parentKey: t.parent! }));
    if (links.length) await linkBranches(tx, sweepId, links);
    const trialCount = await count(sweepId);
    return { sweepId, created: true, trialCount, added: trialCount - before };
  });
}
