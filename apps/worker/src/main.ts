/**
 * workerMain: what `equiscale worker` runs. Wires SIGTERM/SIGINT to a graceful stop (finish the current step,
 * checkpoint, ReleaseTrial, exit 0); a second signal exits at once (the lease then expires and the trial is
 * re-queued by the reaper, resuming from its last saved checkpoint). Resolves with the process exit code.
 *
 * Started with an IPC channel (as `equiscale demo` starts its workers), the worker exits at once when that channel
 * closes: its parent died (e.g. SIGKILL), and with it the coordinator the parent ran, so no graceful stop is
 * possible; the lease expires and the trial resumes from its checkpoint on the next run. Without this the orphans
 * retried the dead coordinator forever (found by test/demo/demo-kill.test.ts).
 */
import { createLogger } from './logger.js';
import { runWorker, WorkerConfigError, type RunWorkerOptions } from './worker.js';

export async function workerMain(opts: RunWorkerOptions): Promise<number> {
  const logger = opts.logger ?? createLogger();
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      logger.info('signal received: stopping after the current step', { signal: sig });
      stop.abort();
    } else {
      logger.warn('second signal: exiting now', { signal: sig });
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const onParentGone = () => {
    logger.warn('parent process gone (IPC channel closed): exiting now; the lease expires and the trial resumes from its checkpoint');
    process.exit(1);
  };
  // Started with an IPC channel (process.send exists): a parent that died while this process was still loading its
  // modules closed the channel before the 'disconnect' listener existed, so check `connected` now and every second
  // too (found by test/demo/demo-kill.test.ts: a replacement worker spawned just before the demo's SIGKILL lived on).
  let parentWatch: NodeJS.Timeout | undefined;
  if (typeof process.send === 'function') {
    if (!process.connected) onParentGone();
    process.channel?.unref(); // the channel alone must not keep a finished worker alive
    process.on('disconnect', onParentGone);
    parentWatch = setInterval(() => {
      if (!process.connected) onParentGone();
    }, 1_000).unref();
  }
  try {
    await runWorker({ ...opts, logger, signal: opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal });
    return 0;
  } catch (err) {
    if (err instanceof WorkerConfigError) logger.error(err.message);
    else logger.error('worker failed', { error: err as Error });
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('disconnect', onParentGone);
    if (parentWatch) clearInterval(parentWatch);
  }
}
