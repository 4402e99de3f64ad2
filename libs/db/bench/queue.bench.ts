/**
 * Queue bench (directly on the queue functions of libs/db, no gRPC; the coordinator's gRPC path is measured by
 * apps/coordinator/bench/dispatch.bench.ts). Prints, asserts nothing. On a fresh database of the Postgres at
 * TEST_DATABASE_URL (default 127.0.0.1:5432):
 *
 * 1. dispatch: 50 concurrent simulated workers with a no-op trainer run claimTrial → completeTrial until the
 *    sweep is empty: trials/s and claim latency p50/p99. Two claim strategies side by side: the shipped one
 *    (one statement, CTE + SKIP LOCKED), select-then-update in a transaction, a leaner CTE, and the shipped claim
 *    with the previous completeTrial (a 6-round-trip transaction holding the sweep row lock to COMMIT; the
 *    shipped one is a fenced UPDATE + a fresh-snapshot check, the locked settle only for a sweep's last trial).
 * 2. pg-boss@10 on the same server (a fresh database of its own): 50 concurrent workers fetch → complete the
 *    same number of jobs: jobs/s and fetch latency p50/p99.
 * 1 and 2 run BENCH_ROUNDS rounds each (default 3; the order of the contenders alternates between rounds), every
 * round on a fresh database; each side is summarised by the same statistic: the median round (by rate) — never
 * one side's best against the other's only run.
 * 3. metrics: reportMetrics of 1,000-point batches, 1 and 8 concurrent trials: points/s.
 *
 * Pools: 10 connections per client (the coordinator's default, and pg-boss's default `max`).
 * BENCH_TRIALS (default 3000) sets the number of trials/jobs.
 */
import { sql, type Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import { openDatabase, type EquiscaleDb } from '../src/connect.js';
import { migrateToLatest } from '../src/migrate.js';
import { claimTrial } from '../src/queue/claim-trial.js';
import { completeTrial, settleSweep } from '../src/queue/finish-trial.js';
import { lockLease } from '../src/queue/lease.js';
import type { MetricPoint } from '@equiscale/models/accounting';
import { reportMetrics } from '../src/queue/report-metrics.js';
import { createSweep, type TrialRowInput } from '../src/sweeps/create-sweep.js';
import type { Database, DbTrial } from '../src/schema.js';
import { createTestDatabase, syntheticTrialRows, type TestDatabase } from '../src/testing.js';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 3000);
const WORKERS = 50;
const POOL = 10;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const rows = (n: number, prefix: string): TrialRowInput[] => syntheticTrialRows(n, prefix);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Run {
  rate: number;
  p50: number;
  p99: number;
  n: number;
}

/** The median round by rate (the lower middle one for an even count): the same statistic for every contender. */
function medianRun(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.rate - b.rate);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** WORKERS loops of claim → complete until claim returns nothing. */
async function drive(claim: (w: number) => Promise<unknown | null>, complete: (job: unknown) => Promise<void>): Promise<Run> {
  const lat: number[] = [];
  let n = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      for (;;) {
        const s = performance.now();
        const job = await claim(w);
        lat.push(performance.now() - s);
        if (!job) return;
        await complete(job);
        n++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { rate: n / secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), n };
}

const done = { outcome: 'completed' as const, steps: 1, trainLoss: 1, valLoss: 1, testLoss: 1, backend: 'none', wallTimeS: 0 };

/** The alternative strategy: pick with SELECT … FOR UPDATE SKIP LOCKED, then UPDATE, in one transaction. */
async function claimSelectThenUpdate(db: Kysely<Database>, workerId: string): Promise<DbTrial | null> {
  return db.transaction().execute(async (tx) => {
    const pick = await sql<{ id: number }>`
      select id from trials where status = 'pending' order by nominal_flops, id limit 1 for update skip locked`.execute(tx);
    const id = pick.rows[0]?.id;
    if (id === undefined) return null;
    const r = await sql<DbTrial>`
      update trials set status = 'running', attempt = attempt + 1, lease_token = gen_random_uuid(),
        lease_owner = ${workerId}, lease_expires_at = now() + interval '60 seconds', last_heartbeat_at = now(),
        started_at = coalesce(started_at, now()), updated_at = now()
      where id = ${id} returning *`.execute(tx);
    return r.rows[0] ?? null;
  });
}

