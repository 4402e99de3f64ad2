/**
 * One claimed trial, start to end: fit check, heartbeats on a timer, training with metrics batched to
 * ReportMetrics and checkpoints to SaveCheckpoint, then exactly one of CompleteTrial / FailTrial / ReleaseTrial,
 * unless the attempt was fenced off (cancelled, or the lease was lost), in which case nothing more is written.
 */
import { leaseLostOf, LeaseLostReason, MAX_TEXT_CHARS, type TrialAssignment } from '@equiscale/contract';
import type { Trial } from '@equiscale/sweeps';
import { pause } from './backoff.js';
import { fitProblem } from './fit.js';
import { GaveUpError } from './link.js';
import { MetricBuffer } from './metric-buffer.js';
import { checkedTrial, trialProblem } from './trial-config.js';
import type { Session } from './session.js';
import type { SweepBenchmark, TrainerOutcome } from './trainer.js';
import type { TrialReport, TrialResult } from './options.js';

/** Why training of this attempt should stop early; null while it should go on. */
type StopReason = null | 'signal' | 'lease-lost' | 'cancelled';

export async function runTrial(s: Session, a: TrialAssignment): Promise<TrialReport> {
  const cellKey = a.trial?.cellKey ?? '';
  const log = s.logger.child({ trial: a.trialId, cell: cellKey, attempt: a.attempt });
  const ref = { trialId: a.trialId, leaseToken: a.leaseToken };
  const resumedFrom = a.checkpoint.length > 0 ? a.checkpointStep : 0;
  const report = (result: TrialResult, step: number): TrialReport => ({
    trialId: a.trialId,
    cellKey,
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
      const lost = leaseLostOf(err);
      if (lost) {
        fence(lost.reason === LeaseLostReason.LEASE_LOST_REASON_CANCELLED ? 'cancelled' : 'lease-lost', (err as { details?: string }).details ?? '');
        return undefined;
      }
      throw err;
    }
  };

  // 1. what to train, and whether it fits
  const problem = trialProblem(a.trial);
  if (problem) {
    await write(() => s.link.call('failTrial', { ...ref, error: `trial ${a.trialId} cannot be trained: ${problem}`, retryable: false }));
    return report('refused', step);
  }
  const trial: Trial = checkedTrial(a.trial!);
  const benchmark = (a.benchmark ?? null) as SweepBenchmark | null;
  const refusal = fitProblem(trial, s.opts);
  if (refusal) {
    log.warn('refusing trial: it does not fit this worker', { reason: refusal });
    await write(() => s.link.call('failTrial', { ...ref, error: refusal, retryable: false }));
    return report('refused', step);
  }
  log.info(resumedFrom > 0 ? 'trial claimed; resuming from checkpoint' : 'trial claimed', { resumedFrom, steps: trial.steps });

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
    const toTrain =
      s.opts.checkpointEvery === undefined ? trial : { ...trial, training: { ...trial.training, checkpointEvery: s.opts.checkpointEvery } };
    const resume = a.checkpoint.length > 0 ? { data: new Uint8Array(a.checkpoint), step: a.checkpointStep } : null;
    const teacher = a.teacherCheckpoint.length > 0 ? new Uint8Array(a.teacherCheckpoint) : null;
    outcome = await s.trainer.train(toTrain, benchmark, resume, {
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
    }, teacher);
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
        baselines: o.baselines && Number.isFinite(o.baselines.noMotion) && Number.isFinite(o.baselines.constantVelocity) && (o.baselines.predictMean ?? 0) >= 0 ? o.baselines : undefined,
        symmetry: finiteMeasures(o.symmetry),
        // a trial with early stopping: where it stopped, the kept (best-on-validation) step, and whether it stopped early
        stopping: o.status === 'completed' && o.earlyStopping ? { ...o.earlyStopping } : undefined,
      }),
    );
    if (!r) return report('lease-lost', step);
    log.info(o.status === 'diverged' ? 'trial diverged' : 'trial completed', {
      step: o.step,
      testLoss: o.testLoss,
      error: o.error,
      wallTimeS: Math.round(wallTimeS * 10) / 10,
      // issue 16: what a family measured about its symmetry (also stored with the trial)
      ...(o.symmetry ? { symmetry: o.symmetry } : {}),
      ...(o.earlyStopping ? { earlyStopping: o.earlyStopping } : {}),
    });
    return report(o.status, step);
  } finally {
    hbAbort.abort();
    await heartbeats;
    metrics.close();
  }
}

/** Error text the coordinator accepts: no NUL characters (Postgres text cannot hold them), at most MAX_TEXT_CHARS. */
function clip(raw: string): string {
  const text = raw.replace(/\u0000/g, '\\0');
  return text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS - 10)} …(cut)` : text;
}

/** The symmetry measures with finite values only (the coordinator refuses others); undefined when none. */
function finiteMeasures(m: TrainerOutcome['symmetry']): TrainerOutcome['symmetry'] {
  if (!m) return undefined;
  const kept = Object.fromEntries(Object.entries(m).filter(([, x]) => typeof x === 'number' && Number.isFinite(x)));
  return Object.keys(kept).length ? kept : undefined;
}

function finiteOrUndefined(x: number | null): number | undefined {
  return x !== null && Number.isFinite(x) ? x : undefined;
}

