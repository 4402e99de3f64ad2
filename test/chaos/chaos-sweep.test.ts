/**
 * Chaos: a sweep of 32 short, deterministic, REAL training trials (tiny transformers, with and without E(3)
 * augmentation, cpu backend, 150 steps, a checkpoint every 25 steps) run by 4 worker processes while
 *   - a random (registered) worker is SIGKILLed every 1.5-3 s, and at least every 4 completions, and a
 *     replacement started,
 *   - the coordinator is restarted once (same port; all state is in Postgres),
 *   - Postgres itself is restarted once (`pg_ctlcluster ... restart`; skipped with a message when the command
 *     is missing, we are not root, or EQUISCALE_CHAOS_PG_RESTART=0).
 * Afterwards:
 *   - every trial is completed exactly once (one completion, one test result of its final attempt),
 *   - no lease is left held,
 *   - no metric row belongs to an attempt that does not exist (1 ≤ metric.attempt ≤ trial.attempt),
 *   - attempt = 1 + preemptions + failures for every trial, and every earlier attempt is explained: its worker was
 *     killed, or it saw its lease lost (outages), or the claim never reached a worker (bounded by kills+outages),
 *   - the final losses equal, bit for bit, those of the same sweep run fault-free in another fresh database.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Metadata } from '@grpc/grpc-js';
import { sql } from 'kysely';
import { makeAdminClient, unary } from '@equiscale/contract';
import { silentLogger, startCoordinator, type RunningCoordinator } from '@equiscale/coordinator';
import type { EquiscaleDb } from '@equiscale/db';
import { openTestDatabase } from '@equiscale/db/testing';
import { killAll, spawnWorker, tinySpec, warmDatasetCache, type WorkerProcess } from '../sweeps/helpers.js';

const SEEDS = Array.from({ length: 16 }, (_, i) => i);
const STEPS = 150;
const spec = tinySpec({ name: 'chaos', seeds: SEEDS, steps: [STEPS], checkpointEvery: 25, maxAttempts: 3 });
const N = 2 * SEEDS.length;
const WORKERS = 4;
const OPTS = { leaseTtlMs: 1_500, heartbeatIntervalMs: 500, reapIntervalMs: 200, idleRetryMs: 200, logger: silentLogger };

/** a small seeded generator, so a failing run can be replayed with CHAOS_SEED */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function postgresRestartCommand(): string[] | string {
  if (process.env.EQUISCALE_CHAOS_PG_RESTART === '0') return 'EQUISCALE_CHAOS_PG_RESTART=0';
  if (!existsSync('/usr/bin/pg_ctlcluster') && !existsSync('/usr/sbin/pg_ctlcluster')) return 'pg_ctlcluster is not installed';
  if (process.getuid?.() !== 0) return 'pg_ctlcluster needs root';
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  if (versions.length !== 1) return `expected one Postgres version under /etc/postgresql, found ${versions.length}`;
  return ['--skip-systemctl-redirect', versions[0]!, 'main', 'restart'];
}

/** Runs a query, retrying while Postgres is restarting. */
async function retrying<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (err) {
      if (i >= 100) throw err;
      await sleep(100);
    }
  }
}

interface Row {
  id: number;
  cell_key: string;
  status: string;
  attempt: number;
  preemptions: number;
  lease_token: string | null;
  lease_owner: string | null;
  train_loss: number | null;
  val_loss: number | null;
  test_loss: number | null;
}

const trialsOf = (conn: EquiscaleDb) =>
  conn.db
    .selectFrom('trials')
    .select(['id', 'cell_key', 'status', 'attempt', 'preemptions', 'lease_token', 'lease_owner', 'train_loss', 'val_loss', 'test_loss'])
    .orderBy('id')
    .execute() as Promise<Row[]>;

