import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Metadata, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  callMetadata,
  leaseLostError,
  leaseLostOf,
  LeaseLostReason,
  toServiceError,
  makeWorkerClient,
  tokenFromMetadata,
  unary,
  WorkerServiceService,
  type RegisterRequest,
  type RegisterResponse,
  type WorkerServiceServer,
} from './index.js';

const root = new URL('../../../', import.meta.url).pathname;

describe('gRPC contract', () => {
  let server: Server;
  let port: number;
  const seen: RegisterRequest[] = [];

  before(async () => {
    server = new Server();
    const notUsed = (_call: unknown, cb: (e: Partial<ServiceError>) => void) => cb({ code: status.UNIMPLEMENTED });
    const impl: WorkerServiceServer = {
      register(call, cb) {
        if (tokenFromMetadata(call.metadata) !== 't0ken') return cb({ code: status.UNAUTHENTICATED, details: 'no token' });
        seen.push(call.request);
        cb(null, { workerId: call.request.workerId || 'assigned', heartbeatIntervalMs: 5000, leaseTtlMs: 30000 });
      },
      claimTrial(_call, cb) {
        cb(toServiceError(leaseLostError(7, LeaseLostReason.LEASE_LOST_REASON_CANCELLED, 'trial 7 was cancelled')));
      },
      heartbeat: notUsed,
      reportMetrics: notUsed,
      saveCheckpoint: notUsed,
      completeTrial: notUsed,
      failTrial: notUsed,
      releaseTrial: notUsed,
    };
    server.addService(WorkerServiceService, impl);
    port = await new Promise<number>((res, rej) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
    );
  });
  after(() => server.forceShutdown());

  it('round-trips a worker call over 127.0.0.1 with the generated types', async () => {
    const client = makeWorkerClient(`127.0.0.1:${port}`, { token: 't0ken' });
    try {
      const req: RegisterRequest = { workerId: '', host: 'h', backend: 'cpu', capabilities: { cores: '2' }, pid: 7, maxParamCount: 1e6 };
      const res = await unary<RegisterRequest, RegisterResponse>(client, client.register, req, callMetadata({ token: 't0ken' }));
      assert.deepEqual(res, { workerId: 'assigned', heartbeatIntervalMs: 5000, leaseTtlMs: 30000 });
      assert.deepEqual(seen[0], req);
      await assert.rejects(
        unary(client, client.register, req, callMetadata({})),
        (e: ServiceError) => e.code === status.UNAUTHENTICATED,
      );
    } finally {
      client.close();
    }
  });

  it('carries the lease-lost reason as a typed message in the trailer metadata, not in the text', async () => {
    const client = makeWorkerClient(`127.0.0.1:${port}`);
    try {
      const err = await unary(client, client.claimTrial, { workerId: 'w', maxParamCount: 0 }, callMetadata({})).then(
        () => assert.fail('expected a refusal'),
        (e: ServiceError) => e,
      );
      assert.equal(err.code, status.FAILED_PRECONDITION);
      assert.equal(err.details, 'lease lost: trial 7 was cancelled');
      assert.deepEqual(leaseLostOf(err), { trialId: 7, reason: LeaseLostReason.LEASE_LOST_REASON_CANCELLED });
      // a FAILED_PRECONDITION without the typed reason is not a lease refusal, whatever its text says
      assert.equal(leaseLostOf({ code: status.FAILED_PRECONDITION, details: 'lease lost: (cancelled)', metadata: new Metadata() }), null);
    } finally {
      client.close();
    }
  });

  it('generated code matches proto/ (regenerated with buf + ts-proto)', () => {
    const r = spawnSync(process.execPath, ['tools/gen-proto.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /matches proto/);
  });
});
