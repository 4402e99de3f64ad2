/**
 * WorkerService: the calls a worker makes while it claims and trains trials. Every trial-scoped write is
 * fenced by (trial_id, lease_token) inside libs/db/src/queue; this file only validates and translates.
 */
import { randomUUID } from 'node:crypto';
import { Trial, type TrialAssignment, type WorkerServiceServer } from '@equiscale/contract';
import {
  claimTrial,
  completeTrial,
  failTrial,
  heartbeatTrial,
  releaseTrial,
  reportMetrics,
  saveCheckpoint,
  touchWorker,
  upsertWorker,
  type ClaimedTrial,
  type Database,
} from '@equiscale/db';
import type { Kysely } from 'kysely';
import type { ServiceImpl } from './middleware.js';
import * as v from './validate.js';

export interface WorkerServiceDeps {
  db: Kysely<Database>;
  leaseTtlMs: number;
  heartbeatIntervalMs: number;
  /** how long an idle worker waits before asking again */
  idleRetryMs: number;
  /** told about what the metrics count (metrics.ts); absent: nothing counted */
  observer?: WorkerServiceObserver;
}

/** What the worker service reports for the Prometheus metrics. */
export interface WorkerServiceObserver {
  /** a worker called (register, claim, heartbeat) */
  workerSeen(workerId: string): void;
  /** a claim ended: with a trial, or idle (nothing to do) */
  claimed(outcome: 'trial' | 'idle'): void;
  /** metric points accepted */
  pointsIngested(n: number): void;
}

const COMPLETE_OUTCOMES = ['completed', 'diverged'] as const;

function workerId(id: string, field = 'worker_id'): string {
  return v.text(id, field, 200, 'a worker id (non-empty string)');
}

function assignment(c: ClaimedTrial): TrialAssignment {
  const t = c.trial;
  return {
    trialId: Number(t.id),
    leaseToken: t.lease_token!,
    attempt: t.attempt,
    sweepId: Number(t.sweep_id),
    sweepName: c.sweepName,
    // the trial as the planner built it and the database stored it (fromPartial only fills proto3 defaults)
    trial: Trial.fromPartial(typeof t.trial === 'string' ? JSON.parse(t.trial) : t.trial),
    benchmark: c.benchmark ?? undefined,
    leaseExpiresAtMs: t.lease_expires_at ? new Date(t.lease_expires_at).getTime() : 0,
    checkpoint: c.checkpoint ? Buffer.from(c.checkpoint.data) : Buffer.alloc(0),
    checkpointStep: c.checkpoint?.step ?? 0,
    teacherCheckpoint: c.teacher ? Buffer.from(c.teacher.data) : Buffer.alloc(0),
  };
}

