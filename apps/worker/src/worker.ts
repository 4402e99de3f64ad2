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
import { hostname, availableParallelism, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { isServiceError, type TrialAssignment } from '@equiscale/contract';
import type { TrialCell } from '@equiscale/sweeps';
import { pause, type BackoffOptions } from './backoff.js';
import { CoordinatorLink, GaveUpError, isLeaseLost } from './link.js';
import { createLogger, type Logger } from './logger.js';
import { MetricBuffer } from './metric-buffer.js';
import { estimateTrialBytes, type Trainer, type TrainerOutcome } from './trainer.js';

export type BackendPreference = 'tensorflow' | 'wasm' | 'cpu';

export interface RunWorkerOptions {
  /** host:port of the coordinator */
  coordinator: string;
  token?: string;
  tlsCaFile?: string;
  tlsServerName?: string;
  /** stable id (default: a new UUID per process) */
  workerId?: string;
  /** where the rigid-body datasets are cached */
  cacheDir: string;
  /** default: the real trainer (@equiscale/models in a worker thread) */
  trainer?: Trainer;
  backend?: BackendPreference;
  /** largest model (parameters) this worker takes; 0/undefined: no limit */
  maxParamCount?: number;
  /** memory this worker may use for one trial (default: total memory / CPU cores) */
  memoryBudgetBytes?: number;
  /** steps between checkpoints, overriding the spec's checkpointEvery (whose 0 means: only when stopping) */
  checkpointEvery?: number;
  /** handle at most one trial, then exit (also exits when none is pending) */
  once?: boolean;
  /** exit when no trial was pending for this long; 0 or undefined: never */
  idleExitMs?: number;
  /** aborting asks the worker to stop: the current step finishes, is checkpointed and the trial released */
  signal?: AbortSignal;
  logger?: Logger;
  /** metric points per ReportMetrics call (default 500) */
  metricBatchSize?: number;
  /** flush metrics at least this often during training (default 2000 ms) */
  metricFlushMs?: number;
  backoff?: BackoffOptions;
  /** called after each trial with what happened (tests, progress displays) */
  onTrialEnd?(r: TrialReport): void;
}

export type TrialResult = 'completed' | 'diverged' | 'failed' | 'refused' | 'released' | 'lease-lost' | 'cancelled';

export interface TrialReport {
  trialId: number;
  cellKey: string;
  attempt: number;
  result: TrialResult;
  /** step the attempt started from (> 0 when resumed from a checkpoint) */
  resumedFrom: number;
  step: number;
}

export class WorkerConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkerConfigError';
  }
}

interface Session {
  link: CoordinatorLink;
  workerId: string;
  heartbeatIntervalMs: number;
  trainer: Trainer;
  backend: string;
  logger: Logger;
  opts: RunWorkerOptions;
}

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
        report = { trialId: claim.trial.trialId, cellKey: claim.trial.cellKey, attempt: claim.trial.attempt, result: 'lease-lost', resumedFrom: 0, step: 0 };
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

/** Why training of this attempt should stop early; null while it should go on. */
type StopReason = null | 'signal' | 'lease-lost' | 'cancelled';

