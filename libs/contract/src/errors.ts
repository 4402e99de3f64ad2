import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { LeaseLost, LeaseLostReason } from './gen/equiscale/v1/worker.js';

/** A failure a handler signals on purpose; the message is safe to show to the client. */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
    /** trailer metadata sent with the status (e.g. a typed reason: see leaseLostError) */
    readonly metadata?: Metadata,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const invalidArgument = (msg: string) => new RpcError(status.INVALID_ARGUMENT, msg);
export const notFound = (msg: string) => new RpcError(status.NOT_FOUND, msg);
export const failedPrecondition = (msg: string) => new RpcError(status.FAILED_PRECONDITION, msg);
export const alreadyExists = (msg: string) => new RpcError(status.ALREADY_EXISTS, msg);
export const unauthenticated = (msg: string) => new RpcError(status.UNAUTHENTICATED, msg);
export const resourceExhausted = (msg: string) => new RpcError(status.RESOURCE_EXHAUSTED, msg);

/**
 * The text with every unpaired UTF-16 surrogate replaced by U+FFFD. grpc-js sends status details through
 * encodeURI, which throws on a lone surrogate (e.g. an echoed input cut in the middle of an emoji), and the call
 * then never completes.
 */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Converts any thrown value into the ServiceError grpc-js sends; unexpected errors become a generic UNKNOWN. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  if (err instanceof RpcError) return { code: err.code, details: wellFormed(err.message), metadata: err.metadata ?? new Metadata() };
  return { code: status.UNKNOWN, details: 'internal error (see coordinator log)', metadata: new Metadata() };
}

/** The fencing refusal: a lease that is no longer the trial's current one. */
export const LEASE_LOST = 'lease lost';

/** Trailer metadata key of the typed LeaseLost message (binary: grpc-js base64-encodes "-bin" keys). */
export const LEASE_LOST_METADATA_KEY = 'equiscale-lease-lost-bin';

/**
 * The fencing refusal as sent: FAILED_PRECONDITION, a human text starting with LEASE_LOST, and the typed reason
 * (LeaseLost) in the trailer metadata. Clients read the reason with leaseLostOf, never from the text.
 */
export function leaseLostError(trialId: number, reason: LeaseLostReason, text: string): RpcError {
  const md = new Metadata();
  md.set(LEASE_LOST_METADATA_KEY, Buffer.from(LeaseLost.encode({ trialId, reason }).finish()));
  return new RpcError(status.FAILED_PRECONDITION, text.startsWith(LEASE_LOST) ? text : `${LEASE_LOST}: ${text}`, md);
}

/** The typed reason of a fencing refusal, or null when `err` is not one. */
export function leaseLostOf(err: unknown): LeaseLost | null {
  if (!isServiceError(err) || err.code !== status.FAILED_PRECONDITION || !err.metadata) return null;
  const [raw] = err.metadata.get(LEASE_LOST_METADATA_KEY);
  if (!(raw instanceof Uint8Array)) return null;
  try {
    return LeaseLost.decode(raw);
  } catch {
    return null;
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && 'code' in err && 'details' in err;
}

/** Codes a client retries with backoff (the coordinator or the network is away for a while). */
export function isTransient(err: unknown): boolean {
  if (!isServiceError(err)) return false;
  return err.code === status.UNAVAILABLE || err.code === status.DEADLINE_EXCEEDED || err.code === status.INTERNAL;
}
