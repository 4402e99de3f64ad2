import type { TrialOutcome } from '@equiscale/models';
/**
 * The Trainer seam: what the worker loop needs from "something that trains one trial cell". The real one
 * (model-trainer.ts) loads the rigid-body data and runs @equiscale/models' trainTrial in a worker thread; the
 * sleep trainer (sleep-trainer.ts) pretends, for the queue bench and orchestration tests.
 */
import type { TrialCell } from '@equiscale/sweeps';

export interface MetricPoint {
  step: number;
  split: 'train' | 'val' | 'test';
  loss: number;
  samplesSeen: number;
  /** seconds since the start of this attempt's training */
  wallTimeS: number;
}

export interface TrainerCallbacks {
  /** batches of metric points, in order */
  onMetrics(points: MetricPoint[]): void | Promise<void>;
  /** a serialized checkpoint after `step` steps (every checkpointEvery steps, and when stopping early) */
  onCheckpoint(data: Uint8Array, step: number): void | Promise<void>;
  /** checked after every step: true ends training after a checkpoint, with status "stopped" */
  shouldStop(): boolean;
  onProgress(step: number, steps: number): void;
}

/** The models library's outcome, with the model summary reduced to what the coordinator records. */
export interface TrainerOutcome extends Omit<TrialOutcome, 'summary'> {
  paramCount: number;
  /** FLOPs this implementation executed for the whole trial (0 when unknown) */
  executedFlops: number;
}

export interface ResumePoint {
  data: Uint8Array;
  step: number;
}

export interface Trainer {
  /** the backend name the worker registers with ("cpu", "wasm", "tensorflow", "sleep") */
  backend(): Promise<string>;
  /** Trains one cell, resuming from `resume` when given. Throws on a bug or bad cell (→ FailTrial). */
  train(cell: TrialCell, resume: ResumePoint | null, callbacks: TrainerCallbacks): Promise<TrainerOutcome>;
  /** releases threads or other resources */
  close?(): Promise<void>;
}

/** Bytes per parameter a trial holds: weights, gradients, Adam m and v, and the backend's copy (float32 each). */
export const BYTES_PER_PARAM = 20;

/**
 * Lower bound of the memory a trial needs: parameter state only (activations come on top and grow with batch
 * and sequence length). Used to refuse trials that cannot possibly fit a worker's budget.
 */
export function estimateTrialBytes(cell: Pick<TrialCell, 'paramCount'>): number {
  return BYTES_PER_PARAM * cell.paramCount;
}