async function runTrial(s: Session, a: TrialAssignment): Promise<TrialReport> {
  const log = s.logger.child({ trial: a.trialId, cell: a.cellKey, attempt: a.attempt });
  const ref = { trialId: a.trialId, leaseToken: a.leaseToken };
  const resumedFrom = a.checkpoint.length > 0 ? a.checkpointStep : 0;
  const report = (result: TrialResult, step: number): TrialReport => ({
    trialId: a.trialId,
    cellKey: a.cellKey,
    attempt: a.attempt,
    result,
    resumedFrom,
    step,
  });
  let stop: StopReason = null;
  let step = resumedFrom;
  const fence = (reason: 'lease-lost' | 'cancelled', detail: string) => {
    if (stop === 'lease-lost' || stop === 'cancelled') return;
    stop = reason;
    log.warn(reason === 'cancelled' ? 'trial cancelled; stopping and dropping the result' : 'lease lost; stopping and dropping the result', {
      detail,
    });
  };
  const fenced = () => stop === 'lease-lost' || stop === 'cancelled';
  /** A trial-scoped write; a "lease lost" answer fences the attempt instead of throwing. */
  const write = async <T>(f: () => Promise<T>): Promise<T | undefined> => {
    if (fenced()) return undefined;
    try {
      return await f();
    } catch (err) {
      if (isLeaseLost(err)) {
        const details = (err as { details?: string }).details ?? '';
        fence(/\(cancelled\)$/.test(details) ? 'cancelled' : 'lease-lost', details);
        return undefined;
      }
      throw err;
    }
  };

  // 1. what to train, and whether it fits
  let cell: TrialCell;
  try {
    cell = JSON.parse(a.cellJson) as TrialCell;
    if (typeof cell !== 'object' || cell === null || !(cell.steps > 0)) throw new Error('not a trial cell');
  } catch (err) {
    await write(() =>
      s.link.call('failTrial', { ...ref, error: `cell_json of trial ${a.trialId} is not a valid trial cell (${(err as Error).message})`, retryable: false }),
    );
    return report('refused', step);
  }
  const refusal = fitProblem(cell, s.opts);
  if (refusal) {
    log.warn('refusing trial: it does not fit this worker', { reason: refusal });
    await write(() => s.link.call('failTrial', { ...ref, error: refusal, retryable: false }));
    return report('refused', step);
  }
  log.info(resumedFrom > 0 ? 'trial claimed; resuming from checkpoint' : 'trial claimed', { resumedFrom, steps: cell.steps });

  // 2. heartbeats on a timer, independent of training
  const hbAbort = new AbortController();
  const heartbeats = (async () => {
    while (!hbAbort.signal.aborted) {
      await pause(s.heartbeatIntervalMs, hbAbort.signal);
      if (hbAbort.signal.aborted || fenced()) return;
      try {
        const hb = await write(() =>
          s.link.call('heartbeat', { workerId: s.workerId, ...ref, step }, { signal: hbAbort.signal, timeoutMs: s.heartbeatIntervalMs * 2 }),
        );
        if (hb?.cancelled) fence('cancelled', 'heartbeat answered cancelled');
      } catch (err) {
        if (!hbAbort.signal.aborted) log.warn('heartbeat failed', { error: (err as Error).message });
      }
    }
  })();
  const onSignal = () => {
    if (stop === null) {
      stop = 'signal';
      log.info('stop requested: finishing the current step, then checkpoint and release');
    }
  };
  s.opts.signal?.addEventListener('abort', onSignal);
  if (s.opts.signal?.aborted) onSignal();

  // 3. train
  const metrics = new MetricBuffer(
    async (points) => {
      await write(() => s.link.call('reportMetrics', { ...ref, points }));
    },
    s.opts.metricBatchSize ?? 500,
    s.opts.metricFlushMs ?? 2_000,
    (err) => log.warn('metric flush failed', { error: (err as Error).message }),
  );
  let outcome: TrainerOutcome | undefined;
  let trainError: unknown;
  const started = performance.now();
  try {
    const trainCell = s.opts.checkpointEvery === undefined ? cell : { ...cell, checkpointEvery: s.opts.checkpointEvery };
    outcome = await s.trainer.train(trainCell, a.checkpoint.length > 0 ? { data: new Uint8Array(a.checkpoint), step: a.checkpointStep } : null, {
      onMetrics: (points) => metrics.add(points),
      onCheckpoint: async (data, at) => {
        if (fenced()) return;
        await metrics.flush();
        await write(() => s.link.call('saveCheckpoint', { ...ref, step: at, data: Buffer.from(data) }, { timeoutMs: 120_000 }));
        log.debug('checkpoint saved', { step: at, bytes: data.byteLength });
      },
      shouldStop: () => stop !== null,
      onProgress: (at) => {
        step = at;
      },
    });
  } catch (err) {
    trainError = err;
  } finally {
    s.opts.signal?.removeEventListener('abort', onSignal);
  }
  const wallTimeS = (performance.now() - started) / 1000;

  // 4. report, unless the attempt was fenced off
  try {
    if (!fenced()) await metrics.flush().catch((err) => log.warn('metric flush failed', { error: (err as Error).message }));
    if (metrics.dropped > 0) log.warn('non-finite metric points not sent', { count: metrics.dropped });
    if (fenced()) return report(stop === 'cancelled' ? 'cancelled' : 'lease-lost', step);
    if (trainError !== undefined) {
      const msg = clip(trainError instanceof Error ? trainError.message : String(trainError));
      log.error('trainer failed', { error: trainError instanceof Error ? trainError : msg });
      const r = await write(() => s.link.call('failTrial', { ...ref, error: msg || 'trainer failed', retryable: true }));
      return report(r ? 'failed' : 'lease-lost', step);
    }
    const o = outcome!;
    step = o.step;
    if (o.status === 'stopped') {
      const r = await write(() =>
        s.link.call('releaseTrial', { ...ref, reason: 'worker stopping (signal)' }, { giveUpAfterMs: 30_000 }),
      ).catch((err: unknown) => {
        if (!(err instanceof GaveUpError)) throw err;
        log.warn('could not release the trial (coordinator unreachable); its lease will expire instead', { error: err.message });
        return undefined;
      });
      log.info(r ? 'trial released; it resumes from its checkpoint' : 'trial not released (lease already gone)', { step });
      return report(r ? 'released' : 'lease-lost', step);
    }
    const r = await write(() =>
      s.link.call('completeTrial', {
        ...ref,
        outcome: o.status,
        steps: o.step,
        trainLoss: finiteOrUndefined(o.trainLoss),
        valLoss: finiteOrUndefined(o.valLoss),
        testLoss: finiteOrUndefined(o.testLoss),
        backend: o.backend || s.backend,
        wallTimeS,
        error: clip(o.error ?? ''),
        paramCount: o.paramCount,
        executedFlops: Number.isFinite(o.executedFlops) && o.executedFlops > 0 ? o.executedFlops : 0,
      }),
    );
    if (!r) return report('lease-lost', step);
    log.info(o.status === 'diverged' ? 'trial diverged' : 'trial completed', {
      step: o.step,
      testLoss: o.testLoss,
      error: o.error,
      wallTimeS: Math.round(wallTimeS * 10) / 10,
    });
    return report(o.status, step);
  } finally {
    hbAbort.abort();
    await heartbeats;
    metrics.close();
  }
}

