import type { PGlite } from '@electric-sql/pglite';
import type { DatabaseConnection, Dialect, Driver, TransactionSettings } from 'kysely';
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
    const conn = await this.inner.acquireConnection();
    // The inner driver returns a fresh wrapper object per acquire, so it can key the release.
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

export function serializedPGliteDialect(client: PGlite): Dialect {
  const base = new KyselyPGlite(client).dialect;
  return {
    createAdapter: () => base.createAdapter(),
    createDriver: () => new SerializedDriver(base.createDriver()),
    createIntrospector: (db) => base.createIntrospector(db),
    createQueryCompiler: () => base.createQueryCompiler(),
  };
}
