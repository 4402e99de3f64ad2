/**
 * Test helpers: a fresh, empty database on the real Postgres server per test file, dropped afterwards.
 * TEST_DATABASE_URL names the server's maintenance database (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type EquiscaleDb } from './connect.js';
import { migrateToLatest } from './migrate.js';
import type { Trial } from '@equiscale/sweeps';

export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** URL of the fresh database */
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(prefix = 'equiscale_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(TEST_SERVER_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_SERVER_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A fresh migrated database on the real server, opened; close() also drops it. */
export async function openTestDatabase(): Promise<EquiscaleDb & { url: string }> {
  const tdb = await createTestDatabase();
  const conn = await openDatabase({ url: tdb.url });
  await migrateToLatest(conn.db);
  return {
    ...conn,
    url: tdb.url,
    async close() {
      await conn.close();
      await tdb.drop();
    },
  };
}

/**
 * n synthetic trials (tiny transformer cells, keys `${prefix}/${i}`, 1 step) for tests and benches of the queue;
 * `override(i)` replaces any field of trial i.
 */
export function syntheticTrialRows(n: number, prefix: string, override: (i: number) => Partial<Trial> = () => ({})): Trial[] {
  return Array.from({ length: n }, (_, i) => ({
    cellKey: `${prefix}/${i}`,
    family: 'transformer',
    modelFamily: 'transformer',
    augment: false,
    sizeLabel: 's0',
    dims: { transformer: { width: 8, depth: 1, heads: 1, mlpRatio: 4 } },
    benchmark: { name: 'rigid-body', configHash: '' },
    training: {
      batchSize: 4,
      lr: { peak: 1e-3, kind: 'cosine', warmupSteps: 0, minRatio: 0.1, cooldownFraction: 0.2 },
      gradClip: 1,
      evalEvery: 0,
      evalExamples: 16,
      checkpointEvery: 0,
      checkpointAt: [],
    },
    seed: i,
    steps: 1,
    trainSize: 16,
    plan: { paramCount: 1000, nominalFlopsPerSample: 2.5e5 + (i % 97) / 4, nominalFlops: 1e6 + (i % 97), executedFlops: 1e6 },
    ...override(i),
  }));
}

/** A database driver the queue runs on: the Postgres server (production) or embedded PGlite (the demo). */
export interface TestDriver {
  name: 'postgres' | 'pglite';
  /** a fresh database without any table (migrations not run); close() also drops it */
  openEmpty(): Promise<EquiscaleDb>;
  /** a fresh, migrated, empty database; close() also drops it */
  open(): Promise<EquiscaleDb>;
}

async function migrated(conn: EquiscaleDb): Promise<EquiscaleDb> {
  await migrateToLatest(conn.db);
  return conn;
}

async function openEmptyPostgres(): Promise<EquiscaleDb> {
  const tdb = await createTestDatabase();
  const conn = await openDatabase({ url: tdb.url });
  return {
    ...conn,
    async close() {
      await conn.close();
      await tdb.drop();
    },
  };
}

/** Both drivers, so one test body per behaviour runs on each: `for (const d of TEST_DRIVERS) describe(d.name, …)`. */
export const TEST_DRIVERS: readonly TestDriver[] = [
  { name: 'postgres', openEmpty: openEmptyPostgres, open: async () => migrated(await openEmptyPostgres()) },
  {
    name: 'pglite',
    openEmpty: () => openDatabase({ url: '', dataDir: 'memory://' }),
    open: async () => migrated(await openDatabase({ url: '', dataDir: 'memory://' })),
  },
];
