/**
 * The trial: one cell of a sweep's design, as the planner builds it. This is the TypeScript form of the proto
 * message equiscale.v1.Trial (proto/equiscale/v1/trial.proto) with its sub-messages present: the coordinator
 * stores it once (trials.trial) and sends it to the worker as is; the analysis reads it back. libs/contract checks
 * at compile time that the two shapes stay the same (this lib may not import the contract).
 * Sweep-level settings (the benchmark config) stay with the sweep; the trial names them by hash.
 */
import type { AugmentGroup, FamilyName, GatrDims, ModelDims, SymmetryReport, TransformerDims } from '@equiscale/models/accounting';
import type { WeightSpaceDims } from '@equiscale/weight-space/accounting';

/** The architectures of every benchmark: rigid-body 'transformer' | 'gatr', weight-space 'mlp' | 'dwsnet'. */
export type ArchitectureName = FamilyName | WeightSpaceDims['arch'];

/** Each architecture's sub-message of equiscale.v1.ModelDims. */
export interface ArchitectureDims {
  transformer: Omit<TransformerDims, 'family'>;
  gatr: Omit<GatrDims, 'family'>;
  /** equiscale.v1.WeightSpaceMlpDims */
  mlp: { width: number; depth: number };
  /** equiscale.v1.DwsnetDims */
  dwsnet: { channels: number; layers: number; headWidth: number };
}

/** equiscale.v1.ModelDims: exactly one architecture's dims (the discriminating family is Trial.modelFamily). */
export type TrialDims = {
  [K in keyof ArchitectureDims]: { [P in K]: ArchitectureDims[P] } & { [Q in Exclude<keyof ArchitectureDims, K>]?: undefined };
}[keyof ArchitectureDims];

/** equiscale.v1.BenchmarkRef */
export interface BenchmarkRef {
  /** the benchmark kind: "rigid-body" or "weight-space" */
  name: string;
  /** sha256 of the sweep's validated benchmark config (stored in the sweep row): rigid-body benchmarkConfigHash, weight-space weightSpaceConfigHash */
  configHash: string;
}

/** equiscale.v1.LrSchedule (the models lib's LrSchedule, warmup resolved to a step count) */
export interface TrialLrSchedule {
  peak: number;
  kind: 'cosine' | 'constant-cooldown' | 'wsd';
  warmupSteps: number;
  minRatio: number;
  cooldownFraction: number;
  /** wsd only: "linear" (default) or "1-sqrt" */
  cooldownShape?: 'linear' | '1-sqrt';
}

/** equiscale.v1.TrainingSettings */
export interface TrainingSettings {
  batchSize: number;
  lr: TrialLrSchedule;
  /** global-norm gradient clipping; 0 disables */
  gradClip: number;
  /** steps between validation evaluations (0: only at the end) */
  evalEvery: number;
  /** validation examples used for periodic evaluation */
  evalExamples: number;
  /** steps between checkpoints (0: only when stopping) */
  checkpointEvery: number;
  /** extra steps to checkpoint at and keep (a WSD trunk's branch points, a teacher's last step); [] otherwise */
  checkpointAt: number[];
  /** a student (transformer+clone): steps imitating the teacher before fine-tuning on the labels */
  cloneSteps?: number;
  /** early stopping on the validation split (equiscale.v1.EarlyStopping; the spec's eval.earlyStopping); absent: the full step count */
  earlyStopping?: TrialEarlyStopping;
}

/** equiscale.v1.EarlyStopping (the models lib's EarlyStoppingOptions) */
export interface TrialEarlyStopping {
  /** evaluations without an improvement of more than minImprovement that end training */
  patience: number;
  /** relative improvement of the best validation loss that counts (0.01 = 1%) */
  minImprovement: number;
}

/** equiscale.v1.TrialStopping: how a trial with early stopping ended, as its worker reported it (the models lib's EarlyStoppingReport). */
export interface TrialStopping {
  /** steps trained when training ended (before the step cap when stopped early) */
  stoppedStep: number;
  /** the step of the best validation evaluation, whose parameters the stored validation and test losses are of */
  bestStep: number;
  /** true when the patience ran out before the step cap; false when training reached the cap */
  stoppedEarly: boolean;
}

/** equiscale.v1.TrialPlan: the planner's accounting (libs/models/accounting), so nobody recomputes it. */
export interface TrialPlan {
  paramCount: number;
  /** nominal training FLOPs (fwd + bwd) per sample, the authors' convention */
  nominalFlopsPerSample: number;
  /** nominalFlopsPerSample × batchSize × steps */
  nominalFlops: number;
  /** FLOPs this implementation executes for the whole trial */
  executedFlops: number;
  /** the iso-FLOP budget the cell was derived from; absent in a grid design */
  flopBudget?: number;
  /** nominal FLOPs the sweep itself spends on the trial (a WSD branch: its cooldown only; otherwise nominalFlops) */
  spentNominalFlops?: number;
  /** a student (transformer+clone): its share of its teacher's training compute, not in nominalFlops/executedFlops */
  teacherNominalFlops?: number;
  teacherExecutedFlops?: number;
}

