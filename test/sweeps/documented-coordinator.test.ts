/**
 * Coordinator behaviour its README documents that no other test would notice breaking (each checked by planting
 * the defect once): the heartbeat interval must be at most half the lease; Register tells the worker both; a claim
 * on an empty queue says when to ask again; a claim hands out the cheapest planned FLOPs first over gRPC too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClaimTrialRequest, ClaimTrialResponse, RegisterRequest, RegisterResponse } from '@equiscale/contract';
import { unary } from '@equiscale/contract';
import { silentLogger, startCoordinator } from '@equiscale/coordinator';
import { launch, startStack, tinySpec, type Stack } from './helpers.js';

describe('documented coordinator behaviour', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ leaseTtlMs: 8_000, heartbeatIntervalMs: 3_000, idleRetryMs: 1_234 });
  });
  after(async () => s?.close());

  it('refuses a heartbeat interval longer than half the lease, naming both settings', async () => {
    await assert.rejects(
      startCoordinator({ db: s.conn, port: 0, leaseTtlMs: 1_000, heartbeatIntervalMs: 501, logger: silentLogger }),
      /heartbeatIntervalMs \(501\) must be at most half of leaseTtlMs \(1000\)/,
    );
    const ok = await startCoordinator({ db: s.conn, port: 0, leaseTtlMs: 1_000, heartbeatIntervalMs: 500, logger: silentLogger });
    await ok.stop();
  });

  it('Register tells the worker the heartbeat interval and the lease; an empty queue answers retry_after_ms', async () => {
    const r = await unary<RegisterRequest, RegisterResponse>(s.worker, s.worker.register, { workerId: 'doc', host: 'h', backend: 'cpu', capabilities: {}, pid: 1, maxParamCount: 0 }, s.md);
    assert.deepEqual([r.workerId, r.heartbeatIntervalMs, r.leaseTtlMs], ['doc', 3_000, 8_000]);
    const c = await unary<ClaimTrialRequest, ClaimTrialResponse>(s.worker, s.worker.claimTrial, { workerId: 'doc', maxParamCount: 0 }, s.md);
    assert.equal(c.trial, undefined);
    assert.equal(c.retryAfterMs, 1_234);
  });

  it('ClaimTrial hands out the cheapest planned FLOPs first (model size × steps × training-set size)', async () => {
    const spec = tinySpec({
      name: 'doc-order',
      families: ['transformer'],
      modelSizes: [
        { label: 'm', dims: { transformer: { width: 32, depth: 2, heads: 2, mlpRatio: 2 } } },
        { label: 'xs', dims: { transformer: { width: 8, depth: 1, heads: 1, mlpRatio: 2 } } },
      ],
      steps: [16, 4],
      seeds: [0],
    });
    await launch(s, spec);
    const flops: number[] = [];
    for (;;) {
      const c = await unary<ClaimTrialRequest, ClaimTrialResponse>(s.worker, s.worker.claimTrial, { workerId: 'doc', maxParamCount: 0 }, s.md);
      if (!c.trial) break;
      flops.push(c.trial.trial!.plan!.nominalFlops);
      assert.equal(c.retryAfterMs, 0, 'a claim that got a trial says: ask again at once');
    }
    assert.equal(flops.length, 4);
    assert.ok(flops.every((f) => f > 0));
    assert.deepEqual(flops, [...flops].sort((a, b) => a - b), `claimed in ascending FLOPs: ${flops.join(', ')}`);
    assert.ok(new Set(flops).size === 4, 'four distinct budgets, so the order is informative');
  });
});
