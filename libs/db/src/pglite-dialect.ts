import type { PGlite } from '@electric-sql/pglite';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { KyselyPGlite } from 'kysely-pglite';

/**
 * kysely-pglite's driver hands the same PGlite session to every caller at once, so two concurrent Kysely
 * transactions would interleave their statements inside one BEGIN. PGlite is a single session: this driver
 * lends it to one caller at a time (a FIFO mutex held from acquireConnection to releaseConnection).
 */
class SerializedDriver implements Driver {
  #tail: Promise<void> = Promise.resolve();
  #releases = new Map<DatabaseConnection, () => void>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    let release!: () => void;
    const turn = new Promise<void>((r) => (release = r));
    const prev = this.#tail;
    this.#tail = prev.then(() => turn);
    await prev;
    const conn = withAffectedRows(await this.inner.acquireConnection());
    // A fresh wrapper object per acquire, so it can key the release.
    this.#releases.set(conn, release);
    return conn;
  }

  beginTransaction(c: DatabaseConnection, s: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(c, s);
  }
  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(c);
  }
  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(c);
  }

  async releaseConnection(c: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection(c);
    const release = this.#releases.get(c);
    this.#releases.delete(c);
    release?.();
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/**
 * kysely-pglite passes PGlite's result through, whose row count is `affectedRows`; Kysely reads
 * `numAffectedRows`, so every UPDATE/DELETE counted 0 on PGlite (`sweep cancel` said "0 trials cancelled",
 * touchWorker never saw its worker). Found when the queue tests first ran on PGlite.
 */
function withAffectedRows(inner: DatabaseConnection): DatabaseConnection {
  return {
    async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
      const r = (await inner.executeQuery<R>(q)) as QueryResult<R> & { affectedRows?: number };
      if (r.numAffectedRows !== undefined || r.affectedRows === undefined) return r;
      return { rows: r.rows, numAffectedRows: BigInt(r.affectedRows) };
    },
    streamQuery: (q, chunk) => inner.streamQuery(q, chunk),
  };
}

export function serializedPGliteDialect(client: PGlite): Dialect {
  const base = new KyselyPGlite(client).dialect;
  return {
    createAdapter: () => base.createAdapter(),
    createDriver: () => new SerializedDriver(base.createDriver()),
    createIntrospector: (db) => base.createIntrospector(db),
    createQueryCompiler: () => base.createQueryCompiler(),
  };
}
