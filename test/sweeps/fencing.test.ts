/**
 * (3) Fencing over the gRPC API: once a worker's lease expired and another worker took the trial over, every
 * write of the first worker is refused with FAILED_PRECONDITION "lease lost" and changes nothing; the new
 * holder's result stands. Also: worker requests with bad fields are refused INVALID_ARGUMENT naming the field,
 * before anything is written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { unary, type ClaimTrialResponse, type TrialAssignment } from '@equiscale/contract';
import { sql } from 'kysely';
import { TEST_DRIVERS } from '@equiscale/db/testing';
import { grpcError, launch, startStack, tinySpec, waitFor, type Stack } from './helpers.js';

// One body per behaviour, on the Postgres server and on embedded PGlite (the demo's database).
for (const driver of TEST_DRIVERS) {
describe(`fencing of a worker whose lease was taken over (${driver.name})`, () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ leaseTtlMs: 600, heartbeatIntervalMs: 200, reapIntervalMs: 100 }, driver);
  });
  after(async () => s?.close());

  const w = () => s.worker;
  const call = <Req, Res>(m: (...a: any[]) => any, req: Req) => unary<Req, Res>(w(), m as any, req, s.md);
  const claim = (workerId: string) => call<unknown, ClaimTrialResponse>(w().claimTrial, { workerId, maxParamCount: 0 });
  const point = (step: number, loss = 1) => ({ step, split: 'train', loss, samplesSeen: step * 4, wallTimeS: 0.1 });
  const complete = (a: TrialAssignment, testLoss: number) => ({
    trialId: a.trialId,
    leaseToken: a.leaseToken,
    outcome: 'completed',
    steps: 6,
    trainLoss: 1,
    valLoss: 1,
    testLoss,
    backend: 'cpu',
    wallTimeS: 1,
    error: '',
    paramCount: a.trial!.plan!.paramCount,
    executedFlops: 100,
  });
  const counts = async () =>
    (
      await sql<{ metrics: number; checkpoints: number }>`
        select (select count(*) from trial_metrics)::int as metrics, (select count(*) from checkpoints)::int as checkpoints`.execute(
        s.conn.db,
      )
    ).rows[0]!;

  it('refuses every write of the old lease holder once another worker holds the trial', async () => {
    await launch(s, tinySpec({ name: 'fence', families: ['transformer'], seeds: [0] }));
    for (const id of ['A', 'B']) {
      await call(w().register, { workerId: id, host: 'test', backend: 'cpu', capabilities: {}, pid: 1, maxParamCount: 0 });
    }
    const a = (await claim('A')).trial!;
    assert.ok(a, 'A claims the only trial');
    assert.equal((await claim('B')).trial, undefined, 'nothing left for B while A holds it');
    await call(w().reportMetrics, { trialId: a.trialId, leaseToken: a.leaseToken, points: [point(1)] });
    await call(w().saveCheckpoint, { trialId: a.trialId, leaseToken: a.leaseToken, step: 2, data: Buffer.from([1, 2, 3]) });

    // A goes silent: the reaper re-queues the trial once the lease expired, and B takes it over
    const b = await waitFor('B to take the trial over', async () => (await claim('B')).trial, 10_000, 100);
    assert.equal(b.trialId, a.trialId);
    assert.equal(b.attempt, 2);
    assert.notEqual(b.leaseToken, a.leaseToken);
    assert.deepEqual([...b.checkpoint], [1, 2, 3], 'B resumes from A\'s checkpoint');
    assert.equal(b.checkpointStep, 2);

    const before = await counts();
    const lost = grpcError(status.FAILED_PRECONDITION, /^lease lost/);
    const ref = { trialId: a.trialId, leaseToken: a.leaseToken };
    await assert.rejects(call(w().reportMetrics, { ...ref, points: [point(3, 99)] }), lost);
    await assert.rejects(call(w().saveCheckpoint, { ...ref, step: 4, data: Buffer.from([9]) }), lost);
    await assert.rejects(call(w().heartbeat, { workerId: 'A', ...ref, step: 4 }), lost);
    await assert.rejects(call(w().completeTrial, complete(a, 123)), lost);
    await assert.rejects(call(w().failTrial, { ...ref, error: 'stale failure', retryable: true }), lost);
    await assert.rejects(call(w().releaseTrial, { ...ref, reason: 'stale release' }), lost);
    assert.deepEqual(await counts(), before, 'the refused writes stored nothing');

    // B's writes go through; its result is the one stored, and A still cannot touch the finished trial
    const hb = await call<unknown, { cancelled: boolean }>(w().heartbeat, { workerId: 'B', trialId: b.trialId, leaseToken: b.leaseToken, step: 3 });
    assert.equal(hb.cancelled, false);
    await call(w().reportMetrics, { trialId: b.trialId, leaseToken: b.leaseToken, points: [point(3, 0.5)] });
    await call(w().completeTrial, complete(b, 0.25));
    await assert.rejects(call(w().completeTrial, complete(a, 123)), lost);
    const t = await s.conn.db.selectFrom('trials').selectAll().where('id', '=', a.trialId).executeTakeFirstOrThrow();
    assert.deepEqual([t.status, t.test_loss, t.attempt, t.preemptions, t.lease_token], ['completed', 0.25, 2, 1, null]);
    const pts = await s.conn.db.selectFrom('trial_metrics').select(['attempt', 'step', 'loss']).where('trial_id', '=', a.trialId).orderBy('step').execute();
    assert.deepEqual(pts, [
      { attempt: 1, step: 1, loss: 1 },
      { attempt: 2, step: 3, loss: 0.5 },
    ]);
  });

  it('refuses malformed worker requests with the field named, writing nothing', async () => {
    await launch(s, tinySpec({ name: 'fields', families: ['transformer'], seeds: [1] }));
    const a = (await claim('C')).trial!;
    assert.ok(a);
    const ref = { trialId: a.trialId, leaseToken: a.leaseToken };
    const before = await counts();
    const bad = (field: RegExp) => grpcError(status.INVALID_ARGUMENT, field);
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ['token not a UUID', () => call(w().reportMetrics, { ...ref, leaseToken: 'abc', points: [point(1)] }), /^lease_token: /],
      ['trial id 0', () => call(w().reportMetrics, { ...ref, trialId: 0, points: [point(1)] }), /^trial_id: /],
      ['negative trial id', () => call(w().saveCheckpoint, { ...ref, trialId: -4, step: 1, data: Buffer.from([1]) }), /^trial_id: /],
      ['NaN loss', () => call(w().reportMetrics, { ...ref, points: [point(1), point(2, NaN)] }), /^points\[1\]\.loss: /],
      ['infinite loss', () => call(w().reportMetrics, { ...ref, points: [point(1, Infinity)] }), /^points\[0\]\.loss: /],
      ['unknown split', () => call(w().reportMetrics, { ...ref, points: [{ ...point(1), split: 'holdout' }] }), /^points\[0\]\.split: .*train, val, test/],
      ['negative step', () => call(w().reportMetrics, { ...ref, points: [point(-1)] }), /^points\[0\]\.step: /],
      [
        'too many points',
        () => call(w().reportMetrics, { ...ref, points: Array.from({ length: 10_001 }, (_, i) => point(i)) }),
        /^points: at most 10000/,
      ],
      ['empty checkpoint', () => call(w().saveCheckpoint, { ...ref, step: 1, data: Buffer.alloc(0) }), /^data: /],
      ['negative checkpoint step', () => call(w().saveCheckpoint, { ...ref, step: -2, data: Buffer.from([1]) }), /^step: /],
      ['unknown outcome', () => call(w().completeTrial, { ...complete(a, 1), outcome: 'great' }), /^outcome: /],
      ['NaN test loss', () => call(w().completeTrial, complete(a, NaN)), /^test_loss: /],
      ['negative steps', () => call(w().completeTrial, { ...complete(a, 1), steps: -1 }), /^steps: /],
      // the coordinator checks the model the worker built against the trial's plan (it no longer drops param_count)
      ['another model', () => call(w().completeTrial, { ...complete(a, 1), paramCount: a.trial!.plan!.paramCount + 1 }), /^param_count: expected \d+ \(the trial's planned parameter count\)/],
      ['negative baseline', () => call(w().completeTrial, { ...complete(a, 1), baselines: { noMotion: -1, constantVelocity: 1 } }), /^baselines\.no_motion: /],
      ['empty error', () => call(w().failTrial, { ...ref, error: '', retryable: true }), /^error: /],
      ['empty worker id', () => call(w().claimTrial, { workerId: '', maxParamCount: 0 }), /^worker_id: /],
      ['negative max_param_count', () => call(w().claimTrial, { workerId: 'C', maxParamCount: -1 }), /^max_param_count: /],
    ];
    for (const [name, f, field] of cases) await assert.rejects(f(), bad(field), name);
    assert.deepEqual(await counts(), before, 'nothing was written');
    const t = await s.conn.db.selectFrom('trials').selectAll().where('id', '=', a.trialId).executeTakeFirstOrThrow();
    assert.deepEqual([t.status, t.lease_token], ['running', a.leaseToken], 'the trial is untouched');
  });
});
}
