/**
 * Resource limits.
 *   - A worker refuses a trial whose model would not fit its memory budget: FailTrial(retryable=false), the trial
 *     ends failed after ONE attempt with an error naming the limit and the fix, and the worker keeps running:
 *     it goes on to complete the trial that fits.
 *   - A worker with a parameter limit (--max-params) never claims the larger model: it stays pending for a bigger
 *     worker instead of failing.
 *   - The coordinator's own limits (validate.ts): an oversized metric batch (> 10000 points) is refused
 *     INVALID_ARGUMENT naming the limit, so is an oversized error text or spec, and nothing is written.
 *     (Checkpoints above 256 MiB are stopped by gRPC's message limit: RESOURCE_EXHAUSTED.)
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { unary, type ClaimTrialResponse } from '@equiscale/contract';
import { planSweep } from '@equiscale/sweeps';
import { createSleepTrainer, estimateTrialBytes, runWorker, silentLogger, type TrialReport } from '@equiscale/worker';
import { CACHE_DIR, launch, startStack, tinySpec, waitFor, type Stack } from '../sweeps/helpers.js';
import { dbState } from '../fuzz/db-state.js';

const twoSizes = (name: string) =>
  tinySpec({
    name,
    families: ['transformer'],
    seeds: [0],
    modelSizes: [
      { label: 'xs', dims: { transformer: { width: 8, depth: 1, heads: 1, mlpRatio: 2 } } },
      { label: 'l', dims: { transformer: { width: 64, depth: 4, heads: 4, mlpRatio: 4 } } },
    ],
  });

describe('resource limits', () => {
  let s: Stack;
  let n = 0;
  let name = '';
  before(async () => {
    s = await startStack({ leaseTtlMs: 5_000, heartbeatIntervalMs: 200, reapIntervalMs: 200, idleRetryMs: 100 });
  });
  beforeEach(() => {
    name = `limits-${++n}`;
  });
  after(async () => s?.close());

  const trials = () =>
    s.conn.db
      .selectFrom('trials')
      .innerJoin('sweeps', 'sweeps.id', 'trials.sweep_id')
      .select(['trials.trial', 'trials.status', 'trials.attempt', 'trials.error', 'trials.param_count'])
      .where('sweeps.name', '=', name)
      .orderBy('trials.param_count')
      .execute()
      .then((rows) => rows.map((r) => ({ ...r, size_label: r.trial.sizeLabel })));

  it('a model over the memory budget is refused once, without retries, and the worker keeps working', async () => {
    const cells = planSweep(twoSizes(name)).cells.sort((a, b) => a.plan.paramCount - b.plan.paramCount);
    assert.equal(cells.length, 2);
    const budget = Math.floor((estimateTrialBytes(cells[0]!) + estimateTrialBytes(cells[1]!)) / 2);
    const only = (label: string) => ({ ...twoSizes(name), modelSizes: (twoSizes(name).modelSizes as { label: string }[]).filter((m) => m.label === label) });
    // first only the large model, so the refusal comes first; the small one is added once it was refused
    await launch(s, only('l'));
    const reports: TrialReport[] = [];
    const worker = runWorker({
      coordinator: s.coordinator.address,
      cacheDir: CACHE_DIR,
      trainer: createSleepTrainer(),
      logger: silentLogger,
      memoryBudgetBytes: budget,
      idleExitMs: 3_000,
      onTrialEnd: (r) => reports.push(r),
    });
    await waitFor('the refusal', () => reports.length === 1, 20_000, 20);
    await launch(s, twoSizes(name), true); // --extend: adds the small model
    await worker;
    const [small, big] = await trials();
    assert.deepEqual([big!.size_label, big!.status, big!.attempt], ['l', 'failed', 1], 'refused once, not retried');
    assert.match(big!.error!, /needs at least \d+ MiB .*memory budget is \d+ MiB; run it on a worker with more memory \(--memory-budget\)/);
    assert.deepEqual([small!.size_label, small!.status, small!.attempt], ['xs', 'completed', 1], 'the same worker went on to the next trial');
    assert.deepEqual(reports.map((r) => r.result), ['refused', 'completed']);
  });

  it('a worker with a parameter limit leaves the larger model pending for another worker', async () => {
    const cells = planSweep(twoSizes(name)).cells.sort((a, b) => a.plan.paramCount - b.plan.paramCount);
    await launch(s, twoSizes(name));
    const reports: TrialReport[] = [];
    await runWorker({
      coordinator: s.coordinator.address,
      cacheDir: CACHE_DIR,
      trainer: createSleepTrainer(),
      logger: silentLogger,
      maxParamCount: cells[0]!.plan.paramCount,
      idleExitMs: 500,
      onTrialEnd: (r) => reports.push(r),
    });
    const [small, big] = await trials();
    assert.deepEqual([small!.status, big!.status, big!.attempt], ['completed', 'pending', 0]);
    assert.deepEqual(reports.map((r) => r.result), ['completed']);
  });

  it('the coordinator refuses oversized requests naming the limit, writing nothing', async () => {
    await launch(s, tinySpec({ name, families: ['transformer'], seeds: [0] }));
    const c = await unary<any, ClaimTrialResponse>(s.worker, s.worker.claimTrial, { workerId: 'limits', maxParamCount: 0 }, s.md);
    const ref = { trialId: c.trial!.trialId, leaseToken: c.trial!.leaseToken };
    const before = await dbState(s.conn.db);
    const refused = (p: Promise<unknown>) =>
      p.then(
        () => assert.fail('accepted'),
        (e: ServiceError) => e,
      );
    const points = Array.from({ length: 10_001 }, (_, i) => ({ step: i, split: 'train', loss: 1, samplesSeen: i, wallTimeS: 0 }));
    const batch = await refused(unary(s.worker, s.worker.reportMetrics as any, { ...ref, points }, s.md));
    assert.ok([status.INVALID_ARGUMENT, status.RESOURCE_EXHAUSTED].includes(batch.code));
    assert.match(batch.details, /^points: at most 10000 points per batch, got 10001; send several batches$/);
    const error = await refused(unary(s.worker, s.worker.failTrial as any, { ...ref, error: 'x'.repeat(8_001), retryable: true }, s.md));
    assert.equal(error.code, status.INVALID_ARGUMENT);
    assert.match(error.details, /^error: .*at most 8000 characters/);
    const spec = await refused(unary(s.admin, s.admin.createSweep as any, { specText: ' '.repeat(1024 * 1024 + 1), format: '', extend: false }, s.md));
    assert.equal(spec.code, status.INVALID_ARGUMENT);
    assert.match(spec.details, /^spec_text: .*at most 1048576 characters/);
    assert.deepEqual(await dbState(s.conn.db), before, 'nothing was written');
  });
});
