/**
 * migrations/0002_trial_message on a database filled by the previous schema: rows written the way the code of
 * 0001 wrote them (twelve trial columns plus the cell JSON, which repeated the sweep's benchmark config) are
 * converted in place, and the new code reads them (trialRecord, loadStudyRows, the claim query with its
 * generated columns), on the real Postgres server and on PGlite.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { benchmarkConfigHash, defaultBenchmarkConfig, validateBenchmarkConfig } from '@equiscale/rigid-body';
import { openDatabase, type EquiscaleDb } from './connect.js';
import { migrateTo, migrateToLatest } from './migrate.js';
import { claimTrial } from './queue/claim-trial.js';
import { loadStudyRows, listTrialRecords } from './sweeps/sweep-queries.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

const benchmark = validateBenchmarkConfig({ ...defaultBenchmarkConfig(), maxBodies: 4, bodiesMax: 4 });

/** A cell exactly as 0001's planner stored it (TrialCell JSON, with the benchmark config inside). */
function oldCell(i: number, family: 'transformer' | 'gatr') {
  const dims = family === 'transformer' ? { family, width: 12, depth: 1, heads: 2, mlpRatio: 4 } : { family, mvChannels: 1, sChannels: 8, blocks: 1, heads: 1 };
  return {
    cellKey: `${family}/S/steps${20 * (i + 1)}/n512/seed0`,
    family,
    modelFamily: family,
    augment: false,
    dims,
    sizeLabel: 'S',
    steps: 20 * (i + 1),
    trainSize: 512,
    seed: 0,
    batchSize: 16,
    lr: { peak: 3e-3, kind: 'cosine', warmupSteps: 2 * (i + 1), minRatio: 0.1, cooldownFraction: 0.2 },
    gradClip: 1,
    evalEvery: 25,
    evalExamples: 64,
    checkpointEvery: 50,
    paramCount: family === 'transformer' ? 3228 : 5117,
    nominalFlopsPerSample: 74016,
    nominalFlops: 74016 * 16 * 20 * (i + 1),
    executedFlops: 90000 * 16 * 20 * (i + 1),
    flopBudget: i === 1 ? 5e7 : null,
    benchmark,
  };
}

async function fillOld(db: Kysely<any>): Promise<number> {
  const spec = { name: 'old', benchmark, families: ['transformer', 'gatr'] };
  const s = await sql<{ id: number }>`insert into sweeps (name, spec, spec_hash) values ('old', ${JSON.stringify(spec)}::jsonb, 'h') returning id`.execute(db);
  const sweepId = Number(s.rows[0]!.id);
  const cells = [oldCell(0, 'transformer'), oldCell(1, 'transformer'), oldCell(0, 'gatr')];
  for (const [i, c] of cells.entries()) {
    // the columns 0001's trialRow filled, from the same cell
    await sql`
      insert into trials (sweep_id, cell_key, family, model_family, augment, size_label, model_config, param_count, steps,
        train_size, seed, batch_size, nominal_flops, cell, max_attempts, status, test_loss, val_loss, attempt)
      values (${sweepId}, ${c.cellKey}, ${c.family}, ${c.modelFamily}, ${c.augment}, ${c.sizeLabel}, ${JSON.stringify(c.dims)}::jsonb,
        ${c.paramCount}, ${c.steps}, ${c.trainSize}, ${c.seed}, ${c.batchSize}, ${c.nominalFlops}, ${JSON.stringify(c)}::jsonb, 3,
        ${i === 2 ? 'pending' : 'completed'}, ${i === 2 ? null : 0.01 / (i + 1)}, ${i === 2 ? null : 0.02 / (i + 1)}, ${i === 2 ? 0 : 1})`.execute(db);
  }
  const first = await sql<{ id: number }>`select id from trials order by id limit 1`.execute(db);
  await sql`insert into trial_metrics (trial_id, attempt, step, split, loss, samples_seen, wall_time_s) values (${first.rows[0]!.id}, 1, 20, 'val', 0.02, 320, 1.5)`.execute(db);
  return sweepId;
}

