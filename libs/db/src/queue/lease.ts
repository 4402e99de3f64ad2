import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../schema.js';

/** Thrown when a trial-scoped write presents a lease token that is not the trial's current one. */
export class LeaseLostError extends Error {
  constructor(
    readonly trialId: number,
    readonly state: 'unknown-trial' | 'stale-token' | 'cancelled' | 'finished',
  ) {
    super(
      state === 'unknown-trial'
        ? `trial ${trialId} does not exist`
        : `lease lost: trial ${trialId} is no longer leased with this token (${state})`,
    );
    this.name = 'LeaseLostError';
  }
}

export interface LeaseRef {
  trialId: number;
  leaseToken: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Locks the trial row for the rest of the transaction if (trial, token) is its current running lease; returns
 * the attempt number. Otherwise throws LeaseLostError saying why. All fenced writes start here.
 */
export async function lockLease(tx: Transaction<Database> | Kysely<Database>, ref: LeaseRef): Promise<number> {
  const row = await tx
    .selectFrom('trials')
    .select(['attempt', 'status', 'lease_token'])
    .where('id', '=', ref.trialId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new LeaseLostError(ref.trialId, 'unknown-trial');
  if (row.status === 'cancelled') throw new LeaseLostError(ref.trialId, 'cancelled');
  if (row.status !== 'running') {
    throw new LeaseLostError(ref.trialId, row.status === 'pending' ? 'stale-token' : 'finished');
  }
  if (!UUID_RE.test(ref.leaseToken) || row.lease_token !== ref.leaseToken) {
    throw new LeaseLostError(ref.trialId, 'stale-token');
  }
  return row.attempt;
}

/** The token as a query parameter: null when it is not a UUID (matches no lease; never a cast error). */
export function tokenParam(leaseToken: string): string | null {
  return UUID_RE.test(leaseToken) ? leaseToken : null;
}

/**
 * Why a fenced single-statement write (UPDATE … WHERE status = 'running' AND lease_token = $token) matched no row:
 * reads the trial afresh and returns the same LeaseLostError lockLease would throw. Only on the refusal path.
 */
export async function lostLease(db: Transaction<Database> | Kysely<Database>, ref: LeaseRef): Promise<LeaseLostError> {
  const row = await db.selectFrom('trials').select(['status', 'lease_token']).where('id', '=', ref.trialId).executeTakeFirst();
  if (!row) return new LeaseLostError(ref.trialId, 'unknown-trial');
  if (row.status === 'cancelled') return new LeaseLostError(ref.trialId, 'cancelled');
  if (row.status !== 'running') return new LeaseLostError(ref.trialId, row.status === 'pending' ? 'stale-token' : 'finished');
  // running under another token (or, after a concurrent takeover, under this one never again)
  return new LeaseLostError(ref.trialId, 'stale-token');
}

/** now() + ms, as SQL. */
export const inMs = (ms: number) => sql<Date>`now() + make_interval(secs => ${ms / 1000})`;
