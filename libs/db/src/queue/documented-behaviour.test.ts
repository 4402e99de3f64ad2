/**
 * Behaviour the queue documents (claim-trial.ts, reap-expired-leases.ts, finish-trial.ts, save-checkpoint.ts, the
 * coordinator README) that no other test would notice breaking. Each was checked by planting the defect once.
 * One body per behaviour, run on the Postgres server and on embedded PGlite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { EquiscaleDb } from '../connect.js';
import { syntheticTrialRows, TEST_DRIVERS } from '../testing.js';
import { createSweep } from '../sweeps/create-sweep.js';
import { claimTrial } from './claim-trial.js';
import { completeTrial, failTrial, releaseTrial } from './finish-trial.js';
import { MAX_LOST_LEASES, reapExpiredLeases } from './reap-expired-leases.js';
import { saveCheckpoint } from './save-checkpoint.js';

const done = { outcome: 'completed' as const, steps: 10, trainLoss: 1, valLoss: 2, testLoss: 3, backend: 'cpu', wallTimeS: 1 };

/** A deterministic shuffle (the claim order must not follow insertion order by accident). */
function shuffled<T>(xs: T[], seed = 7): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

for (const driver of TEST_DRIVERS) {
  describe(`documented queue behaviour on ${driver.name}`, () => {
    let conn: EquiscaleDb;
    before(async () => {
      conn = await driver.open();
    });
    after(async () => conn?.close());

    const claimAll = async (workerId: string) => {
      const got = [];
      for (;;) {
        const c = await claimTrial(conn.db, { workerId, leaseTtlMs: 60_000 });
        if (!c) return got;
        got.push(c);
      }
    };

    it('claims cheapest planned FLOPs first, id as tie-break, across sweeps and families', async () => {
      // 24 rows in shuffled FLOP order, with ties (3 rows per FLOP value), two families, in two sweeps
      const flops = shuffled(Array.from({ length: 24 }, (_, i) => 1e6 * (1 + Math.floor(i / 3))));
      const rows = (prefix: string, from: number) =>
        syntheticTrialRows(12, prefix, (i) => ({
          family: i % 2 ? 'gatr' : 'transformer',
          model_family: i % 2 ? 'gatr' : 'transformer',
          nominal_flops: flops[from + i]!,
        }));
      await createSweep(conn.db, { name: 'order-a', spec: {}, specHash: 'oa', maxAttempts: 3, trials: rows('oa', 0), extend: false });
      await createSweep(conn.db, { name: 'order-b', spec: {}, specHash: 'ob', maxAttempts: 3, trials: rows('ob', 12), extend: false });
      const got = (await claimAll('W')).map((c) => [Number(c.trial.nominal_flops), Number(c.trial.id)] as const);
      assert.equal(got.length, 24);
      const expected = [...got].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.deepEqual(got, expected, 'claimed in (nominal FLOPs, id) order');
      assert.notDeepEqual(
        got.map((g) => g[1]),
        [...got].map((g) => g[1]).sort((a, b) => a - b),
        'the FLOP order differs from insertion order here, so the test tells them apart',
      );
      for (const c of await conn.db.selectFrom('trials').select(['id', 'lease_token']).where('status', '=', 'running').execute()) {
        await completeTrial(conn.db, { trialId: Number(c.id), leaseToken: c.lease_token! }, done);
      }
    });

    it('a released trial keeps its place: pending again, a preemption (not a failure), resumed from its checkpoint', async () => {
      await createSweep(conn.db, { name: 'release', spec: {}, specHash: 'r', maxAttempts: 1, trials: syntheticTrialRows(1, 'rel'), extend: false });
      const a = (await claimTrial(conn.db, { workerId: 'A', leaseTtlMs: 60_000 }))!;
      const ref = { trialId: Number(a.trial.id), leaseToken: a.trial.lease_token! };
      await saveCheckpoint(conn.db, { ...ref, step: 3, data: new Uint8Array([3]) });
      await saveCheckpoint(conn.db, { ...ref, step: 5, data: new Uint8Array([5]) });
      const kept = await conn.db.selectFrom('checkpoints').select(['step']).where('trial_id', '=', ref.trialId).execute();
      assert.deepEqual(kept.map((k) => k.step), [5], 'older checkpoints of the trial are dropped');
      // max_attempts = 1: a release counted as a failure would end the trial failed
      await releaseTrial(conn.db, { ...ref, reason: 'SIGTERM' });
      const b = (await claimTrial(conn.db, { workerId: 'B', leaseTtlMs: 60_000 }))!;
      assert.equal(Number(b.trial.id), ref.trialId);
      assert.deepEqual([b.trial.attempt, b.trial.preemptions], [2, 1]);
      assert.deepEqual([b.checkpoint?.step, Array.from(b.checkpoint?.data ?? [])], [5, [5]], 'resumes from the latest checkpoint');
      assert.equal(b.trial.started_at?.getTime(), a.trial.started_at?.getTime(), 'started_at is the first attempt’s');
      await completeTrial(conn.db, { trialId: ref.trialId, leaseToken: b.trial.lease_token! }, done);
    });

    it('a non-retryable failure ends the trial at once, and the sweep with it', async () => {
      const { sweepId } = await createSweep(conn.db, { name: 'fatal', spec: {}, specHash: 'f', maxAttempts: 5, trials: syntheticTrialRows(1, 'fat'), extend: false });
      const a = (await claimTrial(conn.db, { workerId: 'A', leaseTtlMs: 60_000 }))!;
      const status = await failTrial(conn.db, { trialId: Number(a.trial.id), leaseToken: a.trial.lease_token!, error: 'model too large', retryable: false });
      assert.equal(status, 'failed');
      assert.equal(await claimTrial(conn.db, { workerId: 'A', leaseTtlMs: 60_000 }), null);
      const s = await conn.db.selectFrom('sweeps').select('status').where('id', '=', sweepId).executeTakeFirstOrThrow();
      assert.equal(s.status, 'completed', 'a sweep with nothing left open is settled');
    });

    it(`an expired lease is a preemption; the ${MAX_LOST_LEASES}th in a row ends the trial failed`, async () => {
      const { sweepId } = await createSweep(conn.db, { name: 'lost', spec: {}, specHash: 'l', maxAttempts: 1, trials: syntheticTrialRows(1, 'lost'), extend: false });
      let id = 0;
      for (let i = 1; i <= MAX_LOST_LEASES; i++) {
        const c = (await claimTrial(conn.db, { workerId: `w${i}`, leaseTtlMs: 60_000 }))!;
        assert.ok(c, `claim ${i}: the trial is pending again after ${i - 1} lost leases (max_attempts = 1 is not used up)`);
        id = Number(c.trial.id);
        await sql`update trials set lease_expires_at = now() - interval '1 second' where id = ${id}`.execute(conn.db);
        const r = await reapExpiredLeases(conn.db);
        if (i < MAX_LOST_LEASES) assert.deepEqual([r.requeued, r.failed], [[id], []]);
        else assert.deepEqual([r.requeued, r.failed], [[], [id]]);
      }
      const t = await conn.db.selectFrom('trials').select(['status', 'preemptions', 'error', 'lease_token']).where('id', '=', id).executeTakeFirstOrThrow();
      assert.deepEqual([t.status, t.preemptions, t.lease_token], ['failed', MAX_LOST_LEASES, null]);
      assert.match(t.error ?? '', /lease expired 20 times/);
      const s = await conn.db.selectFrom('sweeps').select('status').where('id', '=', sweepId).executeTakeFirstOrThrow();
      assert.equal(s.status, 'completed');
    });

    it('the reaper leaves unexpired leases alone', async () => {
      await createSweep(conn.db, { name: 'live', spec: {}, specHash: 'lv', maxAttempts: 3, trials: syntheticTrialRows(2, 'live'), extend: false });
      const a = (await claimTrial(conn.db, { workerId: 'A', leaseTtlMs: 60_000 }))!;
      const b = (await claimTrial(conn.db, { workerId: 'B', leaseTtlMs: 60_000 }))!;
      await sql`update trials set lease_expires_at = now() - interval '1 second' where id = ${Number(b.trial.id)}`.execute(conn.db);
      const r = await reapExpiredLeases(conn.db);
      assert.deepEqual(r.requeued, [Number(b.trial.id)]);
      const t = await conn.db.selectFrom('trials').select(['status', 'lease_owner']).where('id', '=', Number(a.trial.id)).executeTakeFirstOrThrow();
      assert.deepEqual([t.status, t.lease_owner], ['running', 'A']);
    });
  });
}
