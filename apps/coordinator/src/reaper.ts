/**
 * The periodic reaper: re-queues trials whose lease expired (their worker died or lost the network). Runs in
 * every coordinator; reapExpiredLeases takes rows with SKIP LOCKED, so two coordinators never fight over one.
 * Each pass also completes active sweeps none of whose trials is left open (settleFinishedSweeps).
 */
import { reapExpiredLeases, settleFinishedSweeps, type Database } from '@equiscale/db';
import type { Kysely } from 'kysely';
import type { Logger } from './logger.js';

export interface Reaper {
  stop(): Promise<void>;
}

export function startReaper(
  db: Kysely<Database>,
  intervalMs: number,
  logger: Logger,
  /** told how many expired leases each pass re-queued and failed (metrics) */
  onReaped?: (requeued: number, failed: number) => void,
): Reaper {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let failing = false;
  const tick = async () => {
    try {
      const r = await reapExpiredLeases(db);
      if (failing) logger.info('reaper: database reachable again');
      failing = false;
      if (r.requeued.length || r.failed.length) onReaped?.(r.requeued.length, r.failed.length);
      if (r.requeued.length) logger.info('reaper: expired leases re-queued', { trials: r.requeued });
      if (r.failed.length) logger.warn('reaper: trials failed after too many lost leases', { trials: r.failed });
      // backstop of completeTrial, which settles the sweep after its own commit (a crash in between leaves it active)
      const settled = await settleFinishedSweeps(db);
      if (settled.length) logger.info('reaper: completed sweeps whose trials had all finished', { sweeps: settled });
    } catch (err) {
      if (!failing) logger.warn('reaper: could not reap expired leases', { error: (err as Error).message });
      failing = true;
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, intervalMs);
  };
  running = tick().finally(schedule);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => {});
    },
  };
}
