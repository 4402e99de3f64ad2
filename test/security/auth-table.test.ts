/**
 * With a token configured, EVERY method of both services refuses a call whose token is missing, wrong, not in
 * "Bearer" form, or sent under another metadata key, with UNAUTHENTICATED, before its handler runs: nothing is
 * written (fingerprint of every row). With the right token the same request reaches the handler (any other
 * status). The method list is read from the generated service definitions, so a new RPC is covered at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { AdminServiceService, callMetadata, unary, WorkerServiceService, type ClaimTrialResponse } from '@equiscale/contract';
import { launch, startStack, tinySpec, type Stack } from '../sweeps/helpers.js';
import { dbState } from '../fuzz/db-state.js';

const TOKEN = 'sec-token-4f1c9a7e';

describe('token required on every RPC of both services', () => {
  let s: Stack;
  let lease: { trialId: number; leaseToken: string };
  before(async () => {
    s = await startStack({ token: TOKEN, leaseTtlMs: 600_000, heartbeatIntervalMs: 1_000 });
    await launch(s, tinySpec({ name: 'auth', seeds: [0, 1] }));
    const c = await unary<any, ClaimTrialResponse>(s.worker, s.worker.claimTrial, { workerId: 'holder', maxParamCount: 0 }, s.md);
    lease = { trialId: c.trial!.trialId, leaseToken: c.trial!.leaseToken };
  });
  after(async () => s?.close());

  /** A request per method that would write if it were let through. */
  const requests = (): Record<string, unknown> => ({
    register: { workerId: 'intruder', host: 'h', backend: 'cpu', capabilities: {}, pid: 1, maxParamCount: 0 },
    claimTrial: { workerId: 'intruder', maxParamCount: 0 },
    heartbeat: { workerId: 'holder', ...lease, step: 3 },
    reportMetrics: { ...lease, points: [{ step: 1, split: 'train', loss: 1, samplesSeen: 4, wallTimeS: 0.1 }] },
    saveCheckpoint: { ...lease, step: 1, data: Buffer.from([1, 2, 3]) },
    completeTrial: { ...lease, outcome: 'completed', steps: 6, trainLoss: 1, valLoss: 1, testLoss: 1, backend: 'cpu', wallTimeS: 1, error: '', paramCount: 0, executedFlops: 1 },
    failTrial: { ...lease, error: 'intruder', retryable: false },
    releaseTrial: { ...lease, reason: 'intruder' },
    createSweep: { specText: JSON.stringify(tinySpec({ name: 'intruder' })), format: 'json', extend: false },
    getSweep: { name: 'auth' },
    listSweeps: {},
    listTrials: { sweepName: 'auth', status: '', limit: 0, afterTrialId: 0 },
    cancelSweep: { name: 'auth' },
  });

  const methods = [
    ...Object.entries(WorkerServiceService).map(([name, d]) => ['worker', name, d.path] as const),
    ...Object.entries(AdminServiceService).map(([name, d]) => ['admin', name, d.path] as const),
  ];

  const bad: [string, () => Metadata][] = [
    ['missing', () => new Metadata()],
    ['wrong', () => callMetadata({ token: 'not-the-token' })],
    ['prefix of the right one', () => callMetadata({ token: TOKEN.slice(0, -1) })],
    ['right one plus a character', () => callMetadata({ token: `${TOKEN}x` })],
    ['not Bearer', () => {
      const md = new Metadata();
      md.set('authorization', TOKEN);
      return md;
    }],
    ['Basic scheme', () => {
      const md = new Metadata();
      md.set('authorization', `Basic ${TOKEN}`);
      return md;
    }],
    ['under another key', () => {
      const md = new Metadata();
      md.set('x-token', `Bearer ${TOKEN}`);
      return md;
    }],
    ['empty bearer', () => {
      const md = new Metadata();
      md.set('authorization', 'Bearer ');
      return md;
    }],
  ];

  const call = (svc: 'worker' | 'admin', name: string, req: unknown, md: Metadata) =>
    unary(svc === 'worker' ? s.worker : s.admin, (svc === 'worker' ? s.worker : (s.admin as any))[name], req, md, 10_000).then(
      () => ({ code: status.OK, details: '' }),
      (e: ServiceError) => ({ code: e.code, details: e.details }),
    );

  it('covers every method of the contract', () => {
    assert.deepEqual(methods.map(([, n]) => n).sort(), Object.keys(requests()).sort());
    assert.equal(methods.length, 13);
  });

  it('missing or wrong credentials: UNAUTHENTICATED on every method, nothing written', async () => {
    const before = await dbState(s.conn.db);
    for (const [svc, name] of methods) {
      for (const [what, md] of bad) {
        const r = await call(svc, name, requests()[name], md());
        assert.equal(r.code, status.UNAUTHENTICATED, `${name} with a ${what} token answered ${status[r.code]} ${r.details}`);
        assert.match(r.details, /credentials|token/);
        assert.ok(!r.details.includes(TOKEN), 'the refusal does not echo the token');
      }
    }
    assert.deepEqual(await dbState(s.conn.db), before, 'refused calls wrote nothing');
  });

  it('the right token reaches every handler', async () => {
    // read-only calls first, writes last (completeTrial ends the lease the others use)
    const order = ['listSweeps', 'getSweep', 'listTrials', 'register', 'claimTrial', 'heartbeat', 'reportMetrics', 'saveCheckpoint', 'releaseTrial', 'failTrial', 'completeTrial', 'createSweep', 'cancelSweep'];
    for (const name of order) {
      const [svc] = methods.find(([, n]) => n === name)!;
      const r = await call(svc, name, requests()[name], s.md);
      assert.notEqual(r.code, status.UNAUTHENTICATED, `${name}: ${r.details}`);
      assert.ok([status.OK, status.FAILED_PRECONDITION].includes(r.code), `${name} with the right token answered ${status[r.code]} ${r.details}`);
    }
  });
});
