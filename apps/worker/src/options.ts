/** What runWorker is given and what it reports per trial (shared by worker.ts, session.ts and run-trial.ts). */
import type { BackoffOptions } from './backoff.js';
import type { Logger } from './logger.js';
import type { Trainer } from './trainer.js';

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
