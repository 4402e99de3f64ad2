/**
 * Chaos: a sweep of 32 short, deterministic, REAL training trials (tiny transformers, with and without E(3)
 * augmentation, cpu backend, 150 steps, a checkpoint every 25 steps) run by 4 worker processes, served by TWO
 * coordinator processes (`equiscale coordinator`, both on the same database; workers alternate between them), while
 *   - a worker is SIGKILLed every 1.5-3 s, and at least every 4 completions (preferably one whose trial has a
 *     checkpoint at step > 0, so the kill interrupts training), and a replacement started,
 *   - each coordinator is SIGKILLed once, right after one of its workers completed a trial (so claims are in
 *     flight), and a new one started on the same port; the other keeps serving meanwhile,
 *   - Postgres itself is restarted once (`pg_ctlcluster ... restart`). This must happen: without root or
 *     pg_ctlcluster the test fails; only EQUISCALE_CHAOS_PG_RESTART=0 skips it, and the summary says so.
 *     Postgres is always left running (started again if a restart failed half-way).
 * Afterwards:
 *   - every trial is completed exactly once (one completion, one test result of its final attempt),
 *   - no lease is left held,
 *   - no metric row belongs to an attempt that does not exist (1 ≤ metric.attempt ≤ trial.attempt),
 *   - attempt = 1 + preemptions + failures for every trial, and every earlier attempt is explained: its worker was
 *     killed, or it saw its lease lost (outages), or the claim never reached a worker (bounded by kills+outages),
 *   - at least one attempt was interrupted mid-training (a checkpoint at step > 0 saved, then killed) and its
 *     trial resumed from a checkpoint at step > 0 and completed,
 *   - the final losses equal, bit for bit, those of the same sweep run fault-free in another fresh database.
 * Summary: `chaos: kills=K coordinator_kills=C postgres_restarts=P interrupted=I resumed=R trials=T duplicates=0 lost=0`
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Metadata } from '@grpc/grpc-js';
import { sql } from 'kysely';
import { makeAdminClient, unary } from '@equiscale/contract';
import { silentLogger, startCoordinator, type RunningCoordinator } from '@equiscale/coordinator';
import { crash, spawnCoordinator, type CoordinatorProcess } from './coordinator-process.js';
import type { EquiscaleDb } from '@equiscale/db';
import { openTestDatabase } from '@equiscale/db/testing';
import { killAll, spawnWorker, tinySpec, warmDatasetCache, type WorkerProcess } from '../sweeps/helpers.js';

const SEEDS = Array.from({ length: 16 }, (_, i) => i);
const STEPS = 150;
const spec = tinySpec({ name: 'chaos', seeds: SEEDS, steps: [STEPS], checkpointEvery: 25, maxAttempts: 3 });
const N = 2 * SEEDS.length;
const WORKERS = 4;
const OPTS = { leaseTtlMs: 1_500, heartbeatIntervalMs: 500, reapIntervalMs: 200, idleRetryMs: 200, logger: silentLogger };
/** the same lease settings for the coordinator processes (reaper and idle retry at their defaults, 2 s and 1 s) */
const COORDINATOR_FLAGS = ['--lease-ttl-ms', '1500', '--heartbeat-ms', '500'];

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

const PG_VERSIONS = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];

/** The pg_ctlcluster arguments of the restart, or why it cannot run (the test then fails unless skipped). */
function postgresRestartCommand(): { skip: string } | { cannot: string } | { args: string[] } {
  if (process.env.EQUISCALE_CHAOS_PG_RESTART === '0') return { skip: 'EQUISCALE_CHAOS_PG_RESTART=0' };
  if (!existsSync('/usr/bin/pg_ctlcluster') && !existsSync('/usr/sbin/pg_ctlcluster')) return { cannot: 'pg_ctlcluster is not installed' };
  if (process.getuid?.() !== 0) return { cannot: 'pg_ctlcluster needs root' };
  if (PG_VERSIONS.length !== 1) return { cannot: `expected one Postgres version under /etc/postgresql, found ${PG_VERSIONS.length}` };
  return { args: ['--skip-systemctl-redirect', PG_VERSIONS[0]!, 'main', 'restart'] };
}

