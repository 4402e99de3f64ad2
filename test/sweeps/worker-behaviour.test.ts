/**
 * The worker's endings, against a real coordinator: divergence (CompleteTrial "diverged"), trainer exceptions
 * (FailTrial, retried up to maxAttempts), a model too large for the memory budget (FailTrial retryable=false),
 * cancellation and a lost lease during training (stop, drop the result), and SIGTERM on a real worker process
 * (finish the step, checkpoint, ReleaseTrial, exit 0; the next worker resumes).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { unary } from '@equiscale/contract';
import { createSleepTrainer, runWorker, silentLogger, type TrialReport } from '@equiscale/worker';
import { spawn } from 'node:child_process';
import { ROOT, killAll, launch, spawnWorker, startStack, tinySpec, waitFor, warmDatasetCache, CACHE_DIR, type Stack, type WorkerProcess } from './helpers.js';

describe('worker endings', () => {
  let s: Stack;
  const procs: WorkerProcess[] = [];
  let n = 0;
  let name = '';
  before(async () => {
    s = await startStack({ leaseTtlMs: 2_000, heartbeatIntervalMs: 100, reapIntervalMs: 100, idleRetryMs: 100 });
  });
  beforeEach(() => {
    name = `end-${++n}`;
  });
  after(async () => {
    await killAll(procs);
    await s?.close();
  });

  const trial = () =>
    s.conn.db.selectFrom('trials').innerJoin('sweeps', 'sweeps.id', 'trials.sweep_id').selectAll('trials').where('sweeps.name', '=', name).executeTakeFirstOrThrow();
  const one = (over: Record<string, unknown> = {}) => launch(s, tinySpec({ name, families: ['transformer'], seeds: [0], steps: [20], ...over }));
  const work = (opts: Partial<Parameters<typeof runWorker>[0]> = {}) => {
    const reports: TrialReport[] = [];
    const done = runWorker({
      coordinator: s.coordinator.address,
      cacheDir: CACHE_DIR,
      logger: silentLogger,
      idleExitMs: 300,
      onTrialEnd: (r) => reports.push(r),
      workerId: randomUUID(),
      ...opts,
    });
    return { reports, done };
  };

  it('reports a NaN loss as a diverged trial', async () => {
    await one();
    const w = work({ trainer: createSleepTrainer({ divergeAtStep: 3 }) });
    await w.done;
    const t = await trial();
    assert.deepEqual([t.status, t.attempt, t.test_loss], ['diverged', 1, null]);
    assert.match(t.error!, /NaN at step 3/);
    assert.deepEqual(w.reports.map((r) => r.result), ['diverged']);
  });

  it('fails a trial whose trainer throws, retrying it until maxAttempts', async () => {
    await one({ maxAttempts: 2 });
    const w = work({ trainer: createSleepTrainer({ throwAtStep: 2 }) });
    await w.done;
    const t = await trial();
    assert.deepEqual([t.status, t.attempt], ['failed', 2]);
    assert.match(t.error!, /failing on purpose at step 2/);
    assert.deepEqual(w.reports.map((r) => r.result), ['failed', 'failed']);
  });

  it('refuses a model that does not fit its memory budget, without retries', async () => {
    await one();
    const w = work({ trainer: createSleepTrainer(), memoryBudgetBytes: 1024 });
    await w.done;
    const t = await trial();
    assert.deepEqual([t.status, t.attempt], ['failed', 1]);
    assert.match(t.error!, /memory budget is 1 MiB.*more memory/);
    assert.deepEqual(w.reports.map((r) => r.result), ['refused']);
  });

  it('checkpoints every K steps when the worker says so, though the spec says only when stopping', async () => {
    await one({ checkpointEvery: 0 });
    const saved: number[] = [];
    const trainer = createSleepTrainer();
    const w = work({
      checkpointEvery: 5,
      trainer: { ...trainer, train: (cell, benchmark, resume, cb) => trainer.train(cell, benchmark, resume, { ...cb, onCheckpoint: async (d, at) => { saved.push(at); await cb.onCheckpoint(d, at); } }) },
    });
    await w.done;
    assert.deepEqual(saved, [5, 10, 15, 20]);
    const t = await trial();
    assert.deepEqual([t.status, t.checkpoint_step], ['completed', 20]);
  });

  it('stops and drops the result when the sweep is cancelled during training', async () => {
    await one({ steps: [200] });
    const w = work({ trainer: createSleepTrainer({ msPerStep: 10 }) });
    await waitFor('training progress', async () => (await trial()).progress_step >= 3, 10_000, 20);
    await unary(s.admin, s.admin.cancelSweep, { name }, s.md);
    await w.done;
    const t = await trial();
    assert.deepEqual([t.status, t.test_loss], ['cancelled', null]);
    assert.deepEqual(w.reports.map((r) => r.result), ['cancelled']);
    assert.ok(w.reports[0]!.step < 200, 'training stopped early');
  });

  it('stops and drops the result when its lease is lost during training', async () => {
    await one({ steps: [200] });
    const w = work({ trainer: createSleepTrainer({ msPerStep: 10 }) });
    await waitFor('training progress', async () => (await trial()).progress_step >= 3, 10_000, 20);
    const usurper = randomUUID();
    await s.conn.db.updateTable('trials').set({ lease_token: usurper, lease_owner: 'usurper' }).where('id', '=', Number((await trial()).id)).execute();
    await waitFor('the worker to give up the trial', () => w.reports.length === 1, 10_000, 20);
    const t = await trial();
    assert.deepEqual([t.status, t.lease_token, t.test_loss], ['running', usurper, null], 'the new holder keeps the trial');
    assert.equal(w.reports[0]!.result, 'lease-lost');
    // hand the trial back so the worker can go idle and exit
    await s.conn.db.updateTable('trials').set({ status: 'cancelled', lease_token: null, lease_owner: null, lease_expires_at: null }).where('id', '=', Number(t.id)).execute();
    await w.done;
  });

  it('workerMain returns and its process exits by itself (no leaked handles), started the way the CLI starts it', async () => {
    const spec = tinySpec({ name, families: ['transformer'], seeds: [4] });
    await warmDatasetCache(spec);
    await launch(s, spec);
    // --input-type/--eval in the parent's flags must not reach the training thread
    const code = `import { workerMain } from '@equiscale/worker';
      process.exitCode = await workerMain({ coordinator: ${JSON.stringify(s.coordinator.address)}, cacheDir: ${JSON.stringify(CACHE_DIR)}, idleExitMs: 300, backend: 'cpu' });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: 'ignore' });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const exit = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(guard);
    assert.equal(exit, 0, 'exited by itself (a kill after 60 s would give null)');
    assert.equal((await trial()).status, 'completed');
  });

  it('on SIGTERM finishes the step, checkpoints, releases the trial and exits 0; the next worker resumes', async () => {
    const spec = tinySpec({ name, families: ['transformer'], seeds: [3], steps: [300], checkpointEvery: 0 });
    await warmDatasetCache(spec);
    await launch(s, spec);
    const p = spawnWorker(s.coordinator.address, ['--worker-id', 'terminated']);
    procs.push(p);
    await waitFor('training progress', async () => (await trial()).progress_step >= 5, 60_000, 20);
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    let t = await trial();
    assert.equal(t.status, 'pending', 'released, not failed');
    assert.deepEqual([t.attempt, t.preemptions], [1, 1]);
    assert.ok(t.checkpoint_step! >= 5 && t.checkpoint_step! < 300, `checkpoint at the stop step (${t.checkpoint_step})`);
    assert.ok(p.logs.some((l) => l.msg === 'trial released; it resumes from its checkpoint'));
    const stoppedAt = t.checkpoint_step;

    const next = spawnWorker(s.coordinator.address, ['--worker-id', 'next', '--idle-exit-ms', '300']);
    procs.push(next);
    assert.equal(await next.exited, 0);
    t = await trial();
    assert.deepEqual([t.status, t.attempt, t.progress_step], ['completed', 2, 300]);
    const resumed = next.logs.find((l) => l.msg === 'trial claimed; resuming from checkpoint');
    assert.equal(resumed?.resumedFrom, stoppedAt, 'the next worker starts from the checkpoint written at the stop');
    const first = await s.conn.db.selectFrom('trial_metrics').select((eb) => eb.fn.min('step').as('s')).where('trial_id', '=', Number(t.id)).where('attempt', '=', 2).executeTakeFirstOrThrow();
    assert.ok(first.s! > stoppedAt!, 'the resumed attempt does not redo steps');
  });
});
