/**
 * coordinatorMain: what `equiscale coordinator` runs. Starts the coordinator and stops it cleanly on SIGTERM or
 * SIGINT (running calls finish; leases stay in Postgres, so workers simply reconnect to the next coordinator).
 */
import { startCoordinator, type CoordinatorOptions, type RunningCoordinator } from './server.js';
import { createLogger } from './logger.js';

export interface CoordinatorMainOptions extends CoordinatorOptions {
  /** called once listening (the CLI prints the address) */
  onListening?(c: RunningCoordinator): void;
}

/** Resolves with the exit code once a signal stopped the coordinator. */
export async function coordinatorMain(opts: CoordinatorMainOptions): Promise<number> {
  const logger = opts.logger ?? createLogger();
  const c = await startCoordinator({ ...opts, logger });
  opts.onListening?.(c);
  return new Promise<number>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      logger.info('signal received, stopping', { signal: sig });
      c.stop().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error('stop failed', { error: err as Error });
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
