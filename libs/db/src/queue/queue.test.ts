import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { EquiscaleDb } from '../connect.js';
import { syntheticTrialRows, TEST_DRIVERS } from '../testing.js';
import { createSweep, SweepConflictError, type TrialRowInput } from '../sweeps/create-sweep.js';
import { cancelSweep, sweepOverview } from '../sweeps/sweep-queries.js';
import { claimTrial } from './claim-trial.js';
import { heartbeatTrial } from './heartbeat.js';
import { LeaseLostError } from './lease.js';
import { reportMetrics } from './report-metrics.js';
import { saveCheckpoint } from './save-checkpoint.js';
import { completeTrial, failTrial, releaseTrial, settleFinishedSweeps } from './finish-trial.js';
import { reapExpiredLeases } from './reap-expired-leases.js';

/** Rows alternating between families, cheapest FLOPs last (so claim order is visible). */
function cells(n: number, prefix = 'c'): TrialRowInput[] {
  return syntheticTrialRows(n, prefix, (i) => ({
    family: i % 2 ? 'gatr' : 'transformer',
    modelFamily: i % 2 ? 'gatr' : 'transformer',
    dims: i % 2 ? { gatr: { mvChannels: 1, sChannels: 8, blocks: 1, heads: 1 } } : { transformer: { width: 8, depth: 1, heads: 1, mlpRatio: 4 } },
    steps: 10,
    trainSize: 32,
    plan: { paramCount: 100 + i, nominalFlopsPerSample: 25 * (n - i), nominalFlops: 1000 * (n - i), executedFlops: 1000 * (n - i) },
  }));
}

const done = { outcome: 'completed' as const, steps: 10, trainLoss: 1, valLoss: 2, testLoss: 3, backend: 'cpu', wallTimeS: 1 };

