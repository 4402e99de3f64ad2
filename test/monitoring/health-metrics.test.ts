/**
 * Issue 18: the coordinator's standard gRPC health service and Prometheus /metrics, on a real coordinator over
 * 127.0.0.1 with a real Postgres database and real grpc clients.
 *  - Health answers SERVING without the token (as Kubernetes probes call it), NOT_FOUND for unknown services,
 *    and Watch turns NOT_SERVING when the coordinator stops; every other method still needs the token.
 *  - /metrics serves only `equiscale_` series, and their values move as a trial is claimed, reports metric points,
 *    completes, and as a lease expires.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as Serving,
  makeHealthClient,
  unary,
  type ClaimTrialResponse,
  type HealthCheckResponse,
  type HealthClient,
} from '@equiscale/contract';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase } from '@equiscale/db/testing';
import { grpcError, launch, ROOT, startStack, tinySpec, waitFor, type Stack } from '../sweeps/helpers.js';

const TOKEN = 'metrics-test-token';

/** Parses the Prometheus text format into "name{labels}" → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?(?:\{.*\})?) (\S+)$/.exec(line);
    assert.ok(m, `unparsable metrics line: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('coordinator health service and /metrics', () => {
  let s: Stack;
  let health: HealthClient;
  let metricsUrl: string;
  const check = (service = '', md = new Metadata()) => unary<any, HealthCheckResponse>(health, health.check as any, { service }, md);
  const scrape = async () => {
    const res = await fetch(metricsUrl);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    return parseMetrics(await res.text());
  };
  const value = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

  before(async () => {
    // short leases so one can expire within the test; the reaper runs often
    s = await startStack({ token: TOKEN, metricsPort: 0, leaseTtlMs: 1_000, heartbeatIntervalMs: 500, reapIntervalMs: 200 });
    health = makeHealthClient(s.coordinator.address);
    assert.ok(s.coordinator.metricsPort, 'the coordinator reports the port of /metrics');
    metricsUrl = `http://127.0.0.1:${s.coordinator.metricsPort}/metrics`;
  });
  after(async () => {
    health?.close();
    await s?.close();
  });

  it('answers the standard health check with SERVING, without the token', async () => {
    assert.equal((await check('')).status, Serving.SERVING);
    assert.equal((await check('equiscale.v1.WorkerService')).status, Serving.SERVING);
    assert.equal((await check('equiscale.v1.AdminService')).status, Serving.SERVING);
    await assert.rejects(check('no.such.Service'), grpcError(status.NOT_FOUND));
  });

  it('still refuses every other method without the token', async () => {
    const bare = new Metadata();
    await assert.rejects(unary(s.admin, s.admin.getSweep as any, { name: 'x' }, bare), grpcError(status.UNAUTHENTICATED));
    await assert.rejects(unary(s.worker, s.worker.claimTrial as any, { workerId: 'w', maxParamCount: 0 }, bare), grpcError(status.UNAUTHENTICATED));
    await assert.rejects(unary(s.worker, s.worker.register as any, { workerId: '', host: 'h', backend: 'cpu', capabilities: {}, pid: 1, maxParamCount: 0 }, bare), grpcError(status.UNAUTHENTICATED));
  });

  it('serves equiscale_ series only, and their values move with claims, metric points, completions and expired leases', async () => {
    const first = await scrape();
    assert.ok(first.size > 10, 'some series');
    for (const k of first.keys()) assert.match(k, /^equiscale_/, `series ${k} is not prefixed equiscale_`);
    assert.equal(value(first, 'equiscale_database_up'), 1);
    assert.equal(value(first, 'equiscale_claims_total{outcome="trial"}'), 0);

    await launch(s, tinySpec({ name: 'metrics', seeds: [0] })); // 2 trials: transformer, transformer+augment
    const launched = await scrape();
    assert.equal(value(launched, 'equiscale_trials{sweep="metrics",family="transformer",state="pending"}'), 1);
    assert.equal(value(launched, 'equiscale_trials{sweep="metrics",family="transformer+augment",state="pending"}'), 1);
    assert.equal(value(launched, 'equiscale_connected_workers'), 0);

    const claim = async (workerId: string) =>
      (await unary<any, ClaimTrialResponse>(s.worker, s.worker.claimTrial as any, { workerId, maxParamCount: 0 }, s.md)).trial!;
    const a = await claim('worker-a');
    assert.ok(a, 'a trial was claimed');
    const claimed = await scrape();
    assert.equal(value(claimed, 'equiscale_claims_total{outcome="trial"}'), 1);
    assert.equal(value(claimed, 'equiscale_claim_duration_seconds_count'), 1);
    assert.ok(value(claimed, 'equiscale_claim_duration_seconds_sum') > 0);
    assert.equal(value(claimed, 'equiscale_connected_workers'), 1);
    const family = a.trial!.family;
    assert.equal(value(claimed, `equiscale_trials{sweep="metrics",family="${family}",state="running"}`), 1);
    assert.equal(value(claimed, `equiscale_trials{sweep="metrics",family="${family}",state="pending"}`), 0);

    const points = [1, 2, 3].map((step) => ({ step, split: 'train', loss: 1 / step, samplesSeen: step * 4, wallTimeS: step / 10 }));
    await unary(s.worker, s.worker.reportMetrics as any, { trialId: a.trialId, leaseToken: a.leaseToken, points }, s.md);
    await unary(
      s.worker,
      s.worker.completeTrial as any,
      { trialId: a.trialId, leaseToken: a.leaseToken, outcome: 'completed', steps: 6, trainLoss: 0.5, valLoss: 0.6, testLoss: 0.7, backend: 'cpu', wallTimeS: 1, error: '', paramCount: 0, executedFlops: 1e6 },
      s.md,
    );
    const done = await scrape();
    assert.equal(value(done, 'equiscale_metric_points_ingested_total'), 3);
    assert.equal(value(done, `equiscale_trials{sweep="metrics",family="${family}",state="completed"}`), 1);
    assert.equal(value(done, `equiscale_trials{sweep="metrics",family="${family}",state="running"}`), 0);
    assert.ok(value(done, `equiscale_flops_done{sweep="metrics",family="${family}"}`) > 0, 'nominal FLOPs of the completed trial');
    assert.equal(value(done, `equiscale_flops_executed{sweep="metrics",family="${family}"}`), 1e6);

    // the second trial's worker goes silent: its lease expires and the reaper takes it back
    const b = await claim('worker-b');
    assert.ok(b);
    assert.equal(value(await scrape(), 'equiscale_claims_total{outcome="trial"}'), 2);
    const expired = await waitFor('the expired lease to be counted', async () => {
      const m = await scrape();
      return value(m, 'equiscale_leases_expired_total{outcome="requeued"}') === 1 ? m : null;
    }, 30_000, 200);
    const other = b.trial!.family;
    assert.equal(value(expired, `equiscale_trials{sweep="metrics",family="${other}",state="pending"}`), 1);
    const idle = await unary<any, ClaimTrialResponse>(s.worker, s.worker.claimTrial as any, { workerId: 'worker-c', maxParamCount: 1 }, s.md);
    assert.equal(idle.trial, undefined, 'a worker that can hold no model gets nothing');
    assert.equal(value(await scrape(), 'equiscale_claims_total{outcome="idle"}'), 1);
  });

  it('answers 404 off /metrics', async () => {
    const res = await fetch(metricsUrl.replace('/metrics', '/other'));
    assert.equal(res.status, 404);
    await res.text();
  });

  it('Watch streams SERVING, then NOT_SERVING when the coordinator shuts down', async () => {
    const seen: Serving[] = [];
    const call = health.watch({ service: '' });
    const ended = new Promise<void>((resolve) => {
      call.on('data', (r: HealthCheckResponse) => seen.push(r.status));
      call.on('end', () => resolve());
      call.on('error', () => resolve());
    });
    await waitFor('the first Watch message', () => seen.length > 0, 10_000, 20);
    assert.deepEqual(seen, [Serving.SERVING]);
    await s.coordinator.stop();
    await ended;
    assert.deepEqual(seen, [Serving.SERVING, Serving.NOT_SERVING]);
    await assert.rejects(check(''), (e: { code: number }) => e.code === status.UNAVAILABLE);
  });
});

describe('`equiscale coordinator --metrics-port` (the real command)', () => {
  it('prints where the metrics are, serves them, and answers the health check with SERVING', async () => {
    const tdb = await createTestDatabase();
    const child = spawn(process.execPath, [join(ROOT, 'apps/cli/bin/equiscale.mjs'), 'coordinator', '--port', '0', '--metrics-port', '0', '--database-url', tdb.url], {
      cwd: ROOT,
      env: { ...process.env, EQUISCALE_TOKEN: TOKEN },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let health: HealthClient | undefined;
    try {
      let err = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (c: string) => (err += c));
      const m = await waitFor('the listening line', () => /listening on (127\.0\.0\.1:\d+) .*; metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(err), 60_000, 100);
      health = makeHealthClient(m[1]!);
      const res = await unary<any, HealthCheckResponse>(health, health.check as any, { service: '' }, new Metadata());
      assert.equal(res.status, Serving.SERVING);
      const text = await (await fetch(m[2]!)).text();
      assert.match(text, /^equiscale_database_up 1$/m);
      assert.match(text, /^# TYPE equiscale_claim_duration_seconds histogram$/m);
    } finally {
      health?.close();
      child.kill('SIGTERM');
      assert.equal(await exited, 0, 'the coordinator stops cleanly on SIGTERM');
      await tdb.drop();
    }
  });
});
