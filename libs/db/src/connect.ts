import { Kysely, PostgresDialect, sql } from 'kysely';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import type { Database } from './schema.js';
import { redactUrl } from '@equiscale/log';

export type DatabaseKind = 'postgres' | 'pglite';

export interface EquiscaleDb {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** where it lives, with any password removed: safe to print */
  describe: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://user:password@host:port/db; when absent, an embedded PGlite database is used */
  url?: string;
  /** PGlite data directory (default .equiscale/db under the current directory) */
  dataDir?: string;
  /** pool size for a real server */
  poolSize?: number;
}

/** A configuration problem the user can fix: printed as one line, never as a stack trace. */
export class DatabaseConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseConfigError';
  }
}

export const DEFAULT_DATA_DIR = '.equiscale/db';

export { redactUrl };

function parsePostgresUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DatabaseConfigError(
      'DATABASE_URL is not a valid URL; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, or unset it to use the embedded database',
    );
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new DatabaseConfigError(
      `DATABASE_URL must start with postgres:// or postgresql:// (got ${u.protocol}//); expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`,
    );
  }
  if (!u.hostname) throw new DatabaseConfigError('DATABASE_URL has no host; expected postgres://USER@HOST:PORT/DATABASE');
  if (u.pathname.length <= 1) {
    throw new DatabaseConfigError('DATABASE_URL names no database; add /DATABASE at the end, e.g. postgres://postgres@127.0.0.1:5432/equiscale');
  }
  return u;
}

// int8 as JS numbers (ids, counts and parameter counts stay far below 2^53); the same on both backends.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

async function openPostgres(url: string, poolSize: number): Promise<EquiscaleDb> {
  const u = parsePostgresUrl(url);
  const describe = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: pgTypes, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server (restart) emits 'error'; the pool replaces it. Never crash on it.
  pool.on('error', () => {});
  // A client checked out when the server goes away (between the statements of a transaction) emits 'error' too,
  // and the pool's idle listener is not on it then: without this one the process dies of an uncaught exception.
  // The statement in progress still fails (→ UNAVAILABLE), and the pool drops the broken client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => {});
    const code = (err as { code?: string }).code ?? (err as Error).message;
    throw new DatabaseConfigError(
      `DATABASE_URL: cannot connect to ${u.hostname}:${u.port || 5432}${u.pathname} (${code}); check that the server runs and the URL is right (${describe})`,
      { cause: err },
    );
  }
  return { db, kind: 'postgres', describe, close: () => db.destroy() };
}

async function openPGlite(dataDir: string): Promise<EquiscaleDb> {
  const inMemory = dataDir.startsWith('memory://');
  const dir = inMemory ? dataDir : resolve(dataDir);
  if (!inMemory) mkdirSync(dir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { serializedPGliteDialect } = await import('./pglite-dialect.js');
  let client;
  try {
    client = await PGlite.create({ dataDir: dir, parsers: { [INT8_OID]: (v: string) => Number(v) } });
  } catch (err) {
    throw new DatabaseConfigError(
      `embedded database in ${dir} could not be opened (${(err as Error).message}); is another equiscale process using it? Stop it, or set DATABASE_URL to use a Postgres server`,
      { cause: err },
    );
  }
  const db = new Kysely<Database>({ dialect: serializedPGliteDialect(client) });
  return { db, kind: 'pglite', describe: `embedded PGlite at ${dir}`, close: () => db.destroy() };
}

/** Opens the database: DATABASE_URL (or opts.url) → Postgres via pg; none → embedded PGlite. */
export async function openDatabase(opts: OpenOptions = {}): Promise<EquiscaleDb> {
  const url = opts.url ?? process.env.DATABASE_URL;
  if (url !== undefined && url !== '') return openPostgres(url, opts.poolSize ?? 10);
  return openPGlite(opts.dataDir ?? process.env.EQUISCALE_DATA_DIR ?? DEFAULT_DATA_DIR);
}