/**
 * What a trial is in its sweep: an independent run, a WSD trunk (not a fit point) or branch (libs/sweeps wsd.ts),
 * or a student of symmetry cloning (transformer+clone, libs/sweeps clone.ts), which waits for its teacher trial.
 */
export type TrialRole = 'run' | 'trunk' | 'branch' | 'student';

/** equiscale.v1.Trial */
export interface Trial {
  /** stable unique key from the axes, e.g. `gatr/s2/steps400/n1024/seed0` (iso-FLOP: `gatr/s2/C1e15/n1024/seed0`) */
  cellKey: string;
  /** sweep family (registry), e.g. `transformer+augment` */
  family: string;
  /** architecture (rigid-body: transformer, gatr; weight-space: mlp, dwsnet) */
  modelFamily: ArchitectureName;
  augment: boolean;
  /** which group `augment` draws from: absent = 'e3' (O(3) ⋉ R³), 'task' = the task's own symmetry group */
  augmentGroup?: AugmentGroup;
  sizeLabel: string;
  dims: TrialDims;
  benchmark: BenchmarkRef;
  training: TrainingSettings;
  seed: number;
  steps: number;
  /** training-set size in examples (prefix of the benchmark's training stream) */
  trainSize: number;
  plan: TrialPlan;
  /** absent: 'run' */
  role?: TrialRole;
  /** a WSD branch's trunk, or a student's teacher (its cell key) */
  parent?: string;
  /** the trunk step a WSD branch starts from; a student: its teacher's last step (the checkpoint it imitates) */
  branchStep?: number;
}

/** The planner's name for a trial (one cell of the design); the same type. */
export type TrialCell = Trial;

/** equiscale.v1.ModelDims of the models lib's dims. */
export function trialDims(d: ModelDims): TrialDims {
  const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));
  if (d.family === 'transformer') {
    const lps = d.lps && { samples: d.lps.samples, hidden: d.lps.hidden, noise: d.lps.noise };
    return { transformer: { width: d.width, depth: d.depth, heads: d.heads, mlpRatio: d.mlpRatio, ...opt('output', d.output), ...opt('lps', lps) } };
  }
  return {
    gatr: {
      mvChannels: d.mvChannels, sChannels: d.sChannels, blocks: d.blocks, heads: d.heads,
      ...opt('output', d.output), ...opt('attention', d.attention), ...opt('reflections', d.reflections),
      ...opt('approxInputs', d.approxInputs),
    },
  };
}

/** The models lib's dims of a trial (its architecture's sub-message, tagged with the architecture). */
export function modelDims(t: Pick<Trial, 'dims'>): ModelDims {
  if (t.dims.transformer) return { family: 'transformer', ...t.dims.transformer };
  if (t.dims.gatr) return { family: 'gatr', ...t.dims.gatr };
  throw new Error('trial dims: neither transformer nor gatr is set');
}

/** equiscale.v1.ModelDims of a weight-space family's dims (libs/weight-space accounting). */
export function weightSpaceTrialDims(d: WeightSpaceDims): TrialDims {
  return d.arch === 'mlp' ? { mlp: { width: d.width, depth: d.depth } } : { dwsnet: { channels: d.channels, layers: d.layers, headWidth: d.headWidth } };
}

/** The weight-space dims of a trial (its mlp or dwsnet sub-message, tagged with the architecture). */
export function weightSpaceDimsOf(t: Pick<Trial, 'dims'>): WeightSpaceDims {
  if (t.dims.mlp) return { arch: 'mlp', ...t.dims.mlp };
  if (t.dims.dwsnet) return { arch: 'dwsnet', ...t.dims.dwsnet };
  throw new Error('trial dims: neither mlp nor dwsnet is set');
}

export type TrialStatus = 'pending' | 'running' | 'completed' | 'diverged' | 'failed' | 'cancelled';

/** A trial as stored: its plan (Trial) and where it stands — status, attempts and results. */
export interface TrialRecord {
  /** database id */
  id: number;
  trial: Trial;
  /** a WSD branch's trunk trial (database id; the trial names it by cell key in trial.parent); null otherwise */
  parentId: number | null;
  status: TrialStatus;
  attempt: number;
  /** last step reported by the worker */
  progressStep: number;
  leaseOwner: string | null;
  trainLoss: number | null;
  valLoss: number | null;
  /** test loss at the end of training (model selection uses validation, never this) */
  testLoss: number | null;
  /** seconds of training of the attempt that finished it */
  wallTimeS: number | null;
  /** FLOPs the worker executed (null when unknown) */
  executedFlops: number | null;
  backend: string | null;
  error: string | null;
  /** what a symmetry family measured at the end (gatr+approx: the exact model's losses; transformer+clone: equivariance error); null otherwise */
  symmetry: SymmetryReport | null;
  /**
   * a trial with early stopping, once completed: where it stopped and which step's parameters its losses are of
   * (migrations/0004); null or absent otherwise (no early stopping, not finished, or finished before 0004)
   */
  stopping?: TrialStopping | null;
}
