/**
 * The worker's connection to the coordinator: one grpc-js channel plus a `call` that retries transient
 * failures (UNAVAILABLE, DEADLINE_EXCEEDED: the coordinator restarts or the network drops) with capped
 * exponential backoff and jitter. grpc-js reconnects the channel by itself; this only decides when to ask again.
 * Non-transient errors (lease lost, invalid argument, unauthenticated) are thrown at once.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  callMetadata,
  isTransient,
  leaseLostOf,
  makeWorkerClient,
  unary,
  type ConnectOptions,
  type WorkerServiceClient,
} from '@equiscale/contract';
import { backoffDelay, pause, type BackoffOptions } from './backoff.js';
import type { Logger } from './logger.js';

type Methods = 'register' | 'claimTrial' | 'heartbeat' | 'reportMetrics' | 'saveCheckpoint' | 'completeTrial' | 'failTrial' | 'releaseTrial';
type ReqOf<M extends Methods> = Parameters<WorkerServiceClient[M]>[0];
type ResOf<M extends Methods> = WorkerServiceClient[M] extends (req: any, md: any, opts: any, cb: (e: any, res: infer R) => void) => any
  ? R
  : never;

export interface CallOptions {
  /** stop retrying (and throw the last error) when this aborts */
  signal?: AbortSignal;
  /** give up after this long of transient failures (default: never) */
  giveUpAfterMs?: number;
  timeoutMs?: number;
}

/** The coordinator refused a trial-scoped write: the lease was taken over, expired, or the trial was cancelled. */
export function isLeaseLost(err: unknown): boolean {
  return leaseLostOf(err) !== null;
}

export class GaveUpError extends Error {
  constructor(method: string, cause: unknown) {
    super(`gave up calling ${method}: the coordinator is unreachable (${(cause as Error)?.message ?? String(cause)})`, { cause });
    this.name = 'GaveUpError';
  }
}

export class CoordinatorLink {
  private readonly client: WorkerServiceClient;
  private outageSince: number | null = null;

  constructor(
    readonly address: string,
    private readonly connect: ConnectOptions,
    private readonly logger: Logger,
    private readonly backoff: BackoffOptions = {},
  ) {
    this.client = makeWorkerClient(address, connect);
  }

  async call<M extends Methods>(method: M, req: ReqOf<M>, opts: CallOptions = {}): Promise<ResOf<M>> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await unary<ReqOf<M>, ResOf<M>>(
          this.client,
          this.client[method] as any,
          req,
          callMetadata(this.connect),
          opts.timeoutMs ?? 30_000,
        );
        if (this.outageSince !== null) {
          this.logger.info('coordinator reachable again', { address: this.address, downForMs: Date.now() - this.outageSince });
          this.outageSince = null;
        }
        return res;
      } catch (err) {
        if (!isTransient(err)) throw err;
        if (this.outageSince === null) {
          this.outageSince = Date.now();
          this.logger.warn('coordinator unreachable; retrying with backoff', {
            address: this.address,
            method,
            code: status[(err as ServiceError).code],
            error: (err as ServiceError).details,
          });
        }
        if (opts.signal?.aborted) throw err;
        if (opts.giveUpAfterMs !== undefined && Date.now() - started > opts.giveUpAfterMs) throw new GaveUpError(method, err);
        await pause(backoffDelay(attempt, this.backoff), opts.signal);
      }
    }
  }

  close(): void {
    this.client.close();
  }
}
