/**
 * Prometheus metrics of a coordinator (prom-client), served as /metrics on --metrics-port. Every series is
 * prefixed `equiscale_`. Two kinds:
 *  - read from the database at scrape time (the truth for the whole study, whichever coordinator did the work):
 *    equiscale_trials{sweep,family,state}, equiscale_flops_done{sweep,family} (nominal training FLOPs of completed
 *    trials, authors' convention), equiscale_flops_executed{sweep,family} (FLOPs workers reported executing),
 *    equiscale_database_up;
 *  - counted by this coordinator process (Prometheus sums them over coordinators): equiscale_claims_total{outcome},
 *    equiscale_claim_duration_seconds (server-side ClaimTrial time), equiscale_leases_expired_total{outcome},
 *    equiscale_metric_points_ingested_total, equiscale_connected_workers (distinct workers that called within
 *    one lease TTL).
 * Plus prom-client's process metrics (equiscale_process_*, equiscale_nodejs_*).
 */
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Kysely } from 'kysely';
import { trialStateCounts, type Database } from '@equiscale/db';
import type { Logger } from './logger.js';
import type { WorkerServiceObserver } from './worker-service.js';

export interface CoordinatorMetrics {
  registry: Registry;
  observer: WorkerServiceObserver;
  /** per-call hook (middleware onCall) */
  onCall(method: string, ms: number, ok: boolean): void;
  onReaped(requeued: number, failed: number): void;
}

export function coordinatorMetrics(db: Kysely<Database>, opts: { leaseTtlMs: number; logger: Logger }): CoordinatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'equiscale_' });
  const lastSeen = new Map<string, number>();

  const claims = new Counter({
    name: 'equiscale_claims_total',
    help: 'ClaimTrial calls answered by this coordinator, by outcome (trial: a lease was granted; idle: nothing to do)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const claimSeconds = new Histogram({
    name: 'equiscale_claim_duration_seconds',
    help: 'server-side time of answered ClaimTrial calls (auth, validation, database), seconds; refused calls are not counted',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const leasesExpired = new Counter({
    name: 'equiscale_leases_expired_total',
    help: "expired leases this coordinator's reaper took back, by outcome (requeued, or failed after too many)",
    labelNames: ['outcome'],
    registers: [registry],
  });
  const points = new Counter({
    name: 'equiscale_metric_points_ingested_total',
    help: 'metric points (losses per step) accepted from workers by this coordinator',
    registers: [registry],
  });
  new Gauge({
    name: 'equiscale_connected_workers',
    help: 'distinct workers that called this coordinator within one lease TTL',
    registers: [registry],
    collect() {
      const since = Date.now() - opts.leaseTtlMs;
      for (const [id, t] of lastSeen) if (t < since) lastSeen.delete(id);
      this.set(lastSeen.size);
    },
  });
  // One query feeds the database gauges. prom-client collects all metrics of a scrape concurrently, so each of
  // them awaits the same refresh (started by whichever is collected first).
  let scrape: Promise<void> | undefined;
  let dbUp = 0;
  const refreshed = () =>
    (scrape ??= refresh()
      .then(
        () => void (dbUp = 1),
        (err: unknown) => {
          dbUp = 0;
          opts.logger.warn('metrics: cannot read trial counts', { error: (err as Error).message });
        },
      )
      .finally(() => setImmediate(() => (scrape = undefined))));
  const trials = new Gauge({
    name: 'equiscale_trials',
    help: 'trials in the database by sweep, family and state',
    labelNames: ['sweep', 'family', 'state'],
    registers: [registry],
    collect: () => refreshed(),
  });
  const flopsDone = new Gauge({
    name: 'equiscale_flops_done',
    help: "nominal training FLOPs of completed trials (authors' convention), by sweep and family",
    labelNames: ['sweep', 'family'],
    registers: [registry],
    collect: () => refreshed(),
  });
  const flopsExecuted = new Gauge({
    name: 'equiscale_flops_executed',
    help: 'training FLOPs workers reported executing for finished trials, by sweep and family',
    labelNames: ['sweep', 'family'],
    registers: [registry],
    collect: () => refreshed(),
  });
  new Gauge({
    name: 'equiscale_database_up',
    help: '1 when the trial counts could be read from the database at this scrape, else 0 (the database gauges then keep their last values)',
    registers: [registry],
    async collect() {
      await refreshed();
      this.set(dbUp);
    },
  });
  async function refresh() {
    const rows = await trialStateCounts(db);
    trials.reset();
    flopsDone.reset();
    flopsExecuted.reset();
    for (const r of rows) {
      trials.set({ sweep: r.sweep, family: r.family, state: r.status }, r.trials);
      flopsDone.inc({ sweep: r.sweep, family: r.family }, r.status === 'completed' ? r.nominalFlops : 0);
      flopsExecuted.inc({ sweep: r.sweep, family: r.family }, r.executedFlops);
    }
  }

  return {
    registry,
    observer: {
      workerSeen: (id) => lastSeen.set(id, Date.now()),
      claimed: (outcome) => claims.inc({ outcome }),
      pointsIngested: (n) => points.inc(n),
    },
    onCall(method, ms, ok) {
      if (ok && method === 'WorkerService/ClaimTrial') claimSeconds.observe(ms / 1000);
    },
    onReaped(requeued, failed) {
      if (requeued) leasesExpired.inc({ outcome: 'requeued' }, requeued);
      if (failed) leasesExpired.inc({ outcome: 'failed' }, failed);
    },
  };
}

/** Serves GET /metrics of the registry on host:port (0: any free port). */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : port };
}