const pgReady = () => {
  try {
    execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
};

/** Leaves Postgres running whatever happened: starts the cluster if it does not answer (bounded wait). */
async function ensurePostgresRunning(): Promise<void> {
  if (pgReady() || PG_VERSIONS.length !== 1) return;
  await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', PG_VERSIONS[0]!, 'main', 'start'], { timeout: 60_000 }).catch(() => {});
  for (let i = 0; i < 60 && !pgReady(); i++) await sleep(500);
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

describe('chaos: killed workers, SIGKILLed coordinators and a restarted Postgres during a real sweep', () => {
  let chaosDb: EquiscaleDb & { url: string };
  let refDb: EquiscaleDb & { url: string };
  const coordinators: (CoordinatorProcess | undefined)[] = [undefined, undefined];
  const deadCoordinators: CoordinatorProcess[] = [];
  let refCoordinator: RunningCoordinator | undefined;
  const all: WorkerProcess[] = [];
  before(async () => {
    await warmDatasetCache(spec);
    chaosDb = await openTestDatabase();
    refDb = await openTestDatabase();
  });
  after(async () => {
    await killAll(all);
    for (const c of coordinators) if (c) await crash(c);
    await refCoordinator?.stop();
    await ensurePostgresRunning();
    await chaosDb?.close().catch(() => {});
    await refDb?.close().catch(() => {});
  });

  it('completes every trial exactly once with the results of a fault-free run', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
    const rand = rng(seed);
    const pgRestart = postgresRestartCommand();
    if ('cannot' in pgRestart) {
      assert.fail(`chaos: the Postgres restart cannot run (${pgRestart.cannot}); run as root on a Debian cluster, or set EQUISCALE_CHAOS_PG_RESTART=0 to skip it`);
    }
    if ('skip' in pgRestart) console.log(`chaos: skipping the Postgres restart (${pgRestart.skip})`);

    // two coordinator processes on one database; each restarts on its own port
    for (const i of [0, 1]) coordinators[i] = await spawnCoordinator(chaosDb.url, { flags: COORDINATOR_FLAGS });
    const ports = coordinators.map((c) => c!.port);
    const addresses = coordinators.map((c) => c!.address);
    const admin = makeAdminClient(addresses[0]!);
    await unary(admin, admin.createSweep as any, { specText: JSON.stringify(spec), format: 'json', extend: false }, new Metadata());
    admin.close();

    let spawned = 0;
    const alive = new Map<string, WorkerProcess>();
    const coordinatorOf = new Map<string, number>();
    const killed = new Set<string>();
    const spawn = () => {
      const id = `chaos-${spawned++}`;
      const c = spawned % 2;
      // debug level: workers log every checkpoint they save ("checkpoint saved", with its step)
      const w = spawnWorker(addresses[c]!, ['--worker-id', id], { EQUISCALE_LOG_LEVEL: 'debug' });
      all.push(w);
      alive.set(id, w);
      coordinatorOf.set(id, c);
      void w.exited.then(() => alive.delete(id));
    };
    for (let i = 0; i < WORKERS; i++) spawn();

    const completed = async () =>
      retrying(async () => (await sql<{ n: number }>`select count(*)::int as n from trials where status = 'completed'`.execute(chaosDb.db)).rows[0]!.n);
    /** workers now training a trial that has a checkpoint at step > 0 (a kill interrupts training) */
    const midTraining = async () =>
      retrying(async () =>
        (await sql<{ owner: string }>`select lease_owner as owner from trials where status = 'running' and checkpoint_step > 0`.execute(chaosDb.db)).rows.map(
          (r) => r.owner,
        ),
      );

    const t0 = Date.now();
    const events: string[] = [];
    const note = (what: string) => {
      const line = `${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`;
      events.push(line);
      if (process.env.CHAOS_VERBOSE) console.log(`chaos: ${line}`);
    };
    /** SIGKILLs coordinator i right after one of its workers completes a trial (its next call is a claim). */
    const crashCoordinator = async (i: number) => {
      const mine = () => [...alive.entries()].filter(([id]) => coordinatorOf.get(id) === i).map(([, w]) => w);
      const before = mine().reduce((n, w) => n + w.logs.filter((l) => l.msg === 'trial completed').length, 0);
      const until = Date.now() + 10_000;
      while (Date.now() < until && mine().reduce((n, w) => n + w.logs.filter((l) => l.msg === 'trial completed').length, 0) === before) await sleep(5);
      const c = coordinators[i]!;
      await crash(c);
      deadCoordinators.push(c);
      coordinators[i] = undefined;
      note(`SIGKILLed coordinator ${i} (port ${ports[i]}, pid ${c.child.pid}), exit signal ${c.child.signalCode}`);
      await sleep(300);
      coordinators[i] = await spawnCoordinator(chaosDb.url, { port: ports[i], flags: COORDINATOR_FLAGS });
      note(`new coordinator ${i} on port ${ports[i]}`);
    };

    let kills = 0;
    let coordinatorKills = 0;
    let postgresRestarts = 0;
    let nextKill = Date.now() + 1_500 + rand() * 1_500;
    let lastKill = Date.now();
    let doneAtLastKill = 0;
    const deadline = Date.now() + 600_000;
    for (;;) {
      const done = await completed();
      if (done === N) break;
      assert.ok(Date.now() < deadline, `the chaos sweep did not finish in time (${done}/${N} completed)\n${events.join('\n')}`);
      if (coordinatorKills === 0 && done >= 3) {
        await crashCoordinator(0);
        coordinatorKills++;
      } else if (coordinatorKills === 1 && done >= 8) {
        await crashCoordinator(1);
        coordinatorKills++;
      } else if (postgresRestarts === 0 && 'args' in pgRestart && done >= 12) {
        note(`${done} completed: restarting Postgres`);
        try {
          await promisify(execFile)('pg_ctlcluster', pgRestart.args, { timeout: 60_000 });
        } finally {
          await ensurePostgresRunning();
        }
        assert.ok(pgReady(), 'Postgres answers after its restart');
        postgresRestarts++;
        note('Postgres restarted');
      } else if ((Date.now() >= nextKill && kills <= done / 2) || (done - doneAtLastKill >= 4 && Date.now() - lastKill >= 800)) {
        // every few seconds, but no more than one kill per two completions (on a loaded machine a trial can take
        // longer than the gap between kills, and the sweep would never finish), and at least every 4 completions
        // on a fast machine; victims preferably among the workers training a trial past its first checkpoint,
        // else among the registered ones
        const training = (await midTraining()).filter((id) => alive.has(id));
        const up = [...alive.keys()].filter((k) => alive.get(k)!.logs.some((l) => l.msg === 'worker registered'));
        const ids = training.length > 0 ? training : up;
        if (ids.length === 0) {
          // nobody is up yet (start-up under load): a kill now would only slow the sweep down
          nextKill = Date.now() + 500;
          await sleep(100);
          continue;
        }
        const id = ids[Math.floor(rand() * ids.length)]!;
        const victim = alive.get(id)!;
        killed.add(id);
        victim.child.kill('SIGKILL');
        await victim.exited;
        kills++;
        note(`${done} completed: killed ${id}${training.includes(id) ? ' (mid-training)' : ''}`);
        spawn();
        doneAtLastKill = done;
        lastKill = Date.now();
        nextKill = Date.now() + 1_500 + rand() * 1_500;
      }
      await sleep(100);
    }
    note('all trials completed');
    assert.equal(coordinatorKills, 2, 'both coordinators were SIGKILLed (and replaced) while the sweep ran');
    for (const c of deadCoordinators) assert.equal(c.child.signalCode, 'SIGKILL', 'a coordinator died of SIGKILL, not a polite stop');
    if ('args' in pgRestart) assert.equal(postgresRestarts, 1, 'Postgres was restarted while the sweep ran');
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
    assert.ok(unclaimed <= kills + coordinatorKills + postgresRestarts, `${unclaimed} attempts were claimed by no worker`);
    // every kill of a worker in the middle of an attempt shows up as a later attempt of that trial
    for (const [k, owner] of claimedBy) {
      if (!killed.has(owner) || ended.has(k)) continue;
      const [trial, attempt] = k.split('/').map(Number) as [number, number];
      const t = trials.find((x) => x.id === trial)!;
      assert.ok(t.attempt > attempt || t.status === 'completed', `kill of ${owner} during ${t.cell_key} attempt ${attempt} is accounted for`);
    }

    // ---- the kills hit running trials: interrupted mid-training, resumed from a checkpoint at step > 0 ----
    const checkpointed = new Set<string>(); // attempts that saved a checkpoint at step > 0
    for (const l of logs) {
      if (l.msg === 'checkpoint saved' && Number(l.step) > 0) checkpointed.add(key(l.trial, l.attempt ?? lastClaim.get(`${workerOf(l)}/${Number(l.trial)}`)));
    }
    const interrupted = [...claimedBy].filter(([k, owner]) => checkpointed.has(k) && !ended.has(k) && killed.has(owner)).length;
    const finalAttempt = new Map(trials.map((t) => [t.id, t.attempt]));
    const resumedTrials = new Set<number>();
    for (const l of logs) {
      if (l.msg === 'trial claimed; resuming from checkpoint' && Number(l.resumedFrom) > 0 && finalAttempt.get(Number(l.trial)) === Number(l.attempt)) {
        resumedTrials.add(Number(l.trial));
      }
    }
    assert.ok(interrupted >= 1, `at least one attempt was killed mid-training, after a checkpoint at step > 0 (${interrupted})\n${events.join('\n')}`);
    assert.ok(resumedTrials.size >= 1, 'at least one trial finished in an attempt that resumed from a checkpoint at step > 0');
    // (their final attempt is the resumed one, and every trial is completed with the fault-free losses: below)

    // ---- the same sweep, fault-free, in another fresh database ----
    refCoordinator = await startCoordinator({ db: refDb, ...OPTS, leaseTtlMs: 30_000, heartbeatIntervalMs: 1_000 });
    const refAdmin = makeAdminClient(refCoordinator.address);
    await unary(refAdmin, refAdmin.createSweep as any, { specText: JSON.stringify(spec), format: 'json', extend: false }, new Metadata());
    refAdmin.close();
    const ref = [0, 1].map((i) => spawnWorker(refCoordinator!.address, ['--worker-id', `ref-${i}`, '--idle-exit-ms', '1000']));
    all.push(...ref);
    const refExits = await Promise.race([Promise.all(ref.map((w) => w.exited)), sleep(180_000, undefined, { ref: false }).then(() => 'timeout' as const)]);
    assert.deepEqual(refExits, [0, 0], `the fault-free workers exit by themselves: ${ref.map((w) => JSON.stringify(w.logs.slice(-3))).join('\n')}`);
    const refTrials = new Map((await trialsOf(refDb)).map((t) => [t.cell_key, t]));
    assert.equal(refTrials.size, N);
    for (const t of trials) {
      const r = refTrials.get(t.cell_key)!;
      assert.equal(r.status, 'completed');
      assert.equal(r.attempt, 1, 'the reference ran without interruption');
      assert.deepEqual(
        [t.test_loss, t.val_loss, t.train_loss],
        [r.test_loss, r.val_loss, r.train_loss],
        `${t.cell_key}${resumedTrials.has(t.id) ? ' (resumed from a checkpoint)' : ''}: same losses as the fault-free run`,
      );
    }

    if ('skip' in pgRestart) console.log(`chaos: postgres restart skipped (${pgRestart.skip})`);
    console.log(
      `chaos: kills=${kills} coordinator_kills=${coordinatorKills} postgres_restarts=${postgresRestarts} interrupted=${interrupted} ` +
        `resumed=${resumedTrials.size} trials=${N} duplicates=${duplicates} lost=${lost}`,
    );
    console.log(
      `chaos detail: seed ${seed}; ${trials.filter((t) => t.attempt > 1).length} trials took more than one attempt; earlier attempts: ${byKill} killed, ` +
        `${byLeaseLoss} lost their lease, ${unclaimed} never reached a worker; ${spawned} worker processes; sweep done in ${events.at(-2)?.split(' ')[0]}`,
    );
  });
});
