/**
 * startCoordinator: the only place that creates the gRPC server, adds the services and listens. All state is in
 * Postgres (trials, leases, checkpoints), so a coordinator can be restarted at any time, and two can serve the
 * same database at once.
 */
import { readFileSync } from 'node:fs';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { AdminServiceService, HealthService, MAX_MESSAGE_BYTES, WorkerServiceService } from '@equiscale/contract';
import { migrateToLatest, openDatabase, type EquiscaleDb } from '@equiscale/db';
import { adminServiceImpl } from './admin-service.js';
import { healthService } from './health.js';
import { coordinatorMetrics, serveMetrics } from './metrics.js';
import { createLogger, type Logger } from './logger.js';
import { tolerantDecoding, withMiddleware } from './middleware.js';
import { startReaper } from './reaper.js';
import { workerServiceImpl } from './worker-service.js';

export const DEFAULT_LEASE_TTL_MS = 30_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
export const DEFAULT_REAP_INTERVAL_MS = 2_000;
export const DEFAULT_IDLE_RETRY_MS = 1_000;

export interface CoordinatorOptions {
  /**
   * an open database (left open on stop), or a postgres:// URL (opened here, closed on stop); absent: DATABASE_URL,
   * else the embedded PGlite database (see openDatabase)
   */
  db?: EquiscaleDb | string;
  /** connections to Postgres when `db` is a URL (default 20) */
  poolSize?: number;
  host?: string;
  /** 0: any free port */
  port?: number;
  /** shared secret every call must present as `authorization: Bearer <token>` */
  token?: string;
  tls?: { certFile: string; keyFile: string };
  leaseTtlMs?: number;
  heartbeatIntervalMs?: number;
  reapIntervalMs?: number;
  /** how long an idle worker is told to wait before claiming again */
  idleRetryMs?: number;
  logger?: Logger;
  /** per-call hook: method ("WorkerService/ClaimTrial"), server-side handler time in ms, ok (bench, metrics) */
  onCall?(method: string, ms: number, ok: boolean): void;
  /** serve Prometheus metrics at http://host:metricsPort/metrics (0: any free port); absent: no metrics endpoint */
  metricsPort?: number;
}

export interface RunningCoordinator {
  /** host:port to give workers */
  address: string;
  port: number;
  /** the port of /metrics, when metricsPort was given */
  metricsPort?: number;
  /** stops accepting calls, lets running calls finish (5 s at most), stops the reaper */
  stop(): Promise<void>;
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`coordinator option ${name} must be a positive number of milliseconds (got ${v})`);
  return v;
}

export async function startCoordinator(opts: CoordinatorOptions): Promise<RunningCoordinator> {
  const logger = opts.logger ?? createLogger();
  const host = opts.host ?? '127.0.0.1';
  const leaseTtlMs = positive('leaseTtlMs', opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS);
  const heartbeatIntervalMs = positive('heartbeatIntervalMs', opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
  const reapIntervalMs = positive('reapIntervalMs', opts.reapIntervalMs ?? DEFAULT_REAP_INTERVAL_MS);
  const idleRetryMs = positive('idleRetryMs', opts.idleRetryMs ?? DEFAULT_IDLE_RETRY_MS);
  if (heartbeatIntervalMs * 2 > leaseTtlMs) {
    throw new Error(
      `heartbeatIntervalMs (${heartbeatIntervalMs}) must be at most half of leaseTtlMs (${leaseTtlMs}), so one late heartbeat does not lose the lease`,
    );
  }
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`coordinator port must be 0..65535 (got ${port})`);
  const metricsPort = opts.metricsPort;
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) {
    throw new Error(`coordinator metrics port must be 0..65535 (got ${metricsPort})`);
  }
  let credentials = ServerCredentials.createInsecure();
  if (opts.tls) {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(opts.tls.certFile);
      key = readFileSync(opts.tls.keyFile);
    } catch (err) {
      throw new Error(`cannot read the TLS certificate or key (${(err as Error).message}); check --tls-cert and --tls-key`, { cause: err });
    }
    credentials = ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }], false);
  }

  const owned = typeof opts.db !== 'object';
  const conn = typeof opts.db === 'object' ? opts.db : await openDatabase({ url: opts.db, poolSize: opts.poolSize ?? 20 });
  try {
    await migrateToLatest(conn.db);
  } catch (err) {
    if (owned) await conn.close().catch(() => {});
    throw err;
  }

  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  const token = opts.token || undefined;
  const metrics = metricsPort === undefined ? undefined : coordinatorMetrics(conn.db, { leaseTtlMs, logger });
  const onCall =
    metrics && opts.onCall
      ? (m: string, ms: number, ok: boolean) => {
          metrics.onCall(m, ms, ok);
          opts.onCall!(m, ms, ok);
        }
      : (metrics?.onCall ?? opts.onCall);
  // The health service answers without the token (probes send no metadata) and tells nothing but a status.
  const health = healthService(conn.db, logger);
  server.addService(HealthService, health.impl);
  server.addService(
    tolerantDecoding(WorkerServiceService),
    withMiddleware(workerServiceImpl({ db: conn.db, leaseTtlMs, heartbeatIntervalMs, idleRetryMs, observer: metrics?.observer }), {
      service: 'WorkerService',
      token,
      logger,
      onCall,
    }),
  );
  server.addService(tolerantDecoding(AdminServiceService), withMiddleware(adminServiceImpl({ db: conn.db }), { service: 'AdminService', token, logger, onCall }));

  let boundPort: number;
  try {
    boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
  } catch (err) {
    if (owned) await conn.close().catch(() => {});
    throw new Error(`coordinator cannot listen on ${host}:${port} (${(err as Error).message}); pick another --port`, { cause: err });
  }
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  if (metrics) {
    try {
      metricsServer = await serveMetrics(metrics.registry, host, metricsPort!);
    } catch (err) {
      server.forceShutdown();
      if (owned) await conn.close().catch(() => {});
      throw new Error(`coordinator cannot serve metrics on ${host}:${metricsPort} (${(err as Error).message}); pick another --metrics-port`, { cause: err });
    }
  }
  const reaper = startReaper(conn.db, reapIntervalMs, logger, metrics?.onReaped);
  const address = `${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  logger.info('coordinator listening', {
    address,
    database: conn.describe,
    tls: Boolean(opts.tls),
    auth: Boolean(token),
    leaseTtlMs,
    heartbeatIntervalMs,
    reapIntervalMs,
    metricsPort: metricsServer?.port,
  });

  let stopping: Promise<void> | undefined;
  return {
    address,
    port: boundPort,
    metricsPort: metricsServer?.port,
    stop() {
      stopping ??= (async () => {
        health.shutdown();
        await reaper.stop();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, 5_000);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        if (metricsServer) {
          metricsServer.server.closeAllConnections();
          await new Promise<void>((resolve) => metricsServer!.server.close(() => resolve()));
        }
        if (owned) await conn.close();
        logger.info('coordinator stopped', { address });
      })();
      return stopping;
    },
  };
}
