/**
 * The contract between libs/models and its callers (the worker, the sweep planner, the demo).
 * Everything a worker needs to train one trial, with no gRPC or database inside.
 *
 * Glossary
 * - family: an architecture ("transformer", "gatr"). Data augmentation is a trial option, not a family,
 *   here; the sweep family "transformer+augment" maps to { family: "transformer", augment: true }.
 * - dims: the resolved widths/depth/heads of one model size (see the size ladder).
 * - nominal FLOPs: the authors' convention (gatr-spec.md section 5), forward + backward, per training sample.
 * - executed FLOPs: what this implementation actually multiplies, per training sample.
 */
import type { Examples } from '@equiscale/rigid-body';

export type FamilyName = 'transformer' | 'gatr';

/**
 * How a model's output becomes the predicted positions (both families offer both):
 * - 'rigid' (default): per body a translation of its vertex centroid and a rotation vector about it, applied
 *   to the body's vertices (exact rigid motion, Rodrigues' formula; task/rigid-output.ts);
 * - 'vertex': a free displacement per vertex slot (GATr: one output multivector channel per vertex slot, whose
 *   vectors are fixed mixes of the hidden channels: rank-limited by the channel count c).
 */
export type OutputMode = 'rigid' | 'vertex';
export const OUTPUT_MODES: readonly OutputMode[] = ['rigid', 'vertex'];

export interface TransformerDims {
  family: 'transformer';
  width: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  /** default 'rigid' */
  output?: OutputMode;
  /**
   * Probabilistic symmetrization (sweep family "transformer+lps", Kim et al. 2023; transformer/lps.ts): the
   * transformer f runs `samples` times per example in frames drawn by a small equivariant network, and the
   * prediction is the mean of g . f(g^-1 . x). Absent: the plain transformer.
   */
  lps?: LpsOptions;
}

/** Options of the probabilistic symmetrization (transformer/lps.ts). */
export interface LpsOptions {
  /** k: frames (base-model passes) per example, at training and at evaluation */
  samples: number;
  /** hidden width of the frame network q's per-vertex MLP (the spec's default: LPS_DEFAULT_HIDDEN = 16) */
  hidden: number;
  /** invariant Gaussian noise channels per vertex fed to q (the spec's default: LPS_DEFAULT_NOISE = 4) */
  noise: number;
}

export interface GatrDims {
  family: 'gatr';
  /** multivector channels c */
  mvChannels: number;
  /** auxiliary scalar channels s */
  sChannels: number;
  blocks: number;
  heads: number;
  /** default 'rigid' */
  output?: OutputMode;
  /** attention logits: 'sdp' (default) or 'distance' (distance-aware, the reference's default; gatr/attention.ts) */
  attention?: 'sdp' | 'distance';
  /**
   * 'symmetrize' (default): exactly E(3)-equivariant, two passes (both counted in the FLOPs); 'ignore': exactly
   * SE(3)-equivariant (rotations and translations) in one pass, reflections only approximately.
   */
  reflections?: 'symmetrize' | 'ignore';
  /**
   * Approximate equivariance (sweep family "gatr+approx", Ashman et al. 2024): this many learned constant
   * multivector channels, the same on every token and NOT transformed with the scene, appended to the input
   * channels. They start at zero (the model starts exactly equivariant) and can be switched off at evaluation
   * (Net.setSymmetryBreaking) to recover the exact model. Absent or 0: plain GATr.
   */
  approxInputs?: number;
}

export type ModelDims = TransformerDims | GatrDims;

export interface ModelSummary {
  dims: ModelDims;
  paramCount: number;
  /** Nominal training FLOPs (fwd + bwd) per training sample, authors' convention. */
  nominalFlopsPerSample: number;
  /** FLOPs the implementation executes (fwd + bwd) per training sample. */
  executedFlopsPerSample: number;
}

/** The sizes of the task a model is built for (from the benchmark's Examples; padding sizes). */
export interface TaskShapes {
  /** B: padded bodies per example = tokens per example */
  maxBodies: number;
  /** V: padded vertices per body */
  maxVerts: number;
  /** F: per-body feature count */
  bodyFeatureCount: number;
}

export interface LrSchedule {
  peak: number;
  /** "cosine": linear warmup then cosine decay to peak*minRatio.
   *  "constant-cooldown": warmup, constant, then linear cooldown over the last cooldownFraction.
   *  "wsd": warmup-stable-decay (train/schedule.ts wsdBranchStep): warmup, constant peak up to
   *  round((1 - cooldownFraction) * steps), then decay to zero in `cooldownShape`; a trunk has cooldownFraction 0. */
  kind: 'cosine' | 'constant-cooldown' | 'wsd';
  warmupSteps: number;
  minRatio: number;
  cooldownFraction: number;
  /** wsd only: "linear" (default) or "1-sqrt" (lr = peak * (1 - sqrt(progress))) */
  cooldownShape?: 'linear' | '1-sqrt';
}

/**
 * Data augmentation of a trial: 'e3' = a random element of O(3) ⋉ R³ per sample (floor and gravity moved
 * along), 'task' = the task's own symmetry group (rotations about the gravity axis, reflections in planes
 * containing it, translations along the floor). task/augment.ts.
 */