/** Error texts the coordinator accepts (it refuses more than 8000 characters). */
function clip(text: string): string {
  return text.length > 4000 ? `${text.slice(0, 3990)} …(cut)` : text;
}

function finiteOrUndefined(x: number | null): number | undefined {
  return x !== null && Number.isFinite(x) ? x : undefined;
}

/**
 * How many worker processes to run on this machine: one per core for the single-threaded backends (cpu, wasm,
 * sleep), one for the native TensorFlow backend (it uses every core, or the GPU, by itself).
 */
export function workerProcessCount(backend: string): number {
  return backend === 'tensorflow' ? 1 : availableParallelism();
}

/** Why this worker cannot take `cell`, or null. */
export function fitProblem(cell: TrialCell, opts: Pick<RunWorkerOptions, 'maxParamCount' | 'memoryBudgetBytes'>): string | null {
  if (opts.maxParamCount && cell.paramCount > opts.maxParamCount) {
    return `the model has ${cell.paramCount} parameters, more than this worker's limit of ${opts.maxParamCount} (--max-params); run it on a worker with a larger limit`;
  }
  const budget = opts.memoryBudgetBytes ?? Math.floor(totalmem() / availableParallelism());
  const need = estimateTrialBytes(cell);
  if (need > budget) {
    const mb = (x: number) => `${Math.ceil(x / 2 ** 20)} MiB`;
    return `the model needs at least ${mb(need)} (${cell.paramCount} parameters × 20 bytes of weights, gradients and optimizer state) but this worker's memory budget is ${mb(budget)}; run it on a worker with more memory (--memory-budget)`;
  }
  return null;
}
