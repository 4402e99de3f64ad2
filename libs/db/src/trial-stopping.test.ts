/**
 * migrations/0004_trial_stopping: how a trial with early stopping ended is stored with the trial (completeTrial) and
 * read back on TrialRecord.stopping (trialRecord, loadStudyRows); trials finished before the migration, and
 * trials without early stopping, read null. On the Postgres server and on PGlite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { EquiscaleDb } from './connect.js';
import { migrateTo, migrateToLatest } from './migrate.js';
import { claimTrial, type ClaimedTrial } from './queue/claim-trial.js';
import { completeTrial } from './queue/finish-trial.js';
import { createSweep } from './sweeps/create-sweep.js';
import { listTrialRecords, loadStudyRows } from './sweeps/sweep-queries.js';
import { syntheticTrialRows, TEST_DRIVERS } from './testing.js';

const refOf = (c: ClaimedTrial) => ({ trialId: Number(c.trial.id), leaseToken: c.trial.lease_token! });
const done = { outcome: 'completed' as const, trainLoss: 1, valLoss: 2, testLoss: 3, backend: 'cpu', wallTimeS: 1 };

for (const driver of TEST_DRIVERS) {
  describe(`trial stopping (early stopping) on ${driver.name}`, () => {
    let conn: EquiscaleDb;
    before(async () => {
      conn = await driver.openEmpty();
    });
    after(async () => conn?.close());

    it('a trial finished before 0004 reads null; afterwards completeTrial stores the worker\'s report and trialRecord reads it', async () => {
      await migrateTo(conn.db, '0003_trial_dependencies');
      const es = { patience: 3, minImprovement: 0.01 };
      const rows = syntheticTrialRows(3, 'es', (i) => ({ steps: 100, training: { ...syntheticTrialRows(1, 'x')[0]!.training, evalEvery: 10, ...(i < 2 ? { earlyStopping: es } : {}) } }));
      const { sweepId } = await createSweep(conn.db, { name: 'es', spec: {}, specHash: 'es', maxAttempts: 2, trials: rows, extend: false });
      const claim = async () => (await claimTrial(conn.db, { workerId: 'w', leaseTtlMs: 60_000 }))!;
      // finished under the old schema (no stopping column yet), as the code before 0004 completed it
      const old = await claim();
      await sql`update trials set status = 'completed', progress_step = 100, test_loss = 3, val_loss = 2, lease_token = null, lease_owner = null,
        lease_expires_at = null, finished_at = now() where id = ${refOf(old).trialId}`.execute(conn.db);
      await migrateToLatest(conn.db);
      const stopped = await claim();
      await completeTrial(conn.db, refOf(stopped), { ...done, steps: 40, stopping: { stoppedStep: 40, bestStep: 10, stoppedEarly: true } });
      const plain = await claim();
      await completeTrial(conn.db, refOf(plain), { ...done, steps: 100 });

      const records = new Map((await listTrialRecords(conn.db, sweepId)).map((r) => [r.id, r]));
      assert.equal(records.get(refOf(old).trialId)!.stopping, null, 'finished before 0004: null');
      assert.deepEqual(records.get(refOf(stopped).trialId)!.stopping, { stoppedStep: 40, bestStep: 10, stoppedEarly: true });
      assert.equal(records.get(refOf(stopped).trialId)!.progressStep, 40);
      assert.equal(records.get(refOf(plain).trialId)!.stopping, null, 'no report: null');
      const study = (await loadStudyRows(conn.db, 'es'))!;
      assert.deepEqual(study.trials.find((t) => t.id === refOf(stopped).trialId)!.stopping, { stoppedStep: 40, bestStep: 10, stoppedEarly: true });
      // the column holds that shape only
      await assert.rejects(sql`update trials set stopping = '{"stoppedStep": "40"}'::jsonb where id = ${refOf(plain).trialId}`.execute(conn.db), /trials_stopping_shape/);
    });
  });
}
