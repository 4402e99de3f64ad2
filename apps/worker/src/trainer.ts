/**
 * The Trainer seam: what the worker loop needs from "something that trains one trial cell". The real one
 * (model-trainer.ts) loads the rigid-body data and runs @equiscale/models' trainTrial in a worker thread; the
 * sleep trainer (sleep-trainer.ts) pretends, for the queue bench and orchestration tests.
 */
import type { MetricPoint, TrialOutcome } from '@equiscale/models';
import type { BenchmarkConfig } from '@equiscale/rigid-body';
import type { WeightSpaceSpecBenchmark } from '@equiscale/sweeps';

/** The sweep's benchmark config as assigned (TrialAssignment.benchmark): rigid-body, or `{ kind: 'weight-space', ... }`. */
export type SweepBenchmark = BenchmarkConfig | WeightSpaceSpecBenchmark;
import type { Trial } from '@equiscale/sweeps';

/** The one metric point type (libs/models), which is also the wire message (libs/contract checks it). */
export type { MetricPoint };

export interface TrainerCallbacks {
  /** batches of metric points, in order */
  onMetrics(points: MetricPoint[]): void | Promise<void>;
  /** a serialized checkpoint after `step` steps (every checkpointEvery steps, and when stopping early) */
  onCheckpoint(data: Uint8Array, step: number): void | Promise<void>;
  /** checked after every step: true ends training after a checkpoint, with status "stopped" */
  shouldStop(): boolean;
  onProgress(step: number, steps: number): void;
}

/** The models library's outcome, with what the coordinator records instead of the model summary. */
export interface TrainerOutcome extends Omit<TrialOutcome, 'summary'> {
  /** parameters of the model actually built (the coordinator checks it against trial.plan.paramCount; 0: unknown) */
  paramCount: number;
  /** FLOPs executed: the trial's planned executed FLOPs prorated to the steps done (0 when unknown) */
  executedFlops: number;
  /** the trivial predictors' losses on the test set, when the trainer loaded it */
  baselines?: { noMotion: number; constantVelocity: number; predictMean?: number };
}

export interface ResumePoint {
  data: Uint8Array;
  step: number;
}

export interface Trainer {
  /** the backend name the worker registers with ("cpu", "wasm", "tensorflow", "sleep") */
  backend(): Promise<string>;
  /**
   * Trains one trial (as planned, equiscale.v1.Trial) on the sweep's benchmark, resuming from `resume` when given;
   * a student (trial.role "student", symmetry cloning) imitates `teacher`, its teacher trial's checkpoint.
   * Throws on a bug or a bad trial (→ FailTrial).
   */
  train(trial: Trial, benchmark: SweepBenchmark | null, resume: ResumePoint | null, callbacks: TrainerCallbacks, teacher?: Uint8Array | null): Promise<TrainerOutcome>;
  /** releases threads or other resources */
  close?(): Promise<void>;
}

/** Bytes per parameter a trial holds: weights, gradients, Adam m and v, and the backend's copy (float32 each). */
export const BYTES_PER_PARAM = 20;

/**
 * Lower bound of the memory a trial needs: parameter state only (activations come on top and grow with batch
 * and sequence length). Used to refuse trials that cannot possibly fit a worker's budget.
 */
export function estimateTrialBytes(trial: { plan: { paramCount: number } }): number {
  return BYTES_PER_PARAM * trial.plan.paramCount;
}
