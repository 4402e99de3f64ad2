import { sql, type Kysely } from 'kysely';

/**
 * Initial schema: sweeps, their trials (one row per sweep cell), metrics, checkpoints and workers.
 * Forward-only; each migration runs in its own transaction.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sweeps')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('spec', 'jsonb', (c) => c.notNull())
    .addColumn('spec_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('active').check(sql`status in ('active', 'completed', 'cancelled')`),
    )
    .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(3))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('trials')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('sweep_id', 'bigint', (c) => c.notNull().references('sweeps.id').onDelete('cascade'))
    .addColumn('cell_key', 'text', (c) => c.notNull())
    .addColumn('family', 'text', (c) => c.notNull())
    .addColumn('model_family', 'text', (c) => c.notNull())
    .addColumn('augment', 'boolean', (c) => c.notNull())
    .addColumn('size_label', 'text', (c) => c.notNull())
    .addColumn('model_config', 'jsonb', (c) => c.notNull())
    .addColumn('param_count', 'bigint', (c) => c.notNull())
    .addColumn('steps', 'integer', (c) => c.notNull().check(sql`steps > 0`))
    .addColumn('train_size', 'integer', (c) => c.notNull().check(sql`train_size > 0`))
    .addColumn('seed', 'integer', (c) => c.notNull())
    .addColumn('batch_size', 'integer', (c) => c.notNull())
    .addColumn('nominal_flops', 'double precision', (c) => c.notNull())
    .addColumn('cell', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending', 'running', 'completed', 'diverged', 'failed', 'cancelled')`),
    )
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('lease_token', 'uuid')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('last_heartbeat_at', 'timestamptz')
    .addColumn('progress_step', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('preemptions', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('train_loss', 'double precision')
    .addColumn('val_loss', 'double precision')
    .addColumn('test_loss', 'double precision')
    .addColumn('checkpoint_ref', 'text')
    .addColumn('checkpoint_step', 'integer')
    .addColumn('error', 'text')
    .addColumn('backend', 'text')
    .addColumn('wall_time_s', 'double precision')
    .addColumn('executed_flops', 'double precision')
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('trials_sweep_cell_key', ['sweep_id', 'cell_key'])
    .addCheckConstraint(
      'trials_lease_consistent',
      sql`(status = 'running') = (lease_token is not null and lease_owner is not null and lease_expires_at is not null)`,
    )
    .execute();

  // The claim query: pending trials, cheapest nominal FLOPs first (see libs/db/src/queue/claim-trial.ts).
  await sql`create index trials_claim_idx on trials (nominal_flops, id) where status = 'pending'`.execute(db);
  // The reaper: running trials by lease expiry.
  await sql`create index trials_lease_expiry_idx on trials (lease_expires_at) where status = 'running'`.execute(db);
  await db.schema.createIndex('trials_sweep_status_idx').on('trials').columns(['sweep_id', 'status']).execute();

  await db.schema
    .createTable('trial_metrics')
    .addColumn('trial_id', 'bigint', (c) => c.notNull().references('trials.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('split', 'text', (c) => c.notNull().check(sql`split in ('train', 'val', 'test')`))
    .addColumn('loss', 'double precision', (c) => c.notNull())
    .addColumn('samples_seen', 'bigint', (c) => c.notNull())
    .addColumn('wall_time_s', 'double precision', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('trial_metrics_pk', ['trial_id', 'attempt', 'split', 'step'])
    .execute();

  await db.schema
    .createTable('checkpoints')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('trial_id', 'bigint', (c) => c.notNull().references('trials.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('checkpoints_trial_idx').on('checkpoints').columns(['trial_id', 'id']).execute();

  await db.schema
    .createTable('workers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('backend', 'text', (c) => c.notNull())
    .addColumn('capabilities', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('pid', 'integer')
    .addColumn('max_param_count', 'bigint')
    .addColumn('registered_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