export function workerServiceImpl(deps: WorkerServiceDeps): ServiceImpl<WorkerServiceServer> {
  const { db } = deps;
  const seen = (id: string) => deps.observer?.workerSeen(id);
  return {
    async register(req) {
      const id = req.workerId === '' ? randomUUID() : workerId(req.workerId);
      const host = v.text(req.host, 'host', 255, 'the worker host name');
      const backend = v.text(req.backend, 'backend', 64, 'the training backend (tensorflow, wasm, cpu)');
      const pid = v.nonNegInt(req.pid, 'pid');
      const maxParamCount = v.nonNegInt(req.maxParamCount, 'max_param_count');
      const capabilities: Record<string, string> = {};
      for (const [k, val] of Object.entries(req.capabilities ?? {})) {
        capabilities[v.text(k, 'capabilities key', 100)] = v.optionalText(val, `capabilities["${k}"]`, 1000);
      }
      await upsertWorker(db, { id, host, backend, capabilities, pid, maxParamCount: maxParamCount || null });
      seen(id);
      return { workerId: id, heartbeatIntervalMs: deps.heartbeatIntervalMs, leaseTtlMs: deps.leaseTtlMs };
    },

    async claimTrial(req) {
      const id = workerId(req.workerId);
      const maxParamCount = v.nonNegInt(req.maxParamCount, 'max_param_count');
      const claimed = await claimTrial(db, { workerId: id, leaseTtlMs: deps.leaseTtlMs, maxParamCount });
      seen(id);
      deps.observer?.claimed(claimed ? 'trial' : 'idle');
      if (!claimed) return { trial: undefined, retryAfterMs: deps.idleRetryMs };
      return { trial: assignment(claimed), retryAfterMs: 0 };
    },

    async heartbeat(req) {
      const id = workerId(req.workerId);
      if (req.trialId === 0) {
        await touchWorker(db, id);
        seen(id);
        return { leaseExpiresAtMs: 0, cancelled: false };
      }
      const r = await heartbeatTrial(db, {
        trialId: v.id(req.trialId, 'trial_id'),
        leaseToken: v.leaseToken(req.leaseToken),
        workerId: id,
        step: v.nonNegInt(req.step, 'step'),
        leaseTtlMs: deps.leaseTtlMs,
      });
      seen(id);
      return { leaseExpiresAtMs: r.leaseExpiresAt.getTime(), cancelled: r.cancelled };
    },

    async reportMetrics(req) {
      const ref = { trialId: v.id(req.trialId, 'trial_id'), leaseToken: v.leaseToken(req.leaseToken) };
      const points = v.metricPoints(req.points);
      const accepted = await reportMetrics(db, ref, points);
      deps.observer?.pointsIngested(accepted);
      return { accepted };
    },

    async saveCheckpoint(req) {
      const ref = { trialId: v.id(req.trialId, 'trial_id'), leaseToken: v.leaseToken(req.leaseToken) };
      const step = v.nonNegInt(req.step, 'step');
      const data = v.checkpointData(req.data);
      return { checkpointRef: await saveCheckpoint(db, { ...ref, step, data: new Uint8Array(data) }) };
    },

    async completeTrial(req) {
      const ref = { trialId: v.id(req.trialId, 'trial_id'), leaseToken: v.leaseToken(req.leaseToken) };
      const outcome = v.oneOf(req.outcome, 'outcome', COMPLETE_OUTCOMES);
      const input = {
        outcome,
        steps: v.nonNegInt(req.steps, 'steps'),
        trainLoss: v.finiteOrNull(req.trainLoss, 'train_loss'),
        valLoss: v.finiteOrNull(req.valLoss, 'val_loss'),
        testLoss: v.finiteOrNull(req.testLoss, 'test_loss'),
        backend: v.text(req.backend, 'backend', 64, 'the training backend (tensorflow, wasm, cpu)'),
        wallTimeS: v.finite(req.wallTimeS, 'wall_time_s', { min: 0 }),
        error: v.optionalText(req.error, 'error') || undefined,
        executedFlops: v.finite(req.executedFlops, 'executed_flops', { min: 0 }) || undefined,
        // checked against the trial's planned count in the same fenced update (mismatch: INVALID_ARGUMENT)
        paramCount: v.nonNegInt(req.paramCount, 'param_count'),
        baselines: req.baselines
          ? {
              noMotion: v.finite(req.baselines.noMotion, 'baselines.no_motion', { min: 0 }),
              constantVelocity: v.finite(req.baselines.constantVelocity, 'baselines.constant_velocity', { min: 0 }),
              ...(req.baselines.predictMean !== undefined ? { predictMean: v.finite(req.baselines.predictMean, 'baselines.predict_mean', { min: 0 }) } : {}),
            }
          : null,
        symmetry: req.symmetry ? v.symmetry(req.symmetry) : null,
        stopping: req.stopping ? v.stopping(req.stopping, req.steps) : null,
      };
      await completeTrial(db, ref, input);
      return {};
    },

    async failTrial(req) {
      const ref = { trialId: v.id(req.trialId, 'trial_id'), leaseToken: v.leaseToken(req.leaseToken) };
      const error = v.text(req.error, 'error', v.MAX_TEXT, 'an error message');
      return { status: await failTrial(db, { ...ref, error, retryable: req.retryable }) };
    },

    async releaseTrial(req) {
      const ref = { trialId: v.id(req.trialId, 'trial_id'), leaseToken: v.leaseToken(req.leaseToken) };
      const reason = v.optionalText(req.reason, 'reason', 1000);
      await releaseTrial(db, { ...ref, reason });
      return {};
    },
  };
}