/** Variant: the shipped CTE without the optional param-count filter and without the sweep-name subquery. */
async function claimPlainCte(db: Kysely<Database>, workerId: string): Promise<DbTrial | null> {
  const r = await sql<DbTrial>`
    with next as (
      select id from trials where status = 'pending' order by nominal_flops, id limit 1 for update skip locked
    )
    update trials t set status = 'running', attempt = t.attempt + 1, lease_token = gen_random_uuid(),
      lease_owner = ${workerId}, lease_expires_at = now() + interval '60 seconds', last_heartbeat_at = now(),
      started_at = coalesce(t.started_at, now()), updated_at = now()
    from next where t.id = next.id returning t.*`.execute(db);
  return r.rows[0] ?? null;
}

/**
 * The previous completeTrial, measured for comparison: one transaction of BEGIN, lockLease (SELECT … FOR UPDATE),
 * UPDATE, sweep row lock, settle, COMMIT. The sweep lock held to COMMIT serialised every completion of a sweep.
 */
async function completePrevious(db: Kysely<Database>, trialId: number, leaseToken: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await lockLease(tx, { trialId, leaseToken });
    await sql`
      update trials set status = 'completed', progress_step = 1, train_loss = 1, val_loss = 1, test_loss = 1,
        backend = 'none', wall_time_s = 0, lease_token = null, lease_owner = null, lease_expires_at = null,
        finished_at = now(), updated_at = now()
      where id = ${trialId}`.execute(tx);
    await settleSweep(tx, trialId);
  });
}

async function fresh(prefix: string): Promise<{ tdb: TestDatabase; conn: EquiscaleDb }> {
  const tdb = await createTestDatabase(prefix);
  const conn = await openDatabase({ url: tdb.url, poolSize: POOL });
  return { tdb, conn };
}

function line(label: string, r: Run, unit = 'trials/s') {
  console.log(`${label.padEnd(58)} ${r.rate.toFixed(0).padStart(6)} ${unit}   claim p50 ${r.p50.toFixed(1)} ms   p99 ${r.p99.toFixed(1)} ms   (n=${r.n})`);
}