export type AugmentGroup = 'e3' | 'task';

export interface TrialConfig {
  family: FamilyName;
  augment: boolean;
  /** which group `augment` draws from (default 'e3') */
  augmentGroup?: AugmentGroup;
  dims: ModelDims;
  steps: number;
  batchSize: number;
  lr: LrSchedule;
  /** global-norm gradient clipping; 0 disables */
  gradClip: number;
  /** steps between validation evaluations (0: only at the end) */
  evalEvery: number;
  /** examples of the validation set used for periodic evaluation (final eval uses all) */
  evalExamples: number;
  /** steps between checkpoints (0: none except on stop) */
  checkpointEvery: number;
  /** extra steps at which to checkpoint, e.g. a WSD trunk's branch points (their checkpoints are kept) */
  checkpointAt?: number[];
  /** seeds initialisation, data order and augmentation */
  seed: number;
  /** steps averaged into one train-loss metric point (default: max(1, round(steps / 200))) */
  logEvery?: number;
  /**
   * Symmetry cloning (sweep family "transformer+clone", Huang et al. 2024): the first `steps` training steps
   * regress the student on a teacher's predictions for E(3)-transformed inputs instead of the labels; the rest
   * fine-tune on the labels. The teacher (a trained GATr checkpoint) is passed to trainTrial (TrainExtras.teacher).
   */
  clone?: CloneOptions;
  /**
   * Early stopping on the validation split (needs evalEvery > 0). Every evalEvery steps (and at the step cap) the
   * net is evaluated on the WHOLE validation split (not the first evalExamples: the selection and the reported
   * validation loss are then the same measurement); the parameters of the lowest validation loss so far are kept.
   * Training ends when `patience` consecutive evaluations did not improve the best loss by more than
   * minImprovement (relative: loss < best × (1 − minImprovement)). The final validation and test losses are those of
   * the best-on-validation parameters (never selected on test). TrialOutcome.earlyStopping reports how it ended.
   */
  earlyStopping?: EarlyStoppingOptions;
}

export interface EarlyStoppingOptions {
  /** evaluations without a significant improvement that end training (integer >= 1) */
  patience: number;
  /** relative improvement of the best validation loss that counts (in [0, 1); 0.01 = 1%) */
  minImprovement: number;
}

/** How a trial with early stopping ended (TrialOutcome.earlyStopping). */
export interface EarlyStoppingReport {
  /** steps trained when training ended (= TrialOutcome.step): before the cap when stopped early, else the cap */
  stoppedStep: number;
  /** the step of the best validation evaluation, whose parameters gave valLoss and testLoss */
  bestStep: number;
  /** true when the patience ran out before the step cap; false when training reached the cap */
  stoppedEarly: boolean;
}

export interface CloneOptions {
  /** length of the cloning phase in steps (<= steps) */
  steps: number;
}

/** What a family measured about its symmetry at the end of a trial (TrialOutcome.symmetry). */
export interface SymmetryReport {
  /** gatr+approx: validation / test loss with the symmetry-breaking inputs switched off (the exact model) */
  exactValLoss?: number;
  exactTestLoss?: number;
  /** transformer+clone: relative equivariance error (to the predicted displacement) after the cloning phase, and at the end */
  equivarianceErrorAfterClone?: number;
  equivarianceErrorFinal?: number;
  /** transformer+clone: nominal FLOPs of the teacher's forward passes during cloning (included in the trial's own count) */
  teacherInferenceFlops?: number;
}

export interface TrialData {
  train: Examples;
  val: Examples;
  test: Examples;
}

export type Split = 'train' | 'val' | 'test';

export interface MetricPoint {
  step: number;
  split: Split;
  loss: number;
  samplesSeen: number;
  /** seconds since the start of this attempt's training */
  wallTimeS: number;
}

export interface TrainCallbacks {
  /** Called with batches of metric points (train loss every few steps, val at evalEvery, test at the end). */
  onMetrics?(points: MetricPoint[]): void | Promise<void>;
  /** Called with a serialized checkpoint every checkpointEvery steps and when stopping early. */
  onCheckpoint?(checkpoint: Uint8Array, step: number): void | Promise<void>;
  /** Checked after every step; true ends training after a checkpoint, with status "stopped". */
  shouldStop?(): boolean;
  /** Progress for humans. */
  onProgress?(step: number, steps: number): void;
}

export interface TrialOutcome {
  status: 'completed' | 'diverged' | 'stopped';
  /** steps completed in total (including those before a resume) */
  step: number;
  trainLoss: number | null;
  valLoss: number | null;
  testLoss: number | null;
  backend: string;
  summary: ModelSummary;
  /** set when diverged: what went non-finite and at which step */
  error?: string;
  /** families that handle symmetry in other ways report what they measured (api.ts SymmetryReport) */
  symmetry?: SymmetryReport;
  /** with config.earlyStopping, when the trial completed: where it stopped and which step's parameters were kept */
  earlyStopping?: EarlyStoppingReport;
}
