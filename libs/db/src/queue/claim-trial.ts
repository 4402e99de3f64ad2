import { sql, type Kysely } from 'kysely';
import type { Database, DbTrial } from '../schema.js';
import { branchReady, trunkCheckpoint } from './dependencies.js';

export interface ClaimedTrial {
  trial: DbTrial;
  sweepName: string;
  /** the sweep's benchmark config (its spec's benchmark), sent with the trial */
  benchmark: Record<string, unknown> | null;
  /** latest checkpoint of an earlier attempt; for a WSD branch without one, its trunk's checkpoint at branch_step */
  checkpoint: { data: Uint8Array; step: number } | null;
  /** a student (symmetry cloning): its teacher's checkpoint at branch_step (the teacher's last step); null otherwise */
  teacher: { data: Uint8Array; step: number } | null;
}

/**
 * Claims the next pending trial for a worker in ONE statement: the row is picked with FOR UPDATE SKIP LOCKED,
 * so concurrent claimers (any number of coordinators) never receive the same trial and never wait on each other.
 *
 * Order: cheapest nominal FLOPs first, id as tie-break. Cheap trials of every family come first, so the first
 * results span all families and sizes at low compute, a frontier takes shape early, and an interrupted sweep has
 * the most finished cells per FLOP spent. (Interleaving by family was considered: with FLOP-ordered claims the
 * families already interleave, since their cells share the same budget grid.)
 *
 * Strategies measured by libs/db/bench/queue.bench.ts (no-op trainer, 50 concurrent claimers doing claim →
 * completeTrial, 3000 trials, pool of 10, a fresh table per run, best of 2 rounds for the claim strategies but
 * pg-boss's only round – the bench now prints the median of BENCH_ROUNDS rounds for every side; 2 cores shared with other
 * jobs, so ±25% between runs). trials/s and claim p99:
 * - 2026-11-27, after completeTrial lost its 6-round-trip transaction (fenced UPDATE + fresh-snapshot check; the
 *   sweep row lock only for a sweep's last trial), load 3-4:
 *   this CTE 1342/s 34 ms; select-then-update 1268/s 35 ms; lean CTE 1426/s 30 ms; pg-boss@10 721/s 89 ms;
 *   this CTE with the previous completeTrial 559/s 61 ms. Before that change, same machine, load 2-3: this CTE
 *   419/s 118 ms, pg-boss 540/s 107 ms, i.e. 0.78× pg-boss: every completion of a sweep queued on the sweep row
 *   lock held to COMMIT, and claims queued behind them for pool connections.
 * - earlier runs (previous completeTrial, lighter load): this CTE 1690/s 26 ms and 1020/s 47 ms;
 *   select-then-update 1412/s 33 ms and 1012/s 48 ms; lean CTE 1159/s 39 ms and 1116/s 41 ms; pg-boss@10 988/s
 *   63 ms and 697/s 86 ms.
 * The three claim strategies are within the noise of each other; this one stays for its single round trip
 * (fewest connections held under load). Claim latency is mostly waiting for a pool connection (50 claimers, 10
 * connections); finished rows cost little because the claim index is partial (status = 'pending').
 */
export async function claimTrial(
  db: Kysely<Database>,
  opts: { workerId: string; leaseTtlMs: number; maxParamCount?: number },
): Promise<ClaimedTrial | null> {
  const maxParams = opts.maxParamCount && opts.maxParamCount > 0 ? opts.maxParamCount : null;
  const res = await sql<DbTrial & { sweep_name: string; sweep_benchmark: Record<string, unknown> | null }>`
    with next as (
      select t.id from trials t
      where t.status = 'pending'
        and (${maxParams}::bigint is null or t.param_count <= ${maxParams}::bigint)
        and ${branchReady('t')}
      order by t.nominal_flops, t.id
      limit 1
      for update skip locked
    )
    update trials t set
      status = 'running',
      attempt = t.attempt + 1,
      lease_token = gen_random_uuid(),
      lease_owner = ${opts.workerId},
      lease_expires_at = now() + make_interval(secs => ${opts.leaseTtlMs / 1000}),
      last_heartbeat_at = now(),
      started_at = coalesce(t.started_at, now()),
      updated_at = now()
    from next, sweeps s
    where t.id = next.id and s.id = t.sweep_id
    returning t.*, s.name as sweep_name, s.spec -> 'benchmark' as sweep_benchmark
  `.execute(db);
  const row = res.rows[0];
  if (!row) return null;
  const { sweep_name, sweep_benchmark, ...trial } = row;
  let checkpoint: ClaimedTrial['checkpoint'] = null;
  if (trial.checkpoint_ref) {
    const ck = await db
      .selectFrom('checkpoints')
      .select(['data', 'step'])
      .where('trial_id', '=', trial.id)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (ck) checkpoint = { data: new Uint8Array(ck.data), step: ck.step };
  }
  const benchmark = typeof sweep_benchmark === 'string' ? (JSON.parse(sweep_benchmark) as Record<string, unknown>) : sweep_benchmark;
  let teacher: ClaimedTrial['teacher'] = null;
  if (trial.parent_id !== null && trial.branch_step !== null) {
    if (trial.role === 'student') teacher = await trunkCheckpoint(db, Number(trial.parent_id), trial.branch_step);
    else if (!checkpoint) checkpoint = await trunkCheckpoint(db, Number(trial.parent_id), trial.branch_step);
  }
  return { trial: trial as DbTrial, sweepName: sweep_name, benchmark: benchmark ?? null, checkpoint, teacher };
}
