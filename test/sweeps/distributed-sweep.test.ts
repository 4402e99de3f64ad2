/** (1) A small real sweep (6 tiny trials) with 2 worker processes completes; every cell has exactly one result. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { killAll, launch, spawnWorker, startStack, tinySpec, warmDatasetCache, type Stack, type WorkerProcess } from './helpers.js';

describe('distributed sweep with two workers', () => {
  let s: Stack;
  const workers: WorkerProcess[] = [];
  before(async () => {
    await warmDatasetCache();
    s = await startStack({ leaseTtlMs: 10_000, heartbeatIntervalMs: 1_000, reapIntervalMs: 500, idleRetryMs: 200 });
  });
  after(async () => {
    await killAll(workers);
    await s?.close();
  });

  it('runs every cell once, to completion, on real training', async () => {
    const created = await launch(s, tinySpec({ name: 'two-workers' }));
    assert.equal(created.trialCount, 6);
    for (let i = 0; i < 2; i++) workers.push(spawnWorker(s.coordinator.address, ['--idle-exit-ms', '1500', '--worker-id', `w${i}`]));
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, [0, 0], JSON.stringify(workers.map((w) => w.logs.filter((l) => l.level === 'error'))));

    const trials = await s.conn.db.selectFrom('trials').selectAll().orderBy('id').execute();
    assert.equal(trials.length, 6);
    for (const t of trials) {
      assert.equal(t.status, 'completed', `${t.cell_key}: ${t.error}`);
      assert.equal(t.attempt, 1, `${t.cell_key} was claimed once`);
      assert.equal(t.progress_step, 6);
      assert.ok(Number.isFinite(t.test_loss) && t.test_loss! > 0, `${t.cell_key} has a test loss`);
      assert.equal(t.backend, 'cpu');
    }
    // exactly one test result per cell, and the train curve of each cell has no duplicate steps
    const perTrial = await sql<{ trial_id: number; tests: number; dup: number }>`
      select trial_id,
             count(*) filter (where split = 'test')::int as tests,
             (count(*) - count(distinct (split, step)))::int as dup
      from trial_metrics group by trial_id order by trial_id`.execute(s.conn.db);
    assert.equal(perTrial.rows.length, 6);
    for (const r of perTrial.rows) assert.deepEqual([r.tests, r.dup], [1, 0]);
    const sweep = await s.conn.db.selectFrom('sweeps').select('status').where('name', '=', 'two-workers').executeTakeFirstOrThrow();
    assert.equal(sweep.status, 'completed');
    const done = workers.flatMap((w) => w.logs.filter((l) => l.msg === 'trial completed'));
    assert.equal(done.length, 6, 'the workers report six completions between them');
  });
});
