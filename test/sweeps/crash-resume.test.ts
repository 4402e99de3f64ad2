/**
 * (2) A worker SIGKILLed mid-trial: after its lease expires the trial is re-claimed, resumes from the last
 * checkpoint and completes once, with exactly the result of an uninterrupted run of the same cell (same seed,
 * cpu backend → same losses).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killAll, launch, spawnWorker, startStack, tinySpec, waitFor, warmDatasetCache, type Stack, type WorkerProcess } from './helpers.js';

const STEPS = 40;
const spec = (name: string) =>
  tinySpec({ name, families: ['transformer'], seeds: [7], steps: [STEPS], checkpointEvery: 4 });

describe('a worker killed mid-trial', () => {
  let s: Stack;
  const workers: WorkerProcess[] = [];
  before(async () => {
    await warmDatasetCache(spec('x'));
    s = await startStack({ leaseTtlMs: 1_500, heartbeatIntervalMs: 300, reapIntervalMs: 200, idleRetryMs: 200 });
  });
  after(async () => {
    await killAll(workers);
    await s?.close();
  });

  it('is re-claimed after the lease expires, resumes from its checkpoint and matches an uninterrupted run', async () => {
    await launch(s, spec('crash'));
    const db = s.conn.db;
    const trial = () => db.selectFrom('trials').innerJoin('sweeps', 'sweeps.id', 'trials.sweep_id').selectAll('trials').where('sweeps.name', '=', 'crash').executeTakeFirstOrThrow();

    const victim = spawnWorker(s.coordinator.address, ['--worker-id', 'victim']);
    workers.push(victim);
    // kill it once a checkpoint is stored and training has gone past it
    const atKill = await waitFor('a checkpoint of the running trial', async () => {
      const t = await trial();
      return t.status === 'running' && (t.checkpoint_step ?? 0) >= 8 && t.checkpoint_step! < STEPS - 8 ? t : null;
    }, 60_000, 20);
    victim.child.kill('SIGKILL');
    await victim.exited;
    assert.equal((await trial()).status, 'running', 'the dead worker still holds the lease until it expires');

    // the reference: the same cell, uninterrupted, in a sweep of its own (launched now so the rescuer takes the
    // re-queued trial first: it is older, same FLOPs)
    await launch(s, spec('reference'));
    const rescuer = spawnWorker(s.coordinator.address, ['--worker-id', 'rescuer', '--idle-exit-ms', '1000']);
    workers.push(rescuer);
    assert.equal(await rescuer.exited, 0, JSON.stringify(rescuer.logs.filter((l) => l.level === 'error')));

    const t = await trial();
    assert.equal(t.status, 'completed', t.error ?? '');
    assert.equal(t.attempt, 2, 'claimed twice: the killed attempt and the resumed one');
    assert.equal(t.preemptions, 1, 'the lost lease counts as a preemption, not a failure');
    assert.equal(t.lease_owner, null);
    const resumed = rescuer.logs.find((l) => l.msg === 'trial claimed; resuming from checkpoint' && l.trial === Number(t.id));
    assert.ok(resumed, 'the rescuer resumed from the checkpoint');
    assert.ok((resumed!.resumedFrom as number) >= atKill.checkpoint_step!, 'from the latest checkpoint (or later)');

    const ref = await db.selectFrom('trials').innerJoin('sweeps', 'sweeps.id', 'trials.sweep_id').selectAll('trials').where('sweeps.name', '=', 'reference').executeTakeFirstOrThrow();
    assert.equal(ref.status, 'completed');
    assert.equal(ref.attempt, 1);
    assert.equal(t.test_loss, ref.test_loss, 'same test loss as the uninterrupted run');
    assert.equal(t.val_loss, ref.val_loss);
    assert.equal(t.train_loss, ref.train_loss);

    // the resumed attempt's train curve continues the killed one's exactly where both exist
    const curve = async (id: number, attempt?: number) => {
      let q = db.selectFrom('trial_metrics').select(['step', 'loss', 'attempt']).where('trial_id', '=', id).where('split', '=', 'train');
      if (attempt) q = q.where('attempt', '=', attempt);
      return q.orderBy('step').execute();
    };
    const refCurve = new Map((await curve(Number(ref.id))).map((p) => [p.step, p.loss]));
    const second = await curve(Number(t.id), 2);
    assert.ok(second.length > 0);
    assert.ok(second[0]!.step > (resumed!.resumedFrom as number), 'the resumed attempt starts after its checkpoint');
    for (const p of second) assert.equal(p.loss, refCurve.get(p.step), `train loss at step ${p.step}`);
    for (const p of await curve(Number(t.id), 1)) assert.equal(p.loss, refCurve.get(p.step), `killed attempt's loss at step ${p.step}`);
  });
});
