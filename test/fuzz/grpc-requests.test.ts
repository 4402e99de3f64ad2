/**
 * Fuzzing every WorkerService and AdminService method over real gRPC against a real coordinator and Postgres:
 * random field values (negative and huge ids, random strings and UUIDs as lease tokens, NaN/Infinity losses,
 * unknown splits, huge steps, empty and large metric batches, unknown trial ids, random bytes as checkpoints,
 * NUL characters and lone surrogates in strings), and random bytes as whole request messages.
 *
 * Every call must end with a clean status (OK, INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION,
 * RESOURCE_EXHAUSTED; ALREADY_EXISTS for CreateSweep conflicts), never UNKNOWN/INTERNAL for bad input; a refused
 * call must leave the database exactly as it was (fingerprint of every row); the coordinator stays up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { status, type ServiceError } from '@grpc/grpc-js';
import { unary, type ClaimTrialResponse, type TrialAssignment } from '@equiscale/contract';
import { launch, startStack, tinySpec, type Stack } from '../sweeps/helpers.js';
import { dbState } from './db-state.js';

const CLEAN = new Set([status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND, status.FAILED_PRECONDITION, status.RESOURCE_EXHAUSTED]);
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

// ---- field arbitraries -------------------------------------------------------------------------------------
const nasty = fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\uD800', '\uDFFF\uD800', 'é', '🚀', "'; drop table trials; --", '%s%n', 'x'.repeat(300));
const word = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,11}$/);
const str = fc.oneof(
  { arbitrary: word, weight: 3 },
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  nasty,
  fc.string({ minLength: 8_001, maxLength: 9_000 }),
);
// int32 fields: the client refuses to encode values outside int32, so only those reach the server
const int32 = fc.oneof(fc.integer(), fc.integer({ min: -3, max: 3 }), fc.constantFrom(2 ** 31 - 1, -(2 ** 31), 0));
// int64 fields: anything a JS client can encode, beyond 2^53 included (the server cannot represent those)
const int = fc.oneof(
  int32,
  fc.constantFrom(2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 60, -(2 ** 60), 1e18),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
);
const dbl = fc.oneof({ arbitrary: fc.double({ min: 0, max: 10, noNaN: true }), weight: 3 }, fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, -1, 1e308, 5e-324));
const optDbl = fc.option(dbl, { nil: undefined });
const bytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 1000, maxLength: 5000 }));
const split = fc.oneof(fc.constantFrom('train', 'val', 'test', 'TRAIN', 'holdout', ''), str);
const point = fc.record({ step: int32, split, loss: dbl, samplesSeen: int, wallTimeS: dbl });

describe('fuzzing every gRPC method with random field values', () => {
  let s: Stack;
  const leases: { trialId: number; leaseToken: string }[] = [];
  let maxTrialId = 0;
  before(async () => {
    // leases that outlive the test: the reaper must not change rows behind the fingerprint's back
    s = await startStack({ leaseTtlMs: 600_000, heartbeatIntervalMs: 1_000, reapIntervalMs: 1_000 });
    await launch(s, tinySpec({ name: 'fuzz', seeds: Array.from({ length: 30 }, (_, i) => i) }));
    await launch(s, tinySpec({ name: 'victim', seeds: [0] }));
    for (let i = 0; i < 12; i++) {
      const c = await unary<any, ClaimTrialResponse>(s.worker, s.worker.claimTrial, { workerId: `holder-${i}`, maxParamCount: 0 }, s.md);
      const a = c.trial as TrialAssignment;
      leases.push({ trialId: a.trialId, leaseToken: a.leaseToken });
    }
    maxTrialId = (await s.conn.db.selectFrom('trials').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m as number;
  });
  after(async () => s?.close());

  /** a trial reference: a real lease, a real trial with a wrong token, or junk */
  const ref = () =>
    fc.oneof(
      fc.constantFrom(...leases),
      fc.record({ trialId: fc.constantFrom(...leases.map((l) => l.trialId)), leaseToken: fc.oneof(fc.uuid(), str) }),
      fc.record({ trialId: fc.oneof(int, fc.integer({ min: maxTrialId + 1, max: maxTrialId + 1000 })), leaseToken: fc.oneof(fc.uuid(), str) }),
    );
  const workerId = fc.oneof(fc.constantFrom('holder-0', 'holder-1'), str);

  const methods: [string, 'worker' | 'admin', string, () => fc.Arbitrary<Record<string, unknown>>][] = [
    ['Register', 'worker', 'register', () =>
      fc.record({ workerId, host: str, backend: str, capabilities: fc.dictionary(str, str, { maxKeys: 4 }), pid: int32, maxParamCount: int })],
    ['ClaimTrial', 'worker', 'claimTrial', () => fc.record({ workerId, maxParamCount: int })],
    ['Heartbeat', 'worker', 'heartbeat', () =>
      fc.tuple(ref(), fc.record({ workerId, step: int32 }), fc.boolean()).map(([r, x, idle]) => ({ ...r, ...x, ...(idle ? { trialId: 0 } : {}) }))],
    ['ReportMetrics', 'worker', 'reportMetrics', () =>
      fc.tuple(ref(), fc.oneof(fc.array(point, { maxLength: 5 }), fc.array(point, { minLength: 50, maxLength: 300 }))).map(([r, points]) => ({ ...r, points }))],
    ['SaveCheckpoint', 'worker', 'saveCheckpoint', () => fc.tuple(ref(), int32, bytes).map(([r, step, data]) => ({ ...r, step, data: Buffer.from(data) }))],
    ['CompleteTrial', 'worker', 'completeTrial', () =>
      fc.tuple(
        ref(),
        fc.record({
          outcome: fc.oneof(fc.constantFrom('completed', 'diverged', 'failed', ''), str),
          steps: int32,
          trainLoss: optDbl,
          valLoss: optDbl,
          testLoss: optDbl,
          backend: fc.oneof(fc.constant('cpu'), str),
          wallTimeS: dbl,
          error: str,
          paramCount: int,
          executedFlops: dbl,
          stopping: fc.option(fc.record({ stoppedStep: int32, bestStep: int32, stoppedEarly: fc.boolean() }), { nil: undefined }),
        }),
      ).map(([r, x]) => ({ ...r, ...x }))],
    ['FailTrial', 'worker', 'failTrial', () => fc.tuple(ref(), str, fc.boolean()).map(([r, error, retryable]) => ({ ...r, error, retryable }))],
    ['ReleaseTrial', 'worker', 'releaseTrial', () => fc.tuple(ref(), str).map(([r, reason]) => ({ ...r, reason }))],
    ['CreateSweep', 'admin', 'createSweep', () =>
      fc.record({ specText: fc.oneof(str, fc.json().map((j) => j)), format: fc.oneof(fc.constantFrom('', 'yaml', 'json'), str), extend: fc.boolean() })],
    ['GetSweep', 'admin', 'getSweep', () => fc.record({ name: fc.oneof(fc.constantFrom('fuzz', 'nope'), str) })],
    ['ListSweeps', 'admin', 'listSweeps', () => fc.constant({})],
    ['ListTrials', 'admin', 'listTrials', () =>
      fc.record({ sweepName: fc.oneof(fc.constant('fuzz'), str), status: fc.oneof(fc.constantFrom('', 'pending', 'running', 'done'), str), limit: int32, afterTrialId: int })],
    ['CancelSweep', 'admin', 'cancelSweep', () => fc.record({ name: fc.oneof(fc.constantFrom('victim', 'nope'), str) })],
  ];

  const call = (svc: 'worker' | 'admin', method: string, req: unknown): Promise<{ code: status; details: string }> => {
    const client = svc === 'worker' ? s.worker : s.admin;
    return unary(client, (client as any)[method], req, s.md, 10_000).then(
      () => ({ code: status.OK, details: '' }),
      (e: ServiceError) => ({ code: e.code, details: e.details }),
    );
  };

  const codes = new Map<string, Map<string, number>>();
  for (const [name, svc, method, arb] of methods) {
    it(`${name}: a clean status for every request; refused requests write nothing`, async () => {
      const seen = new Map<string, number>();
      codes.set(name, seen);
      await fc.assert(
        fc.asyncProperty(arb(), async (req) => {
          const before = await dbState(s.conn.db);
          const r = await call(svc, method, req);
          seen.set(status[r.code], (seen.get(status[r.code]) ?? 0) + 1);
          const clean = CLEAN.has(r.code) || (method === 'createSweep' && r.code === status.ALREADY_EXISTS);
          assert.ok(clean, `${name} answered ${status[r.code]} (${r.details})`);
          if (r.code !== status.OK) {
            assert.ok(r.details.length > 0, 'a refusal says why');
            assert.deepEqual(await dbState(s.conn.db), before, `${name} refused with ${status[r.code]} but changed the database`);
          }
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
      assert.ok(seen.size > 0);
    });
  }

  it('oversized metric batches are refused naming the limit, writing nothing', async () => {
    // a fresh lease: the fuzzing above may have ended the earlier ones
    const c = await unary<any, ClaimTrialResponse>(s.worker, s.worker.claimTrial, { workerId: 'batcher', maxParamCount: 0 }, s.md);
    const l = { trialId: c.trial!.trialId, leaseToken: c.trial!.leaseToken };
    const before = await dbState(s.conn.db);
    const points = Array.from({ length: 10_001 }, (_, i) => ({ step: i, split: 'train', loss: 1, samplesSeen: i, wallTimeS: 0 }));
    const r = await call('worker', 'reportMetrics', { ...l, points });
    assert.ok([status.INVALID_ARGUMENT, status.RESOURCE_EXHAUSTED].includes(r.code), `${status[r.code]}: ${r.details}`);
    assert.match(r.details, /at most 10000 points/);
    assert.deepEqual(await dbState(s.conn.db), before);
    // the limit itself is accepted
    const ok = await call('worker', 'reportMetrics', { ...l, points: points.slice(0, 10_000) });
    assert.equal(ok.code, status.OK, ok.details);
  });

  it('refusals that echo input cut in the middle of a surrogate pair still complete (regressions)', async () => {
    const before = await dbState(s.conn.db);
    // V8's JSON error quotes the start of the text and may split an astral character there
    const json = await call('admin', 'createSweep', { specText: '\u{A0B67}\u{10FBC1}\u{3A4AE}\u{39C40}\u{10A2B8}\u{F224C}\u{27B7A}\u39DF\u{4A461}', format: 'json', extend: true });
    assert.equal(json.code, status.INVALID_ARGUMENT, json.details);
    assert.match(json.details, /JSON syntax error/);
    // the validator shows the first 60 characters of a bad value; the 60th is the first half of an emoji here
    const id = await call('admin', 'getSweep', { name: 'a'.repeat(59) + '🚀'.repeat(10) });
    assert.equal(id.code, status.INVALID_ARGUMENT, id.details);
    assert.match(id.details, /^name: /);
    assert.deepEqual(await dbState(s.conn.db), before);
  });

  it('random bytes as whole request messages get a clean status on every method', async () => {
    const paths = methods.map(([name, svc]) => [name, svc, `/equiscale.v1.${svc === 'worker' ? 'WorkerService' : 'AdminService'}/${name}`] as const);
    // int64 fields beyond 2^53 (valid protobuf, not representable as a JS number), and truncated messages
    const huge = Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]); // field 1 varint 2^63-1
    const truncated = Buffer.from([0x12, 0x50, 0x61]); // field 2, length 80, one byte
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(huge, truncated)), async ([name, svc, path], buf) => {
        const before = await dbState(s.conn.db);
        const client = svc === 'worker' ? s.worker : s.admin;
        const r = await new Promise<{ code: status; details: string }>((resolve) =>
          client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(buf), s.md, { deadline: Date.now() + 10_000 }, (err) =>
            resolve(err ? { code: err.code, details: err.details } : { code: status.OK, details: '' }),
          ),
        );
        const clean = CLEAN.has(r.code) || (name === 'CreateSweep' && r.code === status.ALREADY_EXISTS);
        assert.ok(clean, `${name} with ${buf.length} random bytes answered ${status[r.code]} (${r.details})`);
        if (r.code !== status.OK) assert.deepEqual(await dbState(s.conn.db), before, `${name} refused but changed the database`);
      }),
      { numRuns: RUNS * 2, endOnFailure: true },
    );
  });

  it('the coordinator is still up and serving afterwards', async () => {
    const r = await unary<any, { sweeps: unknown[] }>(s.admin, s.admin.listSweeps, {}, s.md);
    assert.ok(r.sweeps.length >= 2);
    const summary = [...codes].map(([m, c]) => `${m}{${[...c].map(([k, v]) => `${k}:${v}`).join(',')}}`).join(' ');
    console.log(`fuzz grpc: ${summary}`);
  });
});
