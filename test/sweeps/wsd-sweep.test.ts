/**
 * A real (tiny) warmup-stable-decay sweep through gRPC with two worker processes: the planner makes one trunk per
 * seed and a branch per step count; every branch waits for its trunk's checkpoint, starts from it, and completes;
 * a branch continues its trunk exactly (same parameters, optimizer state and data order at the branch point, so
 * its first training loss equals the trunk's at the same step, bit for bit on the cpu backend).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listTrialRecords, sweepMetrics } from '@equiscale/db';
import { killAll, launch, spawnWorker, startStack, tinySpec, warmDatasetCache, type Stack, type WorkerProcess } from './helpers.js';

const SPEC = tinySpec({
  name: 'wsd-tiny',
  families: ['transformer'],
  steps: [10, 20, 40],
  seeds: [0, 1],
  training: { batchSize: 4, lr: { kind: 'wsd', warmupSteps: 2, cooldownFraction: 0.2 } },
  checkpointEvery: 0,
});

describe('a WSD sweep end to end', () => {
  let s: Stack;
  const workers: WorkerProcess[] = [];
  before(async () => {
    await warmDatasetCache(SPEC);
    s = await startStack({ leaseTtlMs: 10_000, heartbeatIntervalMs: 1_000, reapIntervalMs: 500, idleRetryMs: 200 });
  });
  after(async () => {
    await killAll(workers);
    await s?.close();
  });

  it('runs every trunk and branch once; branches start from their trunk checkpoint and continue it', async () => {
    const created = await launch(s, SPEC);
    assert.equal(created.trialCount, 2 + 2 * 3, 'two trunks (one per seed), three branches each');
    for (let i = 0; i < 2; i++) workers.push(spawnWorker(s.coordinator.address, ['--idle-exit-ms', '3000', '--worker-id', `w${i}`]));
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes, [0, 0], JSON.stringify(workers.map((w) => w.logs.filter((l) => l.level === 'error'))));

    const sweepId = Number((await s.conn.db.selectFrom('sweeps').select('id').where('name', '=', 'wsd-tiny').executeTakeFirstOrThrow()).id);
    const records = await listTrialRecords(s.conn.db, sweepId);
    const byKey = new Map(records.map((r) => [r.trial.cellKey, r]));
    const train = new Map<number, Map<number, number>>();
    for (const m of await sweepMetrics(s.conn.db, sweepId, 'train')) {
      if (!train.has(m.trial_id)) train.set(m.trial_id, new Map());
      train.get(m.trial_id)!.set(m.step, m.loss);
    }
    const trunks = records.filter((r) => r.trial.role === 'trunk');
    const branches = records.filter((r) => r.trial.role === 'branch');
    assert.equal(trunks.length, 2);
    assert.equal(branches.length, 6);
    for (const r of records) {
      assert.equal(r.status, 'completed', `${r.trial.cellKey}: ${r.error}`);
      assert.equal(r.attempt, 1, `${r.trial.cellKey} ran once`);
      assert.ok(Number.isFinite(r.testLoss) && r.testLoss! > 0);
    }
    for (const t of trunks) assert.deepEqual(t.trial.training.checkpointAt, [8, 16, 32]);
    let compared = 0;
    for (const b of branches) {
      const trunk = byKey.get(b.trial.parent!)!;
      assert.equal(b.parentId, trunk.id, `${b.trial.cellKey}: parent is its trunk's trial id`);
      const at = b.trial.branchStep!;
      assert.equal(at, Math.round(0.8 * b.trial.steps));
      const own = train.get(b.id)!;
      const steps = [...own.keys()].sort((x, y) => x - y);
      assert.equal(steps[0], at + 1, `${b.trial.cellKey} trains from its branch point on, not from step 1`);
      assert.equal(steps.at(-1), b.trial.steps);
      assert.equal(b.progressStep, b.trial.steps);
      const trunkLoss = train.get(trunk.id)!.get(at + 1);
      if (trunkLoss !== undefined) {
        assert.equal(own.get(at + 1), trunkLoss, `${b.trial.cellKey}: the first step after the branch point repeats the trunk's`);
        compared++;
      }
    }
    assert.equal(compared, 4, 'the branches at steps 8 and 16 of both trunks are compared with their trunk');
    // the sweep spent less than independent runs of the same points would
    const spent = records.reduce((a, r) => a + r.trial.plan.spentNominalFlops!, 0);
    const independent = branches.reduce((a, r) => a + r.trial.plan.nominalFlops, 0);
    assert.ok(spent < independent, `spent ${spent} < independent ${independent}`);
    // the trunk's branch-point checkpoints were freed once its branches finished; each keeps only its latest
    const kept = await s.conn.db.selectFrom('checkpoints').select(['trial_id', 'step']).where('trial_id', 'in', trunks.map((t) => t.id)).orderBy('trial_id').execute();
    assert.deepEqual(kept.map((k) => k.step), [32, 32], 'a finished trunk keeps only its last checkpoint');
  });
});
