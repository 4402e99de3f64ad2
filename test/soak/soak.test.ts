/**
 * Soak: 20,000 no-op trials through the real gRPC coordinator (`equiscale coordinator`, its own process, on a
 * fresh Postgres database) with 50 concurrent workers (50 gRPC channels, each ClaimTrial → CompleteTrial until
 * the queue is empty). Afterwards: every trial completed exactly once (one claim, attempt 1), no lease left held,
 * the sweep completed; the coordinator's resident memory grew by less than a generous bound between the warm-up
 * and the end (a leak of ~10 KB per trial would exceed it). The figures (trials/s, RSS) are recorded by
 * apps/coordinator/bench/soak.bench.ts; SOAK_TRIALS overrides the count for a quick local run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { callMetadata, makeWorkerClient, unary, type ClaimTrialRequest, type ClaimTrialResponse } from '@equiscale/contract';
import { createSweep, type EquiscaleDb } from '@equiscale/db';
import { openTestDatabase, syntheticTrialRows } from '@equiscale/db/testing';
import { crash, spawnCoordinator, type CoordinatorProcess } from '../chaos/coordinator-process.js';

const TRIALS = Number(process.env.SOAK_TRIALS ?? 20_000);
const WORKERS = 50;
/** generous: the coordinator holds no per-trial state; 200 MiB over 20,000 trials would be a ~10 KB/trial leak */
const RSS_GROWTH_LIMIT = 200 * 1024 * 1024;

describe('soak: 20,000 no-op trials, 50 concurrent workers, one coordinator process', () => {
  let conn: EquiscaleDb & { url: string };
  let coordinator: CoordinatorProcess | undefined;
  before(async () => {
    conn = await openTestDatabase();
  });
  after(async () => {
    if (coordinator) await crash(coordinator);
    await conn?.close();
  });

  it('completes every trial once, leaves no lease held, and the coordinator’s memory stays bounded', async () => {
    coordinator = await spawnCoordinator(conn.url);
    const md = callMetadata({});
    const clients = Array.from({ length: WORKERS }, () => makeWorkerClient(coordinator!.address));
    try {
      // warm-up: every channel connected, the coordinator's pool opened (the queue is empty: claims get nothing)
      for (let round = 0; round < 3; round++) {
        await Promise.all(clients.map((c, w) => unary<ClaimTrialRequest, ClaimTrialResponse>(c, c.claimTrial, { workerId: `soak-${w}`, maxParamCount: 0 }, md)));
      }
      const rows = syntheticTrialRows(TRIALS, 'soak');
      const { sweepId } = await createSweep(conn.db, { name: 'soak', spec: {}, specHash: 'soak', maxAttempts: 3, trials: rows, extend: false });
      const rssStart = coordinator.rssBytes();
      let rssPeak = rssStart;
      const claimed = new Map<number, number>(); // trial id → claims
      let done = 0;
      const t0 = performance.now();
      await Promise.all(
        clients.map(async (c, w) => {
          for (;;) {
            const r = await unary<ClaimTrialRequest, ClaimTrialResponse>(c, c.claimTrial, { workerId: `soak-${w}`, maxParamCount: 0 }, md);
            if (!r.trial) return;
            const t = r.trial;
            claimed.set(t.trialId, (claimed.get(t.trialId) ?? 0) + 1);
            await unary(c, c.completeTrial, {
              trialId: t.trialId, leaseToken: t.leaseToken, outcome: 'completed', steps: 1, trainLoss: 1, valLoss: 1, testLoss: 1,
              backend: 'none', wallTimeS: 0, error: '', paramCount: 1000, executedFlops: 0,
            }, md);
            if (++done % 1000 === 0) rssPeak = Math.max(rssPeak, coordinator!.rssBytes());
          }
        }),
      );
      const secs = (performance.now() - t0) / 1000;
      const rssEnd = coordinator.rssBytes();
      rssPeak = Math.max(rssPeak, rssEnd);

      assert.equal(done, TRIALS, 'every trial was handed out and completed');
      assert.equal(claimed.size, TRIALS);
      assert.ok([...claimed.values()].every((n) => n === 1), 'no trial was handed out twice');
      const db = conn.db;
      const st = (
        await sql<{ completed: number; other: number; held: number; retried: number }>`
          select count(*) filter (where status = 'completed')::int as completed,
                 count(*) filter (where status <> 'completed')::int as other,
                 count(*) filter (where lease_token is not null or lease_owner is not null or lease_expires_at is not null)::int as held,
                 count(*) filter (where attempt <> 1)::int as retried
          from trials where sweep_id = ${sweepId}`.execute(db)
      ).rows[0]!;
      assert.deepEqual(st, { completed: TRIALS, other: 0, held: 0, retried: 0 });
      const sweep = await db.selectFrom('sweeps').select('status').where('id', '=', sweepId).executeTakeFirstOrThrow();
      assert.equal(sweep.status, 'completed');
      const mb = (b: number) => (b / 2 ** 20).toFixed(1);
      console.log(
        `soak: trials=${TRIALS} workers=${WORKERS} ${(TRIALS / secs).toFixed(0)} trials/s in ${secs.toFixed(1)} s; coordinator RSS ` +
          `start ${mb(rssStart)} MiB, peak ${mb(rssPeak)} MiB, end ${mb(rssEnd)} MiB (growth ${mb(rssEnd - rssStart)} MiB, limit ${mb(RSS_GROWTH_LIMIT)})`,
      );
      assert.ok(rssEnd - rssStart < RSS_GROWTH_LIMIT, `coordinator RSS grew by ${mb(rssEnd - rssStart)} MiB over ${TRIALS} trials`);
      assert.equal(coordinator.child.exitCode, null, 'the coordinator is still up');
    } finally {
      for (const c of clients) c.close();
    }
  });
});
