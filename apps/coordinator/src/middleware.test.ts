import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { leaseLostOf, LeaseLostReason, RpcError, toServiceError } from '@equiscale/contract';
import { LeaseLostError, SweepConflictError } from '@equiscale/db';
import { createLogger, redactValue } from './logger.js';
import { toRpcError } from './middleware.js';
import * as v from './validate.js';

describe('error mapping', () => {
  it('maps known failures to status codes and leaves the rest unknown', () => {
    assert.deepEqual(
      [toRpcError(new LeaseLostError(4, 'stale-token'))?.code, toRpcError(new LeaseLostError(4, 'stale-token'))?.message],
      [status.FAILED_PRECONDITION, 'lease lost: trial 4 is no longer leased with this token (stale-token)'],
    );
    assert.equal(toRpcError(new LeaseLostError(9, 'unknown-trial'))?.message, 'lease lost: trial 9 does not exist');
    // the reason travels typed, in the trailer metadata
    const cancelled = toServiceError(toRpcError(new LeaseLostError(5, 'cancelled')));
    assert.deepEqual(leaseLostOf(cancelled), { trialId: 5, reason: LeaseLostReason.LEASE_LOST_REASON_CANCELLED });
    assert.equal(leaseLostOf(toServiceError(toRpcError(new LeaseLostError(5, 'finished'))))?.reason, LeaseLostReason.LEASE_LOST_REASON_FINISHED);
    assert.equal(toRpcError(new SweepConflictError('x'))?.code, status.ALREADY_EXISTS);
    assert.equal(toRpcError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))?.code, status.UNAVAILABLE);
    assert.equal(toRpcError(Object.assign(new Error('shutdown'), { code: '57P01' }))?.code, status.UNAVAILABLE);
    const spec = Object.assign(new Error('invalid sweep spec:\n  seeds: missing'), { name: 'SweepSpecError' });
    assert.equal(toRpcError(spec)?.code, status.INVALID_ARGUMENT);
    const own = new RpcError(status.NOT_FOUND, 'nope');
    assert.equal(toRpcError(own), own);
    assert.equal(toRpcError(new TypeError('x is undefined')), null, 'a bug is not explained to the client');
    assert.equal(toRpcError(Object.assign(new Error('dup'), { code: '23505' })), null);
  });
});

describe('request validation', () => {
  const field = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof RpcError && e.code === status.INVALID_ARGUMENT && re.test(e.message));
  it('names the field and the expectation', () => {
    field(() => v.id(0, 'trial_id'), /^trial_id: expected a positive integer id, got 0$/);
    field(() => v.id(1.5, 'trial_id'), /^trial_id: /);
    field(() => v.leaseToken('nope'), /^lease_token: expected the UUID/);
    field(() => v.finite(NaN, 'wall_time_s'), /^wall_time_s: expected a finite number, got NaN$/);
    field(() => v.finite(-1, 'wall_time_s', { min: 0 }), /^wall_time_s: expected a number >= 0/);
    field(() => v.text('', 'worker_id'), /^worker_id: expected a non-empty string/);
    field(() => v.metricPoints([{ step: 1, split: 'dev', loss: 1, samplesSeen: 0, wallTimeS: 0 }]), /^points\[0\]\.split: expected one of train, val, test, got "dev"$/);
    field(() => v.checkpointData(new Uint8Array(0)), /^data: expected non-empty checkpoint bytes/);
    field(() => v.stopping({ stoppedStep: 30, bestStep: 10, stoppedEarly: true }, 40), /^stopping\.stopped_step: expected the steps trained \(steps = 40\), got 30$/);
    field(() => v.stopping({ stoppedStep: 40, bestStep: 50, stoppedEarly: true }, 40), /^stopping\.best_step: expected a step in \[1, stopped_step = 40\], got 50$/);
    field(() => v.stopping({ stoppedStep: 40, bestStep: 0, stoppedEarly: false }, 40), /^stopping\.best_step: /);
  });
  it('passes valid values through; absent optional doubles become explicit nulls', () => {
    assert.equal(v.id(7, 'trial_id'), 7);
    assert.equal(v.finiteOrNull(undefined, 'test_loss'), null);
    assert.equal(v.finiteOrNull(0.5, 'test_loss'), 0.5);
    assert.deepEqual(v.stopping({ stoppedStep: 40, bestStep: 20, stoppedEarly: true }, 40), { stoppedStep: 40, bestStep: 20, stoppedEarly: true });
    assert.deepEqual(v.metricPoints([{ step: 0, split: 'val', loss: 2, samplesSeen: 8, wallTimeS: 0.5 }]), [
      { step: 0, split: 'val', loss: 2, samplesSeen: 8, wallTimeS: 0.5 },
    ]);
  });
});

describe('logger', () => {
  it('writes one JSON object per line and never prints secrets or database passwords', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (l) => lines.push(l) }).child({ component: 'test' });
    log.info('connected to postgres://eq:hunter2@db:5432/eq', { token: 's3cret', authorization: 'Bearer s3cret', url: 'postgres://u:pw@h/db', n: 3 });
    log.debug('details', { error: new Error('boom') });
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(first.level, 'info');
    assert.equal(first.component, 'test');
    assert.equal(first.n, 3);
    assert.equal(typeof first.ts, 'string');
    const all = lines.join('');
    for (const secret of ['s3cret', 'hunter2', ':pw@']) assert.ok(!all.includes(secret), `${secret} leaked: ${all}`);
    assert.equal(redactValue('password', 'x'), '[redacted]');
    assert.match((JSON.parse(lines[1]!) as { error: { stack: string } }).error.stack, /boom/);
  });
  it('drops lines below the level', () => {
    const lines: string[] = [];
    createLogger({ level: 'warn', write: (l) => lines.push(l) }).info('quiet');
    assert.equal(lines.length, 0);
  });
});
