/** Capped exponential backoff with jitter, for reconnecting to a coordinator that went away. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  /** first delay (default 250 ms) */
  initialMs?: number;
  /** largest delay (default 10 s) */
  maxMs?: number;
}

/**
 * Delay before retry number `attempt` (0-based): min(max, initial · 2^attempt), scaled by a random factor in
 * [0.5, 1) ("equal jitter"), so that many workers that lost the coordinator together do not return in step.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = opts.initialMs ?? 250;
  const max = opts.maxMs ?? 10_000;
  const cap = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(cap * (0.5 + random() * 0.5));
}

/** Sleeps `ms`, returning early (without throwing) when `signal` aborts. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => {});
}
