/**
 * The one wrapper applied to every handler of both services (nice-grpc style middleware): authentication,
 * error mapping and call logging. Handlers are plain `async (request, ctx) => response` functions that signal
 * failure only by throwing; nothing here is repeated per handler.
 *
 * - auth: with a token configured, a call without `authorization: Bearer <token>` is refused UNAUTHENTICATED
 *   before its handler runs (so nothing is written).
 * - RpcError (validation: INVALID_ARGUMENT naming the field, NOT_FOUND, …) → its code and message.
 * - LeaseLostError → FAILED_PRECONDITION "lease lost: …" with the typed LeaseLost reason in the trailer metadata
 *   (contract leaseLostError; workers read it with leaseLostOf, not from the text).
 * - SweepSpecError → INVALID_ARGUMENT listing every problem by field path; SweepConflictError → ALREADY_EXISTS.
 * - the database being unreachable → UNAVAILABLE (workers retry with backoff).
 * - anything else → UNKNOWN with a generic message; the stack goes to the log, never to the client.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  type handleUnaryCall,
  type ServiceDefinition,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { invalidArgument, leaseLostError, LeaseLostReason, RpcError, toServiceError, tokenFromMetadata, unauthenticated } from '@equiscale/contract';
import { LeaseLostError, ParamCountMismatchError, SweepConflictError } from '@equiscale/db';
import type { Logger } from './logger.js';

export interface CallContext {
  /** e.g. "WorkerService/ClaimTrial" */
  method: string;
  metadata: Metadata;
  peer: string;
  logger: Logger;
}

/** A handler in plain async form. */
export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;

/** The async-handler form of a generated grpc-js server interface. */
export type ServiceImpl<S> = {
  [K in keyof S as string extends K ? never : K]: S[K] extends handleUnaryCall<infer Req, infer Res>
    ? UnaryHandler<Req, Res>
    : never;
};

export interface MiddlewareOptions {
  service: string;
  /** shared secret; undefined or empty: no auth */
  token?: string;
  logger: Logger;
  /** called once per call when its handler has settled: server-side time in ms (auth, validation, database) */
  onCall?(method: string, ms: number, ok: boolean): void;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  // node socket errors, and Postgres class 08 (connection exception) / 57P01-57P03 (shutdown, cannot connect now)
  return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND)$/.test(code) || /^08/.test(code) || /^57P0[123]$/.test(code);
}

/** The database's fencing states as the contract's typed reasons. */
const LEASE_LOST_REASONS: Record<LeaseLostError['state'], LeaseLostReason> = {
  'unknown-trial': LeaseLostReason.LEASE_LOST_REASON_UNKNOWN_TRIAL,
  'stale-token': LeaseLostReason.LEASE_LOST_REASON_STALE_TOKEN,
  cancelled: LeaseLostReason.LEASE_LOST_REASON_CANCELLED,
  finished: LeaseLostReason.LEASE_LOST_REASON_FINISHED,
};

/** Maps a thrown value to a status error that is safe to send. */
export function toRpcError(err: unknown): RpcError | null {
  if (err instanceof RpcError) return err;
  if (err instanceof LeaseLostError) return leaseLostError(err.trialId, LEASE_LOST_REASONS[err.state], err.message);
  if (err instanceof Error && err.name === 'SweepSpecError') return new RpcError(status.INVALID_ARGUMENT, err.message);
  if (err instanceof SweepConflictError) return new RpcError(status.ALREADY_EXISTS, err.message);
  if (err instanceof ParamCountMismatchError) return new RpcError(status.INVALID_ARGUMENT, err.message);
  if (isDatabaseUnavailable(err)) return new RpcError(status.UNAVAILABLE, 'database unavailable; retry later');
  if (err instanceof Error && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(err.message)) {
    return new RpcError(status.UNAVAILABLE, 'database unavailable; retry later');
  }
  return null;
}

/** A request whose bytes did not decode (garbage, or an int64 beyond ±2^53); refused INVALID_ARGUMENT after auth. */
class UndecodableRequest {
  constructor(readonly reason: string) {}
}

/**
 * The service definition with decoding that never throws: grpc-js answers a throwing deserializer with INTERNAL
 * (which clients treat as transient and retry); this turns it into an INVALID_ARGUMENT from the middleware.
 */
export function tolerantDecoding<D extends ServiceDefinition>(def: D): D {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(def)) {
    out[name] = {
      ...m,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return m.requestDeserialize(bytes);
        } catch (err) {
          return new UndecodableRequest(err instanceof Error ? err.message : String(err));
        }
      },
    };
  }
  return out as D;
}

/** Wraps every handler of `impl` into the grpc-js callback form with the cross-cutting concerns above. */
export function withMiddleware<S>(impl: ServiceImpl<S>, opts: MiddlewareOptions): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(impl) as [string, UnaryHandler<unknown, unknown>][]) {
    const method = `${opts.service}/${name[0]!.toUpperCase()}${name.slice(1)}`;
    const logger = opts.logger.child({ method });
    out[name] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const started = performance.now();
      const ctx: CallContext = { method, metadata: call.metadata, peer: call.getPeer(), logger };
      const run = async () => {
        if (opts.token) {
          const got = tokenFromMetadata(call.metadata);
          if (got === undefined) throw unauthenticated('missing credentials: send metadata "authorization: Bearer <EQUISCALE_TOKEN>"');
          if (!sameSecret(got, opts.token)) throw unauthenticated('invalid token: check EQUISCALE_TOKEN');
        }
        if (call.request instanceof UndecodableRequest) {
          throw invalidArgument(`request: cannot decode the ${method} message (${call.request.reason}); integers must stay within ±2^53`);
        }
        return handler(call.request, ctx);
      };
      run().then(
        (res) => {
          const ms = performance.now() - started;
          opts.onCall?.(method, ms, true);
          logger.debug('call ok', { ms: Math.round(ms) });
          callback(null, res);
        },
        (err: unknown) => {
          opts.onCall?.(method, performance.now() - started, false);
          const known = toRpcError(err);
          if (known) {
            const level = known.code === status.UNAVAILABLE ? 'warn' : 'debug';
            logger[level]('call refused', { code: status[known.code], error: known.message, peer: ctx.peer });
            callback(toServiceError(known));
          } else {
            logger.error('call failed', { error: err instanceof Error ? err : String(err), peer: ctx.peer });
            callback(toServiceError(err));
          }
        },
      );
    };
  }
  return out;
}
