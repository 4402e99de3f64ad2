/**
 * A database connection killed in the middle of a transaction (what a Postgres restart does to a busy
 * coordinator), reproduced without restarting the server: pg_terminate_backend on the connection a
 * transaction holds.
 *   - the process does not die of an uncaught 'error' event (node:test fails the test on one), the transaction
 *     rejects, and the pool serves the next query on a fresh connection;
 *   - the coordinator maps that rejection to UNAVAILABLE (transient: workers retry), not UNKNOWN;
 *   - a running coordinator whose connections are all terminated keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { sql } from 'kysely';
import { unary } from '@equiscale/contract';
import { toRpcError } from '@equiscale/coordinator';
import type { EquiscaleDb } from '@equiscale/db';
import { openTestDatabase } from '@equiscale/db/testing';
import { launch, startStack, tinySpec, type Stack } from '../sweeps/helpers.js';

describe('a database connection lost mid-transaction', () => {
  let conn: EquiscaleDb & { url: string };
  let killer: EquiscaleDb & { url: string };
  let s: Stack;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  before(async () => {
    conn = await openTestDatabase();
    killer = await openTestDatabase();
    s = await startStack();
    process.on('uncaughtException', onUncaught);
  });
  after(async () => {
    process.off('uncaughtException', onUncaught);
    await s?.close();
    await conn?.close();
    await killer?.close();
  });

  it('fails the transaction, not the process; the next query runs; the coordinator answers UNAVAILABLE', async () => {
    const err = await conn.db
      .transaction()
      .execute(async (tx) => {
        const me = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
        await sql`select pg_terminate_backend(${me.rows[0]!.pid})`.execute(killer.db);
        await sleep(300); // the server's FATAL message arrives while the client is checked out and idle
        await sql`select 1`.execute(tx);
      })
      .then(
        () => assert.fail('the transaction went through on a terminated connection'),
        (e: unknown) => e,
      );
    assert.deepEqual(uncaught, [], 'no uncaught exception');
    const mapped = toRpcError(err);
    assert.equal(mapped?.code, status.UNAVAILABLE, `mapped to ${mapped ? status[mapped.code] : 'UNKNOWN'}: ${(err as Error).message}`);
    const next = await sql<{ x: number }>`select 1 as x`.execute(conn.db);
    assert.equal(next.rows[0]!.x, 1);
  });

  it('a coordinator whose connections are all terminated keeps serving', async () => {
    await launch(s, tinySpec({ name: 'conn-loss', seeds: [0] }));
    const dbName = new URL(s.conn.url).pathname.slice(1);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${dbName} and pid <> pg_backend_pid()`.execute(killer.db);
    await sleep(300);
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      ok = await unary(s.admin, s.admin.getSweep as any, { name: 'conn-loss' }, s.md, 5_000).then(
        () => true,
        (e: { code: number }) => {
          assert.equal(e.code, status.UNAVAILABLE, 'a lost connection is reported as transient');
          return false;
        },
      );
      if (!ok) await sleep(100);
    }
    assert.ok(ok, 'the coordinator serves again');
    assert.deepEqual(uncaught, []);
  });
});