// One body per behaviour, run on the Postgres server and on embedded PGlite (the demo's database).
for (const driver of TEST_DRIVERS) {
describe(`trial queue on ${driver.name}`, () => {
  let conn: EquiscaleDb;
  before(async () => {
    conn = await driver.open();
  });
  after(async () => conn?.close());

  it('creates a sweep once per spec hash, refuses a changed spec, extends on request', async () => {
    const db = conn.db;
    const a = await createSweep(db, { name: 'ext', spec: { v: 1 }, specHash: 'h1', maxAttempts: 3, trials: cells(3), extend: false });
    assert.deepEqual([a.created, a.trialCount, a.added], [true, 3, 3]);
    const again = await createSweep(db, { name: 'ext', spec: { v: 1 }, specHash: 'h1', maxAttempts: 3, trials: cells(3), extend: false });
    assert.deepEqual([again.created, again.trialCount, again.added, again.sweepId], [false, 3, 0, a.sweepId]);
    await assert.rejects(
      createSweep(db, { name: 'ext', spec: { v: 2 }, specHash: 'h2', maxAttempts: 3, trials: cells(5), extend: false }),
      (e: unknown) => e instanceof SweepConflictError && /--extend/.test(e.message),
    );
    const ext = await createSweep(db, { name: 'ext', spec: { v: 2 }, specHash: 'h2', maxAttempts: 3, trials: cells(5), extend: true });
    assert.deepEqual([ext.trialCount, ext.added], [5, 2]);
  });

  it('never hands one trial to two concurrent claimers, cheapest FLOPs first', async () => {
    const db = conn.db;
    const { sweepId } = await createSweep(db, { name: 'race', spec: {}, specHash: 'r', maxAttempts: 3, trials: cells(40, 'r'), extend: false });
    const claims = await Promise.all(
      Array.from({ length: 60 }, (_, i) => claimTrial(db, { workerId: `w${i}`, leaseTtlMs: 60_000 })),
    );
    const got = claims.filter((c) => c && Number(c.trial.sweep_id) === sweepId).map((c) => Number(c!.trial.id));
    assert.equal(new Set(got).size, got.length, 'no duplicates');
    const pendingLeft = await db.selectFrom('trials').select(sql<number>`count(*)`.as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow();
    assert.equal(Number(pendingLeft.n), 0);
    // the remaining claims got nothing
    assert.ok(claims.some((c) => c === null));
    // FLOP order among one sweep: cheapest first
    const first = claims.find((c) => c !== null)!;
    assert.ok(first);
    await cancelSweep(db, sweepId);
    await cancelSweep(db, (await db.selectFrom('sweeps').select('id').where('name', '=', 'ext').executeTakeFirstOrThrow()).id);
  });

  it('fences stale writers after a lease expires and is taken over', async () => {
    const db = conn.db;
    await createSweep(db, { name: 'fence', spec: {}, specHash: 'f', maxAttempts: 3, trials: cells(1, 'f'), extend: false });
    const a = (await claimTrial(db, { workerId: 'A', leaseTtlMs: 50 }))!;
    const refA = { trialId: Number(a.trial.id), leaseToken: a.trial.lease_token! };
    await reportMetrics(db, refA, [{ step: 1, split: 'train', loss: 1, samplesSeen: 4, wallTimeS: 0.1 }]);
    await saveCheckpoint(db, { ...refA, step: 1, data: new Uint8Array([1, 2, 3]) });
    await new Promise((r) => setTimeout(r, 120));
    const reaped = await reapExpiredLeases(db);
    assert.deepEqual(reaped.requeued, [refA.trialId]);
    const b = (await claimTrial(db, { workerId: 'B', leaseTtlMs: 60_000 }))!;
    assert.equal(Number(b.trial.id), refA.trialId);
    assert.equal(b.trial.attempt, 2);
    assert.deepEqual(Array.from(b.checkpoint!.data), [1, 2, 3], 'resumes from the previous attempt checkpoint');
    assert.equal(b.checkpoint!.step, 1);
    const isLost = (e: unknown) => e instanceof LeaseLostError && e.state === 'stale-token';
    await assert.rejects(completeTrial(db, refA, done), isLost);
    await assert.rejects(reportMetrics(db, refA, [{ step: 2, split: 'train', loss: 1, samplesSeen: 8, wallTimeS: 0.2 }]), isLost);
    await assert.rejects(heartbeatTrial(db, { ...refA, workerId: 'A', step: 2, leaseTtlMs: 1000 }), isLost);
    await assert.rejects(saveCheckpoint(db, { ...refA, step: 2, data: new Uint8Array([9]) }), isLost);
    await assert.rejects(failTrial(db, { ...refA, error: 'x', retryable: true }), isLost);
    await assert.rejects(completeTrial(db, { trialId: refA.trialId, leaseToken: 'not-a-uuid' }, done), isLost);
    await assert.rejects(completeTrial(db, { trialId: 999999, leaseToken: b.trial.lease_token! }, done), (e: unknown) => e instanceof LeaseLostError && e.state === 'unknown-trial');
    const refB = { trialId: refA.trialId, leaseToken: b.trial.lease_token! };
    await completeTrial(db, refB, done);
    const t = await db.selectFrom('trials').selectAll().where('id', '=', refA.trialId).executeTakeFirstOrThrow();
    assert.equal(t.status, 'completed');
    assert.equal(t.test_loss, 3);
    assert.equal(t.lease_token, null);
    assert.equal(t.preemptions, 1);
    const sweep = await db.selectFrom('sweeps').select('status').where('name', '=', 'fence').executeTakeFirstOrThrow();
    assert.equal(sweep.status, 'completed');
  });

  it('retries failures until max_attempts, releases without counting, ignores duplicate metric batches', async () => {
    const db = conn.db;
    await createSweep(db, { name: 'retry', spec: {}, specHash: 'x', maxAttempts: 2, trials: cells(1, 'x'), extend: false });
    const c1 = (await claimTrial(db, { workerId: 'A', leaseTtlMs: 60_000 }))!;
    const id = Number(c1.trial.id);
    const pts = [
      { step: 1, split: 'train' as const, loss: 2, samplesSeen: 4, wallTimeS: 0.1 },
      { step: 2, split: 'train' as const, loss: 1.5, samplesSeen: 8, wallTimeS: 0.2 },
    ];
    assert.equal(await reportMetrics(db, { trialId: id, leaseToken: c1.trial.lease_token! }, pts), 2);
    assert.equal(await reportMetrics(db, { trialId: id, leaseToken: c1.trial.lease_token! }, pts), 0, 'a resent batch adds nothing');
    await releaseTrial(db, { trialId: id, leaseToken: c1.trial.lease_token!, reason: 'SIGTERM' });
    const c2 = (await claimTrial(db, { workerId: 'A', leaseTtlMs: 60_000 }))!;
    assert.equal(await failTrial(db, { trialId: id, leaseToken: c2.trial.lease_token!, error: 'boom 1', retryable: true }), 'pending');
    const c3 = (await claimTrial(db, { workerId: 'A', leaseTtlMs: 60_000 }))!;
    assert.equal(c3.trial.attempt, 3);
    assert.equal(await failTrial(db, { trialId: id, leaseToken: c3.trial.lease_token!, error: 'boom 2', retryable: true }), 'failed');
    const t = await db.selectFrom('trials').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual([t.status, t.error, t.attempt, t.preemptions], ['failed', 'boom 2', 3, 1]);
    assert.equal(await claimTrial(db, { workerId: 'A', leaseTtlMs: 60_000 }), null);
  });

  it('cancellation reaches a running worker on its next heartbeat', async () => {
    const db = conn.db;
    const { sweepId } = await createSweep(db, { name: 'cancel', spec: {}, specHash: 'c', maxAttempts: 3, trials: cells(3, 'k'), extend: false });
    const c = (await claimTrial(db, { workerId: 'A', leaseTtlMs: 60_000 }))!;
    const ref = { trialId: Number(c.trial.id), leaseToken: c.trial.lease_token!, workerId: 'A', step: 3, leaseTtlMs: 60_000 };
    assert.equal((await heartbeatTrial(db, ref)).cancelled, false);
    assert.equal(await cancelSweep(db, sweepId), 3);
    assert.equal((await heartbeatTrial(db, ref)).cancelled, true);
    const sweep = await db.selectFrom('sweeps').selectAll().where('id', '=', sweepId).executeTakeFirstOrThrow();
    const ov = await sweepOverview(db, sweep);
    assert.equal(ov.counts.cancelled, 3);
    assert.equal(sweep.status, 'cancelled');
  });
});

describe(`sweep completion on ${driver.name}`, () => {
  let conn: EquiscaleDb;
  before(async () => {
    conn = await driver.open();
  });
  after(async () => conn?.close());

  it('completes the sweep when its last trials finish concurrently', async () => {
    const db = conn.db;
    for (let round = 0; round < 8; round++) {
      const name = `concurrent-${round}`;
      await createSweep(db, { name, spec: {}, specHash: name, maxAttempts: 3, trials: cells(6, `k${round}-`), extend: false });
      const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => claimTrial(db, { workerId: `w${i}`, leaseTtlMs: 60_000 })));
      await Promise.all(claims.map((c) => completeTrial(db, { trialId: Number(c!.trial.id), leaseToken: c!.trial.lease_token! }, done)));
      const sweep = await db.selectFrom('sweeps').select('status').where('name', '=', name).executeTakeFirstOrThrow();
      assert.equal(sweep.status, 'completed', `round ${round}`);
    }
  });

  it('keeps a sweep active while a trial is open; the reaper backstop completes one left active', async () => {
    const db = conn.db;
    const { sweepId } = await createSweep(db, { name: 'backstop', spec: {}, specHash: 'b', maxAttempts: 3, trials: cells(2, 'b'), extend: false });
    const a = (await claimTrial(db, { workerId: 'A', leaseTtlMs: 60_000 }))!;
    await completeTrial(db, { trialId: Number(a.trial.id), leaseToken: a.trial.lease_token! }, done);
    const status = async () => (await db.selectFrom('sweeps').select('status').where('id', '=', sweepId).executeTakeFirstOrThrow()).status;
    assert.equal(await status(), 'active', 'one trial still pending');
    assert.deepEqual(await settleFinishedSweeps(db), [], 'nothing to settle while a trial is pending');
    const b = (await claimTrial(db, { workerId: 'B', leaseTtlMs: 60_000 }))!;
    // a coordinator that died between the fenced update and the settle: trial finished, sweep still active
    await db.updateTable('trials').set({ status: 'completed', lease_token: null }).where('id', '=', Number(b.trial.id)).execute();
    assert.equal(await status(), 'active');
    assert.deepEqual(await settleFinishedSweeps(db), [sweepId]);
    assert.equal(await status(), 'completed');
    assert.deepEqual(await settleFinishedSweeps(db), [], 'idempotent');
  });

  it('single-statement fenced writes refuse with the states lockLease gives', async () => {
    const db = conn.db;
    const { sweepId } = await createSweep(db, { name: 'states', spec: {}, specHash: 's', maxAttempts: 3, trials: cells(3, 's'), extend: false });
    const claim = async () => {
      const c = (await claimTrial(db, { workerId: 'A', leaseTtlMs: 60_000 }))!;
      return { trialId: Number(c.trial.id), leaseToken: c.trial.lease_token! };
    };
    const pt = [{ step: 1, split: 'train' as const, loss: 1, samplesSeen: 4, wallTimeS: 0.1 }];
    const lost = (state: string) => (e: unknown) => e instanceof LeaseLostError && e.state === state;
    const finished = await claim();
    await completeTrial(db, finished, done);
    await assert.rejects(heartbeatTrial(db, { ...finished, workerId: 'A', step: 1, leaseTtlMs: 1000 }), lost('finished'));
    await assert.rejects(reportMetrics(db, finished, pt), lost('finished'));
    await assert.rejects(completeTrial(db, finished, done), lost('finished'));
    const running = await claim();
    const other = { ...running, leaseToken: '00000000-0000-4000-8000-000000000000' };
    await assert.rejects(reportMetrics(db, other, pt), lost('stale-token'));
    await assert.rejects(reportMetrics(db, { ...running, leaseToken: 'nope' }, pt), lost('stale-token'));
    await assert.rejects(heartbeatTrial(db, { ...other, workerId: 'A', step: 1, leaseTtlMs: 1000 }), lost('stale-token'));
    await assert.rejects(reportMetrics(db, { trialId: 987654, leaseToken: running.leaseToken }, pt), lost('unknown-trial'));
    await assert.rejects(heartbeatTrial(db, { trialId: 987654, leaseToken: 'x', workerId: 'A', step: 1, leaseTtlMs: 1000 }), lost('unknown-trial'));
    const hb = await heartbeatTrial(db, { ...running, workerId: 'A', step: 7, leaseTtlMs: 120_000 });
    assert.equal(hb.cancelled, false);
    assert.ok(hb.leaseExpiresAt.getTime() > Date.now() + 60_000, 'lease extended');
    const t = await db.selectFrom('trials').select(['progress_step', 'status']).where('id', '=', running.trialId).executeTakeFirstOrThrow();
    assert.deepEqual([t.progress_step, t.status], [7, 'running']);
    assert.equal(await reportMetrics(db, running, pt), 1);
    await cancelSweep(db, sweepId);
    await assert.rejects(reportMetrics(db, running, pt), lost('cancelled'));
    await assert.rejects(completeTrial(db, running, done), lost('cancelled'));
    assert.equal((await heartbeatTrial(db, { ...running, workerId: 'A', step: 8, leaseTtlMs: 1000 })).cancelled, true);
    const m = await db.selectFrom('trial_metrics').select(sql<number>`count(*)`.as('n')).where('trial_id', '=', running.trialId).executeTakeFirstOrThrow();
    assert.equal(Number(m.n), 1, 'refused batches wrote nothing');
  });
});
}
