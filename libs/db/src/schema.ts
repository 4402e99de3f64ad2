/**
 * Typed view of the equiscale schema (migrations/). Raw rows are `Db*` types; every column is documented here.
 *
 * Glossary
 * - sweep: a researcher's study; its spec expands into one trial per cell.
 * - trial: one cell of a sweep (family x model size x steps x training-set size x seed); its plan is the proto
 *   message equiscale.v1.Trial, stored once in trials.trial.
 * - attempt: one try at training a trial; incremented at each claim. A failure counts against max_attempts;
 *   a release (preemption) or an expired lease does not.
 * - lease: the right of one worker to write for one attempt, identified by lease_token (a fencing token: every
 *   trial-scoped write must present it, so a worker that lost its lease cannot write).
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { BaselineLosses as RigidBodyBaselines } from '@equiscale/rigid-body';
import type { Trial, TrialRecord, TrialStopping } from '@equiscale/sweeps';

/** What a symmetry family measured at the end of a trial (libs/models SymmetryReport = equiscale.v1.SymmetryMeasures). */
export type SymmetryReport = NonNullable<TrialRecord['symmetry']>;

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** int8 columns: both connections parse them into JS numbers (see connect.ts); all our values are < 2^53. */
type BigIntCol = number;
type Json<T = unknown> = ColumnType<T, string, string>;
/** A generated column (migrations/0002): read only. */
type Derived<T> = ColumnType<T, never, never>;

export type SweepStatus = 'active' | 'completed' | 'cancelled';
export type TrialStatus = 'pending' | 'running' | 'completed' | 'diverged' | 'failed' | 'cancelled';
export const FINISHED_STATUSES: readonly TrialStatus[] = ['completed', 'diverged', 'failed', 'cancelled'];

export interface SweepsTable {
  id: Generated<BigIntCol>;
  /** unique human name (slug) */
  name: string;
  /** the normalized spec */
  spec: Json;
  /** sha256 of the canonical normalized spec */
  spec_hash: string;
  status: ColumnType<SweepStatus, SweepStatus | undefined, SweepStatus>;
  max_attempts: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** the trivial predictors' test losses on the sweep's test set (BaselineLosses), reported once by a worker */
  baselines: ColumnType<BaselineLosses | null, string | null | undefined, string | null>;
}

/**
 * equiscale.v1.BaselineLosses: libs/rigid-body's trivial predictors; on the weight-space benchmark predictMean (the
 * train-mean predictor's test loss), the rigid-body two then 0.
 */
export type BaselineLosses = RigidBodyBaselines & { predictMean?: number };

export interface TrialsTable {
  id: Generated<BigIntCol>;
  sweep_id: BigIntCol;
  /** the trial as planned: the proto message equiscale.v1.Trial in JSON form (libs/sweeps Trial), stored once */
  trial: Json<Trial>;
  /** generated from trial.cellKey: stable key of the cell within its sweep, e.g. "gatr/s2/steps400/n1024/seed0" */
  cell_key: Derived<string>;
  /** generated from trial.family: sweep family name, e.g. "transformer+augment" */
  family: Derived<string>;
  /** generated from trial.plan.paramCount (the claim filter) */
  param_count: Derived<BigIntCol>;
  /** generated from trial.plan.nominalFlops: total nominal training FLOPs, authors' convention (the claim order) */
  nominal_flops: Derived<number>;
  status: ColumnType<TrialStatus, TrialStatus | undefined, TrialStatus>;
  /** number of claims so far (the current attempt's number while running) */
  attempt: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  lease_token: string | null;
  /** worker id holding the lease */
  lease_owner: string | null;
  lease_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_heartbeat_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** last step reported by the worker */
  progress_step: ColumnType<number, number | undefined, number>;
  /** attempts that ended by release or lease expiry (not failures) */
  preemptions: ColumnType<number, number | undefined, number>;
  train_loss: number | null;
  val_loss: number | null;
  test_loss: number | null;
  /** "db:checkpoints/<id>" of the latest checkpoint, null if none */
  checkpoint_ref: string | null;
  checkpoint_step: number | null;
  /** last error (failed attempts, divergence) */
  error: string | null;
  backend: string | null;
  wall_time_s: number | null;
  executed_flops: number | null;
  started_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** generated from trial.role: 'run' (independent), 'trunk' or 'branch' of a WSD sweep (migrations/0003), 'student' of symmetry cloning (0005) */
  role: Derived<TrialRole>;
  /** a branch's trunk trial or a student's teacher (set by createSweep from the trial's parent cell key); null otherwise */
  parent_id: ColumnType<BigIntCol | null, BigIntCol | null | undefined, BigIntCol | null>;
  /** generated from trial.branchStep: the trunk step a branch resumes from; a student: its teacher's last step */
  branch_step: Derived<number | null>;
  /** generated from trial.plan.spentNominalFlops: nominal FLOPs the sweep spends on the trial (a branch: its cooldown only) */
  spent_flops: Derived<number | null>;
  /** what a symmetry family measured at the end (equiscale.v1.SymmetryMeasures, migrations/0005); null otherwise */
  symmetry: ColumnType<SymmetryReport | null, string | null | undefined, string | null>;
  /**
   * a completed trial with early stopping: { stoppedStep, bestStep, stoppedEarly } as its worker reported it
   * (equiscale.v1.TrialStopping, migrations/0004); null otherwise
   */
  stopping: ColumnType<TrialStopping | null, string | null | undefined, string | null>;
}

export type TrialRole = 'run' | 'trunk' | 'branch' | 'student';

export interface TrialMetricsTable {
  trial_id: BigIntCol;
  /** attempt that produced the point */
  attempt: number;
  step: number;
  split: 'train' | 'val' | 'test';
  loss: number;
  samples_seen: BigIntCol;
  /** seconds since the start of the attempt's training */
  wall_time_s: number;
  recorded_at: Timestamp;
}

export interface CheckpointsTable {
  id: Generated<BigIntCol>;
  trial_id: BigIntCol;
  attempt: number;
  step: number;
  /** opaque checkpoint bytes (libs/models format) */
  data: Uint8Array;
  sha256: string;
  created_at: Timestamp;
}

export interface WorkersTable {
  id: string;
  host: string;
  backend: string;
  capabilities: Json<Record<string, string>>;
  pid: number | null;
  max_param_count: BigIntCol | null;
  registered_at: Timestamp;
  last_seen_at: Timestamp;
}

export interface Database {
  sweeps: SweepsTable;
  trials: TrialsTable;
  trial_metrics: TrialMetricsTable;
  checkpoints: CheckpointsTable;
  workers: WorkersTable;
}

export type DbSweep = Selectable<SweepsTable>;
export type DbTrial = Selectable<TrialsTable>;
export type NewTrial = Insertable<TrialsTable>;
export type TrialUpdate = Updateable<TrialsTable>;
export type DbTrialMetric = Selectable<TrialMetricsTable>;
export type DbWorker = Selectable<WorkersTable>;