async function main() {
  console.log(`${TRIALS} trials/jobs, ${WORKERS} concurrent simulated workers, no-op trainer, pool ${POOL}\n`);
  const { tdb, conn } = await fresh('equiscale_bench');
  const db = conn.db;
  try {
    await migrateToLatest(db);
    const results: Partial<Record<string, Run>> = {};

    // 1. claim strategies, each on a fresh trials table (own database); 2. pg-boss; ROUNDS rounds, alternating order
    const shippedComplete = (d: Kysely<Database>, t: DbTrial) => completeTrial(d, { trialId: Number(t.id), leaseToken: t.lease_token! }, done);
    const strategies: [string, string, (db: Kysely<Database>, w: number) => Promise<DbTrial | null>, typeof shippedComplete?][] = [
      ['cte', 'claimTrial: CTE + SKIP LOCKED (shipped)', async (d, w) => (await claimTrial(d, { workerId: `w${w}`, leaseTtlMs: 60_000 }))?.trial ?? null],
      ['sel', 'select … skip locked, then update, in a transaction', (d, w) => claimSelectThenUpdate(d, `w${w}`)],
      ['plain', 'CTE without param filter and sweep-name subquery', (d, w) => claimPlainCte(d, `w${w}`)],
      [
        'prev',
        'shipped claim + previous 6-round-trip complete',
        async (d, w) => (await claimTrial(d, { workerId: `w${w}`, leaseTtlMs: 60_000 }))?.trial ?? null,
        (d, t) => completePrevious(d, Number(t.id), t.lease_token!),
      ],
    ];
    // pg-boss as one more contender, on a fresh database of its own each round
    const bossRound = async (): Promise<Run> => {
      const bossDb = await createTestDatabase('equiscale_bench_pgboss');
      try {
        const boss = new PgBoss({ connectionString: bossDb.url, max: POOL, supervise: false, schedule: false });
        boss.on('error', () => {});
        await boss.start();
        await boss.createQueue('trials');
        for (let i = 0; i < TRIALS; i += 1000) {
          await boss.insert(Array.from({ length: Math.min(1000, TRIALS - i) }, (_, k) => ({ name: 'trials', data: { i: i + k } })));
        }
        const r = await drive(
          async () => (await boss.fetch('trials', { batchSize: 1 }))[0] ?? null,
          async (job) => boss.complete('trials', (job as { id: string }).id),
        );
        await boss.stop({ graceful: false, wait: true, close: true } as PgBoss.StopOptions);
        return r;
      } finally {
        await bossDb.drop();
      }
    };
    const contenders: [string, string, () => Promise<Run>][] = [
      ...strategies.map(([key, label, claim, complete = shippedComplete]): [string, string, () => Promise<Run>] => [
        key,
        label,
        async () => {
          const f = await fresh('equiscale_bench_claim');
          try {
            await migrateToLatest(f.conn.db);
            await createSweep(f.conn.db, { name: 'bench', spec: {}, specHash: key, maxAttempts: 3, trials: rows(TRIALS, key), extend: false });
            await sql`analyze trials`.execute(f.conn.db);
            return await drive(
              (w) => claim(f.conn.db, w),
              (t) => complete(f.conn.db, t as DbTrial),
            );
          } finally {
            await f.conn.close();
            await f.tdb.drop();
          }
        },
      ]),
      ['boss', 'pg-boss@10 fetch → complete', bossRound],
    ];
    const runs = new Map<string, Run[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, label, run] of round % 2 === 0 ? contenders : [...contenders].reverse()) {
        const r = await run();
        line(`round ${round + 1}: ${label}`, r, key === 'boss' ? 'jobs/s  ' : 'trials/s');
        runs.set(key, [...(runs.get(key) ?? []), r]);
      }
    }
    console.log(`\nmedian of ${ROUNDS} rounds each:`);
    for (const [key, label] of contenders) {
      results[key] = medianRun(runs.get(key)!);
      line(label, results[key], key === 'boss' ? 'jobs/s  ' : 'trials/s');
    }
    console.log(
      `\nmedians: shipped / pg-boss ${(results.cte!.rate / results.boss!.rate).toFixed(2)}×; ` +
        `select-then-update / shipped ${(results.sel!.rate / results.cte!.rate).toFixed(2)}×; ` +
        `plain CTE / shipped ${(results.plain!.rate / results.cte!.rate).toFixed(2)}×; ` +
        `previous complete / shipped ${(results.prev!.rate / results.cte!.rate).toFixed(2)}×`,
    );

    // 3. metric ingestion
    await createSweep(db, { name: 'bench-m', spec: {}, specHash: 'm', maxAttempts: 3, trials: rows(8, 'm'), extend: false });
    const leases = [];
    for (let i = 0; i < 8; i++) {
      const c = (await claimTrial(db, { workerId: `m${i}`, leaseTtlMs: 600_000 }))!;
      leases.push({ trialId: Number(c.trial.id), leaseToken: c.trial.lease_token! });
    }
    const BATCH = 1000;
    const batch = (from: number): MetricPoint[] =>
      Array.from({ length: BATCH }, (_, k) => ({ step: from + k, split: 'train', loss: 1 / (1 + from + k), samplesSeen: (from + k) * 64, wallTimeS: (from + k) * 0.01 }));
    for (const [label, trials, batches] of [
      ['reportMetrics, 1 trial, 1,000-point batches', 1, 60],
      ['reportMetrics, 8 concurrent trials, 1,000-point batches', 8, 20],
    ] as const) {
      const t0 = performance.now();
      const offset = label.includes('8') ? 1_000_000 : 0;
      await Promise.all(
        leases.slice(0, trials).map(async (ref) => {
          for (let b = 0; b < batches; b++) await reportMetrics(db, ref, batch(offset + b * BATCH));
        }),
      );
      const pts = trials * batches * BATCH;
      const secs = (performance.now() - t0) / 1000;
      console.log(`${label.padEnd(58)} ${(pts / secs).toFixed(0).padStart(7)} points/s  (${pts} points in ${secs.toFixed(2)} s)`);
    }
  } finally {
    await conn.close();
    await tdb.drop();
  }
}

await main();
