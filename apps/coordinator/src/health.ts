/**
 * The standard gRPC health service (grpc.health.v1.Health) for Kubernetes gRPC probes and grpc_health_probe.
 *
 * It is added to the server WITHOUT the token middleware, because probes send no metadata; it therefore answers
 * nothing but a serving status: SERVING once migrations ran (the server is only started after them) and the
 * database answers a `select 1` within 2 s; NOT_SERVING while the database does not answer or the coordinator
 * is shutting down. Known service names: "" (the whole server), equiscale.v1.WorkerService and
 * equiscale.v1.AdminService; any other name is NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch), as the protocol says.
 */
import { status as grpcStatus, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthCheckResponse_ServingStatus as Serving, type HealthCheckRequest, type HealthCheckResponse } from '@equiscale/contract';
import type { Kysely } from 'kysely';
import { pingDatabase, type Database } from '@equiscale/db';
import type { Logger } from './logger.js';

export const HEALTH_SERVICES = ['', 'equiscale.v1.WorkerService', 'equiscale.v1.AdminService'] as const;

const DB_TIMEOUT_MS = 2_000;
/** how often Watch re-checks the database while anyone is watching */
const WATCH_POLL_MS = 5_000;

export interface HealthState {
  impl: UntypedServiceImplementation;
  /** from now on NOT_SERVING; ends every Watch stream (so shutdown need not wait for them) */
  shutdown(): void;
  /** the status Check would answer now */
  current(): Promise<Serving>;
}

export function healthService(db: Kysely<Database>, logger: Logger): HealthState {
  let stopping = false;
  const watchers = new Set<{ call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>; last?: Serving }>();
  let poll: NodeJS.Timeout | undefined;

  const current = async (): Promise<Serving> => {
    if (stopping) return Serving.NOT_SERVING;
    const ok = await pingDatabase(db, DB_TIMEOUT_MS);
    return stopping ? Serving.NOT_SERVING : ok ? Serving.SERVING : Serving.NOT_SERVING;
  };
  const known = (service: unknown) => typeof service === 'string' && (HEALTH_SERVICES as readonly string[]).includes(service);

  const push = (w: { call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>; last?: Serving }, s: Serving) => {
    if (w.last === s) return;
    w.last = s;
    w.call.write({ status: s });
  };
  const refresh = async () => {
    const s = await current();
    for (const w of watchers) push(w, s);
  };
  const schedule = () => {
    if (poll || stopping || watchers.size === 0) return;
    poll = setTimeout(() => {
      poll = undefined;
      refresh().finally(schedule);
    }, WATCH_POLL_MS);
  };

  const impl: UntypedServiceImplementation = {
    check(call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, cb: sendUnaryData<HealthCheckResponse>) {
      if (!known(call.request?.service)) {
        cb({ code: grpcStatus.NOT_FOUND, details: 'unknown service' });
        return;
      }
      current().then(
        (s) => cb(null, { status: s }),
        () => cb(null, { status: Serving.NOT_SERVING }),
      );
    },
    watch(call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) {
      if (!known(call.request?.service)) {
        call.write({ status: Serving.SERVICE_UNKNOWN });
        call.end();
        return;
      }
      const w: { call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>; last?: Serving } = { call };
      watchers.add(w);
      call.on('cancelled', () => watchers.delete(w));
      call.on('close', () => watchers.delete(w));
      current().then((s) => {
        if (!watchers.has(w)) return;
        push(w, s);
        if (stopping) {
          watchers.delete(w);
          call.end();
        }
      }, () => push(w, Serving.NOT_SERVING));
      schedule();
    },
  };

  return {
    impl,
    current,
    shutdown() {
      if (stopping) return;
      stopping = true;
      clearTimeout(poll);
      poll = undefined;
      for (const w of watchers) {
        push(w, Serving.NOT_SERVING);
        w.call.end();
      }
      watchers.clear();
      logger.debug('health: NOT_SERVING (shutting down)');
    },
  };
}
