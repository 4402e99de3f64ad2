/**
 * (4) The coordinator restarted mid-sweep: workers ride out the outage (capped backoff), reconnect to the new
 * coordinator on the same address, keep their leases (all state is in Postgres), and the sweep completes with
 * nothing duplicated. And two coordinators serving one database at once share its queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Metadata } from '@grpc/grpc-js';
import { sql } from 'kysely';
import { makeAdminClient, unary } from '@equiscale/contract';
import { silentLogger, startCoordinator, type RunningCoordinator } from '@equiscale/coordinator';
import type { EquiscaleDb, TrialStatus } from '@equiscale/db';
import { openTestDatabase } from '@equiscale/db/testing';
import { createSleepTrainer, runWorker, silentLogger as quietWorker, type TrialReport } from '@equiscale/worker';
import { CACHE_DIR, killAll, spawnWorker, tinySpec, waitFor, warmDatasetCache, type WorkerProcess } from './helpers.js';

const OPTS = { leaseTtlMs: 6_000, heartbeatIntervalMs: 500, reapIntervalMs: 300, idleRetryMs: 200, logger: silentLogger };
const spec = tinySpec({ name: 'restart', steps: [24], checkpointEvery: 8 });

describe('coordinator restarted mid-sweep', () => {
  let conn: EquiscaleDb & { url: string };
  let coordinator: RunningCoordinator | undefined;
  const workers: WorkerProcess[] = [];
  before(async () => {
    await warmDatasetCache(spec);
    conn = await openTestDatabase();
  });
  after(async () => {
    await killAll(workers);
    await coordinator?.stop();
    await conn?.close();
  });

  it('workers reconnect, the sweep completes, nothing is duplicated', async () => {
    coordinator = await startCoordinator({ db: conn, ...OPTS });
    const port = coordinator.port;
    const admin = makeAdminClient(coordinator.address);
    await unary(admin, admin.createSweep, { specText: JSON.stringify(spec), format: 'json', extend: false }, new Metadata());
    admin.close();
    for (let i = 0; i < 2; i++) workers.push(spawnWorker(coordinator.address, ['--idle-exit-ms', '1500', '--worker-id', `r${i}`]));

    const count = async (st: TrialStatus) =>
      (await conn.db.selectFrom('trials').select(sql<number>`count(*)::int`.as('n')).where('status', '=', st).executeTakeFirstOrThrow()).n;
    await waitFor('the first completed trial', async () => (await count('completed')) >= 1, 60_000, 50);
    assert.ok((await count('completed')) < 6, 'the sweep is still in progress when the coordinator goes away');

    await coordinator.stop();
    coordinator = undefined;
    await sleep(1_500);
    coordinator = await startCoordinator({ db: conn, ...OPTS, port });
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, [0, 0], JSON.stringify(workers.map((w) => w.logs.filter((l) => l.level === 'error'))));

    const trials = await conn.db.selectFrom('trials').selectAll().execute();
    assert.equal(trials.length, 6);
    for (const t of trials) {
      assert.equal(t.status, 'completed', `${t.cell_key}: ${t.error}`);
      assert.equal(t.progress_step, 24);
      assert.equal(t.attempt, 1 + t.preemptions, 'no attempt failed');
    }
    // leases (6 s) outlive the outage, so trials keep their progress: one attempt each, no step reported twice
    const kept = trials.filter((t) => t.attempt === 1).length;
    assert.ok(kept >= 5, `trials kept their lease through the restart (${kept} of 6)`);
    const dup = await sql<{ n: number }>`
      select count(*)::int as n from (
        select trial_id, split, step from trial_metrics group by trial_id, split, step having count(*) > 1
      ) d join trials t on t.id = d.trial_id where t.attempt = 1`.execute(conn.db);
    assert.equal(dup.rows[0]!.n, 0, 'no metric point stored twice');
    const tests = await sql<{ n: number }>`select count(*)::int as n from trial_metrics where split = 'test'`.execute(conn.db);
    assert.equal(tests.rows[0]!.n, 6, 'one test result per cell');
    const reconnected = workers.filter((w) => w.logs.some((l) => l.msg === 'coordinator reachable again'));
    assert.ok(reconnected.length >= 1, 'at least one worker saw the outage and reconnected');
    const sweep = await conn.db.selectFrom('sweeps').select('status').executeTakeFirstOrThrow();
    assert.equal(sweep.status, 'completed');
  });
});

describe('two coordinators on one database', () => {
  let conn: EquiscaleDb & { url: string };
  const coordinators: RunningCoordinator[] = [];
  before(async () => {
    conn = await openTestDatabase();
  });
  after(async () => {
    for (const c of coordinators) await c.stop();
    await conn?.close();
  });

  it('share the queue: every trial runs exactly once', async () => {
    for (let i = 0; i < 2; i++) coordinators.push(await startCoordinator({ db: conn, ...OPTS }));
    const admin = makeAdminClient(coordinators[1]!.address);
    const many = tinySpec({ name: 'shared', seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
    await unary(admin, admin.createSweep, { specText: JSON.stringify(many), format: 'json', extend: false }, new Metadata());
    admin.close();
    const ends: TrialReport[] = [];
    await Promise.all(
      [0, 1, 2, 3].map((i) =>
        runWorker({
          coordinator: coordinators[i % 2]!.address,
          cacheDir: CACHE_DIR,
          trainer: createSleepTrainer({ msPerStep: 2 }),
          logger: quietWorker,
          idleExitMs: 300,
          onTrialEnd: (r) => ends.push(r),
        }),
      ),
    );
    assert.equal(ends.length, 20);
    assert.ok(ends.every((r) => r.result === 'completed'));
    assert.equal(new Set(ends.map((r) => r.trialId)).size, 20, 'no trial handed out twice');
    const trials = await conn.db.selectFrom('trials').select(['status', 'attempt']).execute();
    assert.deepEqual(
      trials.map((t) => [t.status, t.attempt]),
      trials.map(() => ['completed', 1]),
    );
  });
});