describe('chaos: killed workers, a restarted coordinator and a restarted Postgres during a real sweep', () => {
  let chaosDb: EquiscaleDb & { url: string };
  let refDb: EquiscaleDb & { url: string };
  let coordinator: RunningCoordinator | undefined;
  let refCoordinator: RunningCoordinator | undefined;
  const all: WorkerProcess[] = [];
  before(async () => {
    await warmDatasetCache(spec);
    chaosDb = await openTestDatabase();
    refDb = await openTestDatabase();
  });
  after(async () => {
    await killAll(all);
    await coordinator?.stop();
    await refCoordinator?.stop();
    await chaosDb?.close().catch(() => {});
    await refDb?.close().catch(() => {});
  });

  it('completes every trial exactly once with the results of a fault-free run', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
    const rand = rng(seed);
    const pgRestart = postgresRestartCommand();
    if (typeof pgRestart === 'string') console.log(`chaos: skipping the Postgres restart (${pgRestart})`);

    coordinator = await startCoordinator({ db: chaosDb, ...OPTS });
    const port = coordinator.port;
    const address = coordinator.address;
    const admin = makeAdminClient(address);
    await unary(admin, admin.createSweep as any, { specText: JSON.stringify(spec), format: 'json', extend: false }, new Metadata());
    admin.close();

    let spawned = 0;
    const alive = new Map<string, WorkerProcess>();
    const killed = new Set<string>();
    const spawn = () => {
      const id = `chaos-${spawned++}`;
      const w = spawnWorker(address, ['--worker-id', id]);
      all.push(w);
      alive.set(id, w);
      void w.exited.then(() => alive.delete(id));
    };
    for (let i = 0; i < WORKERS; i++) spawn();

    const completed = async () =>
      retrying(async () => (await sql<{ n: number }>`select count(*)::int as n from trials where status = 'completed'`.execute(chaosDb.db)).rows[0]!.n);

    const t0 = Date.now();
    const events: string[] = [];
    const note = (what: string) => {
      const line = `${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`;
      events.push(line);
      if (process.env.CHAOS_VERBOSE) console.log(`chaos: ${line}`);
    };
    let kills = 0;
    let coordinatorRestarts = 0;
    let postgresRestarts = 0;
    let nextKill = Date.now() + 1_500 + rand() * 1_500;
    let lastKill = Date.now();
    let doneAtLastKill = 0;
    const deadline = Date.now() + 150_000;
    for (;;) {
      const done = await completed();
      if (done === N) break;
      assert.ok(Date.now() < deadline, `the chaos sweep did not finish in time (${done}/${N} completed)\n${events.join('\n')}`);
      if (coordinatorRestarts === 0 && done >= 4) {
        note(`${done} completed: stopping the coordinator`);
        await coordinator.stop();
        coordinator = undefined;
        await sleep(300);
        coordinator = await startCoordinator({ db: chaosDb, ...OPTS, port });
        coordinatorRestarts++;
        note('coordinator restarted');
      } else if (postgresRestarts === 0 && typeof pgRestart !== 'string' && done >= 10) {
        note(`${done} completed: restarting Postgres`);
        await promisify(execFile)('pg_ctlcluster', pgRestart, { timeout: 60_000 });
        postgresRestarts++;
        note('Postgres restarted');
      } else if (Date.now() >= nextKill || (done - doneAtLastKill >= 4 && Date.now() - lastKill >= 800)) {
        // every few seconds, and at least every 4 completions on a fast machine; victims among the workers that
        // are up (registered), so a kill can hit a trial
        const up = [...alive.keys()].filter((k) => alive.get(k)!.logs.some((l) => l.msg === 'worker registered'));
        const ids = up.length > 0 ? up : [...alive.keys()];
        const id = ids[Math.floor(rand() * ids.length)]!;
        const victim = alive.get(id)!;
        killed.add(id);
        victim.child.kill('SIGKILL');
        await victim.exited;
        kills++;
        note(`${done} completed: killed ${id}`);
        spawn();
        doneAtLastKill = done;
        lastKill = Date.now();
        nextKill = Date.now() + 1_500 + rand() * 1_500;
      }
      await sleep(100);
    }
    note('all trials completed');
    assert.equal(coordinatorRestarts, 1, 'the coordinator was restarted while the sweep ran');
    assert.ok(kills >= 4, `workers were killed while the sweep ran (${kills})`);

    // the survivors are idle now: SIGTERM stops them cleanly (one still loading has no handler yet: it just dies)
    const survivors = [...alive.values()];
    const registered = survivors.map((w) => w.logs.some((l) => l.msg === 'worker registered'));
    for (const w of survivors) w.child.kill('SIGTERM');
    const exits = await Promise.race([Promise.all(survivors.map((w) => w.exited)), sleep(30_000, undefined, { ref: false }).then(() => 'timeout' as const)]);
    const tails = () => survivors.map((w) => JSON.stringify(w.logs.slice(-5))).join('\n');
    assert.notEqual(exits, 'timeout', `survivors did not exit within 30 s of SIGTERM; their last logs:\n${tails()}`);
    survivors.forEach((w, i) => {
      if (registered[i]) assert.equal((exits as (number | null)[])[i], 0, `a registered survivor exits 0 on SIGTERM:\n${tails()}`);
    });
    note('survivors stopped');

    // ---- every trial done exactly once, nothing held, no orphan metrics ----
    const trials = await trialsOf(chaosDb);
    assert.equal(trials.length, N);
    const logs: Record<string, unknown>[] = all.flatMap((w) => w.logs);
    const workerOf = (l: Record<string, unknown>) => String(l.worker ?? '');
    const completions = new Map<number, number>();
    for (const l of logs) if (l.msg === 'trial completed') completions.set(Number(l.trial), (completions.get(Number(l.trial)) ?? 0) + 1);
    const duplicates = [...completions.values()].filter((n) => n > 1).length;
    const lost = trials.filter((t) => t.status !== 'completed').length;
    for (const t of trials) {
      assert.equal(t.status, 'completed', `${t.cell_key} ended ${t.status}`);
      assert.ok(Number.isFinite(t.test_loss), `${t.cell_key} has a test loss`);
      assert.deepEqual([t.lease_token, t.lease_owner], [null, null], `${t.cell_key} holds no lease`);
    }
    assert.equal(duplicates, 0, 'no trial was reported completed by two workers');
    const badMetrics = await sql<{ n: number }>`
      select count(*)::int as n from trial_metrics m join trials t on t.id = m.trial_id
      where m.attempt < 1 or m.attempt > t.attempt`.execute(chaosDb.db);
    assert.equal(badMetrics.rows[0]!.n, 0, 'every metric row belongs to an attempt that exists');
    const orphans = await sql<{ n: number }>`
      select count(*)::int as n from trial_metrics m where not exists (select 1 from trials t where t.id = m.trial_id)`.execute(chaosDb.db);
    assert.equal(orphans.rows[0]!.n, 0);
    const finalTests = await sql<{ id: number; n: number }>`
      select t.id, count(m.*)::int as n from trials t
      left join trial_metrics m on m.trial_id = t.id and m.attempt = t.attempt and m.split = 'test'
      group by t.id`.execute(chaosDb.db);
    for (const r of finalTests.rows) assert.equal(r.n, 1, `trial ${r.id}: one test result of its final attempt`);
    const sweep = await chaosDb.db.selectFrom('sweeps').select('status').executeTakeFirstOrThrow();
    assert.equal(sweep.status, 'completed');

    // ---- attempt counts explain every kill ----
    const key = (trial: unknown, attempt: unknown) => `${Number(trial)}/${Number(attempt)}`;
    const claimedBy = new Map<string, string>();
    const ended = new Set<string>(); // attempts whose worker logged an end (completed, lease lost, error)
    const leaseLost = new Set<string>();
    const failures = new Map<number, number>();
    const lastClaim = new Map<string, number>(); // worker/trial → attempt it last claimed (logs are in order per worker)
    for (const l of logs) {
      if (l.msg === 'trial claimed' || l.msg === 'trial claimed; resuming from checkpoint') {
        claimedBy.set(key(l.trial, l.attempt), workerOf(l));
        lastClaim.set(`${workerOf(l)}/${Number(l.trial)}`, Number(l.attempt));
      }
      if (l.msg === 'trial completed') ended.add(key(l.trial, l.attempt));
      if (l.msg === 'lease lost; stopping and dropping the result' || l.msg === 'trial ended with an error') {
        const k = key(l.trial, l.attempt ?? lastClaim.get(`${workerOf(l)}/${Number(l.trial)}`));
        leaseLost.add(k);
        ended.add(k);
      }
      if (l.msg === 'trainer failed') failures.set(Number(l.trial), (failures.get(Number(l.trial)) ?? 0) + 1);
    }
    let byKill = 0;
    let byLeaseLoss = 0;
    let unclaimed = 0;
    for (const t of trials) {
      assert.equal(t.attempt, 1 + t.preemptions + (failures.get(t.id) ?? 0), `${t.cell_key}: attempt = 1 + preemptions + failures`);
      for (let a = 1; a < t.attempt; a++) {
        const k = key(t.id, a);
        const owner = claimedBy.get(k);
        if (owner === undefined) unclaimed++;
        else if (killed.has(owner) && !ended.has(k)) byKill++;
        else if (leaseLost.has(k)) byLeaseLoss++;
        else assert.fail(`${t.cell_key} attempt ${a} (worker ${owner}) ended without a kill or a lost lease`);
      }
    }
    // a claim whose answer never reached a worker: the worker was killed mid-call, or an outage cut the answer
    assert.ok(unclaimed <= kills + coordinatorRestarts + postgresRestarts, `${unclaimed} attempts were claimed by no worker`);
    // every kill of a worker in the middle of an attempt shows up as a later attempt of that trial
    for (const [k, owner] of claimedBy) {
      if (!killed.has(owner) || ended.has(k)) continue;
      const [trial, attempt] = k.split('/').map(Number) as [number, number];
      const t = trials.find((x) => x.id === trial)!;
      assert.ok(t.attempt > attempt || t.status === 'completed', `kill of ${owner} during ${t.cell_key} attempt ${attempt} is accounted for`);
    }

    // ---- the same sweep, fault-free, in another fresh database ----
    refCoordinator = await startCoordinator({ db: refDb, ...OPTS, leaseTtlMs: 30_000, heartbeatIntervalMs: 1_000 });
    const refAdmin = makeAdminClient(refCoordinator.address);
    await unary(refAdmin, refAdmin.createSweep as any, { specText: JSON.stringify(spec), format: 'json', extend: false }, new Metadata());
    refAdmin.close();
    const ref = [0, 1].map((i) => spawnWorker(refCoordinator!.address, ['--worker-id', `ref-${i}`, '--idle-exit-ms', '1000']));
    all.push(...ref);
    const refExits = await Promise.race([Promise.all(ref.map((w) => w.exited)), sleep(120_000, undefined, { ref: false }).then(() => 'timeout' as const)]);
    assert.deepEqual(refExits, [0, 0], `the fault-free workers exit by themselves: ${ref.map((w) => JSON.stringify(w.logs.slice(-3))).join('\n')}`);
    const refTrials = new Map((await trialsOf(refDb)).map((t) => [t.cell_key, t]));
    assert.equal(refTrials.size, N);
    for (const t of trials) {
      const r = refTrials.get(t.cell_key)!;
      assert.equal(r.status, 'completed');
      assert.equal(r.attempt, 1, 'the reference ran without interruption');
      assert.deepEqual([t.test_loss, t.val_loss, t.train_loss], [r.test_loss, r.val_loss, r.train_loss], `${t.cell_key}: same losses as the fault-free run`);
    }

    const resumed = trials.filter((t) => t.attempt > 1).length;
    console.log(`chaos: kills=${kills} coordinator_restarts=${coordinatorRestarts} postgres_restarts=${postgresRestarts} trials=${N} duplicates=${duplicates} lost=${lost}`);
    console.log(
      `chaos detail: seed ${seed}; ${resumed} trials resumed; earlier attempts: ${byKill} killed, ${byLeaseLoss} lost their lease, ` +
        `${unclaimed} never reached a worker; ${spawned} worker processes; sweep done in ${events.at(-2)?.split(' ')[0]}`,
    );
  });
});
