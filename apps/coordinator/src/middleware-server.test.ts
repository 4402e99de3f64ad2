/** The middleware on a real grpc-js server (127.0.0.1:0) with a real client; no database involved. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Metadata, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { AdminServiceService, callMetadata, makeAdminClient, unary, type AdminServiceClient } from '@equiscale/contract';
import { adminServiceImpl } from './admin-service.js';
import { createLogger } from './logger.js';
import { withMiddleware } from './middleware.js';

describe('middleware on a live server', () => {
  const server = new Server();
  const lines: string[] = [];
  let client: AdminServiceClient;
  before(async () => {
    const impl = adminServiceImpl({
      db: undefined as never, // every call below ends before touching the database
      plan: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'cells')");
      },
    });
    server.addService(AdminServiceService, withMiddleware(impl, { service: 'AdminService', token: 'tok', logger: createLogger({ write: (l) => lines.push(l) }) }));
    const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    client = makeAdminClient(`127.0.0.1:${port}`);
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  const create = (md: Metadata, specText = 'name: x') =>
    unary(client, client.createSweep as any, { specText, format: '', extend: false }, md);

  it('hides unexpected errors behind UNKNOWN and logs their stack', async () => {
    await assert.rejects(create(callMetadata({ token: 'tok' })), (e: ServiceError) => {
      assert.equal(e.code, status.UNKNOWN);
      assert.equal(e.details, 'internal error (see coordinator log)');
      return true;
    });
    const logged = lines.map((l) => JSON.parse(l) as { level: string; msg: string; method: string; error?: { stack?: string } });
    const failure = logged.find((l) => l.msg === 'call failed');
    assert.equal(failure?.level, 'error');
    assert.equal(failure?.method, 'AdminService/CreateSweep');
    assert.match(failure!.error!.stack!, /TypeError: Cannot read properties/);
  });

  it('checks the token before the handler runs, and validation before the planner', async () => {
    await assert.rejects(create(new Metadata()), (e: ServiceError) => e.code === status.UNAUTHENTICATED && /missing credentials/.test(e.details));
    await assert.rejects(create(callMetadata({ token: 'nope' })), (e: ServiceError) => e.code === status.UNAUTHENTICATED && /invalid token/.test(e.details));
    await assert.rejects(create(callMetadata({ token: 'tok' }), ''), (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /^spec_text: /.test(e.details));
  });
});