async function checkReadable(conn: EquiscaleDb): Promise<void> {
  const db = conn.db;
  await migrateTo(db, '0001_initial');
  const sweepId = await fillOld(db);
  const results = await migrateToLatest(db);
  // 0002, 0003, then any later migration (0004_trial_stopping, ...), each applied
  assert.deepEqual(results.slice(0, 2).map((r) => [r.migrationName, r.status]), [['0002_trial_message', 'Success'], ['0003_trial_dependencies', 'Success']]);
  assert.ok(results.every((r) => r.status === 'Success'), JSON.stringify(results));

  const records = await listTrialRecords(db, sweepId);
  assert.equal(records.length, 3);
  const [t0, t1, g0] = records;
  assert.deepEqual(t0!.trial, {
    cellKey: 'transformer/S/steps20/n512/seed0',
    family: 'transformer',
    modelFamily: 'transformer',
    augment: false,
    sizeLabel: 'S',
    dims: { transformer: { width: 12, depth: 1, heads: 2, mlpRatio: 4 } },
    benchmark: { name: 'rigid-body', configHash: benchmarkConfigHash(benchmark) },
    training: {
      batchSize: 16,
      lr: { peak: 3e-3, kind: 'cosine', warmupSteps: 2, minRatio: 0.1, cooldownFraction: 0.2 },
      gradClip: 1,
      evalEvery: 25,
      evalExamples: 64,
      checkpointEvery: 50,
      checkpointAt: [],
    },
    seed: 0,
    steps: 20,
    trainSize: 512,
    plan: { paramCount: 3228, nominalFlopsPerSample: 74016, nominalFlops: 74016 * 16 * 20, executedFlops: 90000 * 16 * 20 },
  });
  assert.equal(t1!.trial.plan.flopBudget, 5e7, 'an iso-FLOP budget is kept');
  assert.deepEqual(g0!.trial.dims, { gatr: { mvChannels: 1, sChannels: 8, blocks: 1, heads: 1 } });
  assert.deepEqual([t0!.status, t0!.testLoss, t0!.attempt], ['completed', 0.01, 1], 'results are untouched');
  // the benchmark config is no longer repeated per trial
  const cols = await sql<{ c: string }>`select column_name as c from information_schema.columns where table_name = 'trials'`.execute(db);
  assert.ok(!cols.rows.some((r) => r.c === 'cell' || r.c === 'model_config'), 'the copies are gone');
  // the analysis reads the old sweep
  const rows = (await loadStudyRows(db, 'old'))!;
  assert.equal(rows.trials.length, 3);
  assert.deepEqual(rows.valPoints, [{ trialId: t0!.id, step: 20, loss: 0.02 }]);
  assert.equal(rows.baselines, null, 'not measured before 0002');
  // the claim query works on the generated columns and hands out the old pending trial
  const claimed = await claimTrial(db, { workerId: 'w', leaseTtlMs: 10_000, maxParamCount: 6000 });
  assert.equal(claimed?.trial.cell_key, 'gatr/S/steps20/n512/seed0');
  assert.equal(claimed?.trial.param_count, 5117);
  assert.deepEqual(claimed?.benchmark, JSON.parse(JSON.stringify(benchmark)), "the sweep's benchmark config comes with the claim");
}

describe('migration 0002 on a database of the previous schema', () => {
  let tdb: TestDatabase | undefined;
  const open: EquiscaleDb[] = [];
  after(async () => {
    for (const c of open) await c.close();
    await tdb?.drop();
  });

  it('converts the old rows in place on Postgres, and the new code reads them', async () => {
    tdb = await createTestDatabase();
    const conn = await openDatabase({ url: tdb.url });
    open.push(conn);
    await checkReadable(conn);
  });

  it('does the same on PGlite (the demo database)', async () => {
    const conn = await openDatabase({ url: '', dataDir: 'memory://' });
    open.push(conn);
    await checkReadable(conn);
  });
});
