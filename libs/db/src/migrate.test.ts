import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { openDatabase, type EquiscaleDb } from './connect.js';
import { migrateToLatest } from './migrate.js';
import { createTestDatabase, TEST_DRIVERS, type TestDatabase } from './testing.js';

/** A normalised description of the public schema: columns, constraints and indexes. */
async function describeSchema(db: Kysely<any>): Promise<string[]> {
  const cols = await sql<{ d: string }>`
    select table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':' || coalesce(column_default, '') as d
    from information_schema.columns where table_schema = 'public' and table_name not like 'kysely_%'`.execute(db);
  const cons = await sql<{ d: string }>`
    -- contype 'n' (NOT NULL as a constraint) exists only from Postgres 17 (PGlite); nullability is compared via columns.
    select conrelid::regclass::text || ':' || conname || ':' || pg_get_constraintdef(oid) as d
    from pg_constraint where connamespace = 'public'::regnamespace and contype <> 'n' and conrelid::regclass::text not like 'kysely_%'`.execute(db);
  const idx = await sql<{ d: string }>`
    select indexname || ':' || indexdef as d from pg_indexes where schemaname = 'public' and tablename not like 'kysely_%'`.execute(
    db,
  );
  return [...cols.rows, ...cons.rows, ...idx.rows].map((r) => r.d).sort();
}

describe('migrations', () => {
  let tdb: TestDatabase;
  let pgConn: EquiscaleDb;
  let lite: EquiscaleDb;
  before(async () => {
    tdb = await createTestDatabase();
    pgConn = await openDatabase({ url: tdb.url });
    lite = await openDatabase({ url: '', dataDir: 'memory://' });
  });
  after(async () => {
    await pgConn?.close();
    await lite?.close();
    await tdb?.drop();
  });

  it('produce the same schema on PGlite as on Postgres', async () => {
    await migrateToLatest(pgConn.db);
    await migrateToLatest(lite.db);
    const a = await describeSchema(pgConn.db);
    const b = await describeSchema(lite.db);
    assert.ok(a.length > 40, `schema described (${a.length} facts)`);
    assert.deepEqual(b, a);
  });
});

// One body, run on the Postgres server and on embedded PGlite.
for (const driver of TEST_DRIVERS) {
  describe(`migrations on ${driver.name}`, () => {
    let conn: EquiscaleDb;
    before(async () => {
      conn = await driver.openEmpty();
    });
    after(async () => conn?.close());

    it('apply from empty, then are a no-op the second time; every migration recorded once', async () => {
      const first = await migrateToLatest(conn.db);
      assert.ok(first.length >= 1);
      assert.ok(first.every((r) => r.status === 'Success'));
      const second = await migrateToLatest(conn.db);
      assert.equal(second.length, 0);
      const tables = await sql<{ t: string }>`select table_name as t from information_schema.tables where table_schema='public'`.execute(conn.db);
      for (const t of ['sweeps', 'trials', 'trial_metrics', 'checkpoints', 'workers']) {
        assert.ok(tables.rows.some((r) => r.t === t), `table ${t} exists`);
      }
      const applied = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(conn.db);
      assert.equal(applied.rows[0]!.n, first.length, 'every migration is recorded once');
    });
  });
}
