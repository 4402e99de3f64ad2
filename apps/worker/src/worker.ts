/**
 * runWorker: register → claim → train → stream metrics → complete, one trial at a time, until told to stop.
 *
 * Leases: the coordinator grants a lease of lease_ttl_ms with each claim; a heartbeat every
 * heartbeat_interval_ms (both from Register) extends it. A heartbeat answering cancelled, or any write refused
 * with "lease lost" (the trial was re-queued and maybe taken by another worker), stops training and drops the
 * result: the fencing token makes sure nothing of this attempt is written any more.
 *
 * Checkpoints go to the coordinator (SaveCheckpoint) and live in Postgres. The database is the checkpoint
 * store because any worker on any machine can then resume any trial with nothing but its gRPC connection: no
 * shared filesystem or object store to configure, and a checkpoint is written under the same lease fence as
 * the trial's results. A re-claimed trial arrives with its last checkpoint (TrialAssignment.checkpoint) and
 * resumes from it.
 *
 * Outcomes: completed / diverged (a NaN loss: CompleteTrial "diverged", never a crash) / trainer exception
 * (FailTrial with the message; retried up to the sweep's max_attempts) / stop requested (finish the step,
 * checkpoint, ReleaseTrial: not counted as a failure) / refused (would not fit: FailTrial retryable=false).
 */
import { availableParallelism, hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { isServiceError } from '@equiscale/contract';
import { pause } from './backoff.js';
import { CoordinatorLink } from './link.js';
import { createLogger } from './logger.js';
import { runTrial } from './run-trial.js';
import { WorkerConfigError, type BackendPreference, type RunWorkerOptions, type TrialReport, type TrialResult } from './options.js';
import type { Session } from './session.js';

export { WorkerConfigError, type BackendPreference, type RunWorkerOptions, type TrialReport, type TrialResult };

function checkOptions(o: RunWorkerOptions): void {
  if (!/^[^\s]+:\d+$/.test(o.coordinator ?? '')) {
    throw new WorkerConfigError(`coordinator must be HOST:PORT, e.g. 127.0.0.1:7070 (got "${o.coordinator}")`);
  }
  if (!o.cacheDir) throw new WorkerConfigError('cacheDir is required: a directory for the cached rigid-body datasets');
  if (o.maxParamCount !== undefined && !(Number.isSafeInteger(o.maxParamCount) && o.maxParamCount >= 0)) {
    throw new WorkerConfigError(`maxParamCount must be an integer >= 0 (0: no limit; got ${o.maxParamCount})`);
  }
  if (o.idleExitMs !== undefined && !(o.idleExitMs >= 0)) throw new WorkerConfigError(`idleExitMs must be >= 0 (got ${o.idleExitMs})`);
  if (o.checkpointEvery !== undefined && !(Number.isSafeInteger(o.checkpointEvery) && o.checkpointEvery >= 0)) {
    throw new WorkerConfigError(`checkpointEvery must be an integer >= 0 (0: only when stopping; got ${o.checkpointEvery})`);
  }
  if (o.memoryBudgetBytes !== undefined && !(o.memoryBudgetBytes > 0)) {
    throw new WorkerConfigError(`memoryBudgetBytes must be > 0 (got ${o.memoryBudgetBytes})`);
  }
}

/** Fatal refusals at registration (bad token, bad request) get a message that says what to fix. */
function registrationError(err: unknown, address: string): Error {
  if (isServiceError(err) && err.code === status.UNAUTHENTICATED) {
    return new WorkerConfigError(`coordinator ${address} refused the worker's credentials (${err.details}); check EQUISCALE_TOKEN`, {
      cause: err,
    });
  }
  if (isServiceError(err)) return new WorkerConfigError(`coordinator ${address} refused Register: ${err.details}`, { cause: err });
  return err as Error;
}

export async function runWorker(opts: RunWorkerOptions): Promise<void> {
  checkOptions(opts);
  const logger = opts.logger ?? createLogger();
  const trainer = opts.trainer ?? (await import('./model-trainer.js')).createModelTrainer({ cacheDir: opts.cacheDir, backend: opts.backend, logger });
  const link = new CoordinatorLink(
    opts.coordinator,
    { token: opts.token, tlsCaFile: opts.tlsCaFile, tlsServerName: opts.tlsServerName },
    logger,
    opts.backoff,
  );
  try {
    const backend = await trainer.backend();
    let reg;
    try {
      reg = await link.call(
        'register',
        {
          workerId: opts.workerId ?? randomUUID(),
          host: hostname(),
          backend,
          capabilities: { cores: String(availableParallelism()), node: process.version },
          pid: process.pid,
          maxParamCount: opts.maxParamCount ?? 0,
        },
        { signal: opts.signal },
      );
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw registrationError(err, opts.coordinator);
    }
    const s: Session = {
      link,
      workerId: reg.workerId,
      heartbeatIntervalMs: reg.heartbeatIntervalMs,
      trainer,
      backend,
      logger: logger.child({ worker: reg.workerId }),
      opts,
    };
    s.logger.info('worker registered', { coordinator: opts.coordinator, backend, leaseTtlMs: reg.leaseTtlMs, heartbeatIntervalMs: reg.heartbeatIntervalMs });
    await loop(s);
  } finally {
    link.close();
    await trainer.close?.();
  }
}

async function loop(s: Session): Promise<void> {
  const { opts } = s;
  let idleSince = Date.now();
  for (;;) {
    if (opts.signal?.aborted) {
      s.logger.info('worker stopping (asked to)');
      return;
    }
    let claim;
    try {
      claim = await s.link.call('claimTrial', { workerId: s.workerId, maxParamCount: opts.maxParamCount ?? 0 }, { signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) continue;
      throw err;
    }
    if (claim.trial) {
      let report: TrialReport;
      try {
        report = await runTrial(s, claim.trial);
      } catch (err) {
        // the coordinator refused a report for a reason other than the lease (a bug on one side): log it and go
        // on with the next trial; this one's lease expires and the reaper re-queues it
        if (isServiceError(err) && err.code === status.UNAUTHENTICATED) throw registrationError(err, opts.coordinator);
        s.logger.error('trial ended with an error', { trial: claim.trial.trialId, error: err as Error });
        report = { trialId: claim.trial.trialId, cellKey: claim.trial.trial?.cellKey ?? '', attempt: claim.trial.attempt, result: 'lease-lost', resumedFrom: 0, step: 0 };
      }
      opts.onTrialEnd?.(report);
      if (opts.once) return;
      idleSince = Date.now();
      continue;
    }
    if (opts.once) {
      s.logger.info('no pending trial; exiting (once)');
      return;
    }
    if (opts.idleExitMs && Date.now() - idleSince >= opts.idleExitMs) {
      s.logger.info('no pending trial for a while; exiting', { idleExitMs: opts.idleExitMs });
      return;
    }
    // idle: say we are alive, then wait as told (with jitter so idle workers spread out)
    await s.link.call('heartbeat', { workerId: s.workerId, trialId: 0, leaseToken: '', step: 0 }, { signal: opts.signal }).catch(() => {});
    await pause(Math.max(50, claim.retryAfterMs) * (0.75 + Math.random() * 0.5), opts.signal);
  }
}
