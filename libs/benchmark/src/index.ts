/**
 * The benchmark plug-in interface: what a benchmark provides, and all that the rest of the system (spec, planner,
 * worker, analysis, report) may assume about one. Types only, plus the list of known kinds and its one-line check.
 * No TensorFlow.js, no gRPC, no database: a benchmark's tensor code lives behind `loadTrainer()` (a dynamic import),
 * so the planner and the analysis can use a benchmark without loading tfjs.
 *
 * Ex is the benchmark's batch of examples (its own layout, e.g. rigid-body `Examples`), Cfg its config, Dims a
 * model size of one of its families, G one element of its symmetry group.
 */

/** Benchmarks the system knows. A spec names one as `benchmark: { kind, ...config }` (default 'rigid-body'). */
export const BENCHMARK_KINDS = ['rigid-body', 'weight-space'] as const;
export type BenchmarkKind = (typeof BENCHMARK_KINDS)[number];

export type Split = 'train' | 'val' | 'test';
export type CacheStatus = 'hit' | 'extended' | 'generated';

/** Train / val / test of one config. Train is a prefix-stable stream: the first n of a larger set equal the set of size n. */
export interface BenchmarkDataset<Ex> {
  train: Ex;
  val: Ex;
  test: Ex;
  /** sha256 of the validated config (defaults filled in): the cache key and the identity of the data. */
  configHash: string;
  cache: Record<Split, CacheStatus>;
  /** Why a cache file on disk could not be used, per split (regenerated instead). */
  cacheProblems: Partial<Record<Split, string>>;
}

export interface LoadDatasetOptions {
  trainSize: number;
  cacheDir: string;
  onProgress?: (done: number, total: number) => void;
}

/** One named array of an example batch: its per-example shape (row-major Float32) and meaning. */
export interface ArrayLayout {
  name: string;
  shape: number[];
  meaning: string;
}

/** What a model reads and what it predicts, per example, and how the loss compares them. */
export interface IoLayout {
  inputs: ArrayLayout[];
  targets: ArrayLayout[];
  /** e.g. "MSE over every coordinate of every real vertex (m^2)"; every loss in the database is this one. */
  loss: string;
}

/** How a family treats the benchmark's symmetry. */
export type SymmetryHandling = 'none' | 'augmentation' | 'exact';

export interface FamilyInfo {
  /** Sweep family name, e.g. 'transformer+augment', 'dwsnet'. Unique within a benchmark. */
  name: string;
  symmetry: SymmetryHandling;
  /** One line for reports and `--help`. */
  description: string;
}

/** Params and FLOPs of one model size (pure arithmetic; the convention is the benchmark's `flopConvention`). */
export interface ModelAccounting<Dims> {
  dims: Dims;
  paramCount: number;
  /** Training FLOPs (fwd + bwd) per training sample, the convention the scaling fits use. */
  nominalFlopsPerSample: number;
  /** FLOPs the implementation executes (fwd + bwd) per training sample. */
  executedFlopsPerSample: number;
}

/** Size ladders and accounting of a benchmark's families; must not load tfjs. */
export interface Accounting<Dims, Shapes> {
  /** How nominal and executed FLOPs are counted, in one or two sentences (goes into the report). */
  flopConvention: string;
  ladderLength(family: string): number;
  sizeLadder(family: string, index: number): Dims;
  /** The rung whose parameter count is nearest to `targetParams` in log scale. */
  dimsForParams(family: string, targetParams: number, shapes: Shapes): Dims;
  summarize(family: string, dims: Dims, shapes: Shapes): ModelAccounting<Dims>;
}

/** Loss of a trivial predictor on one split, e.g. { name: 'predict the train mean', split: 'val', loss }. */
export interface BaselineLoss {
  name: string;
  split: Split;
  loss: number;
}

/**
 * The symmetry group acting on examples: used by augmentation families and by equivariance tests.
 * `targets` says how predictions must transform: 'invariant' (unchanged) or 'equivariant' (moved by the same g).
 */
export interface GroupAction<Ex, G> {
  /** e.g. 'E(3)', 'S_16 x S_16 (hidden-neuron permutations)'. */
  name: string;
  targets: 'invariant' | 'equivariant';
  /** A random element acting on batches like `ex`, a pure function of (seed, index); augmentation uses (trial seed, step). */
  random(ex: Ex, seed: number, index: number): G;
  /** Applies g (one for all examples, or one per example) and returns a new batch; inputs move, targets follow `targets`. */
  apply(ex: Ex, g: G | readonly G[]): Ex;
}

/** The generic trial a benchmark's trainer runs (the worker fills it from the planned cell). */
export interface BenchmarkTrial<Dims> {
  family: string;
  dims: Dims;
  steps: number;
  batchSize: number;
  lr: { peak: number; kind: 'cosine' | 'constant-cooldown'; warmupSteps: number; minRatio: number; cooldownFraction: number };
  gradClip: number;
  evalEvery: number;
  evalExamples: number;
  checkpointEvery: number;
  seed: number;
  logEvery?: number;
}

export interface MetricPoint {
  step: number;
  split: Split;
  loss: number;
  samplesSeen: number;
  wallTimeS: number;
}

export interface TrainCallbacks {
  onMetrics?(points: MetricPoint[]): void | Promise<void>;
  onCheckpoint?(checkpoint: Uint8Array, step: number): void | Promise<void>;
  shouldStop?(): boolean;
  onProgress?(step: number, steps: number): void;
}

export interface TrialResult<Dims> {
  status: 'completed' | 'diverged' | 'stopped';
  step: number;
  trainLoss: number | null;
  valLoss: number | null;
  testLoss: number | null;
  backend: string;
  summary: ModelAccounting<Dims>;
  error?: string;
}

/** The tfjs side of a benchmark, loaded on demand by the worker. */
export interface BenchmarkTrainer<Ex, Dims> {
  initBackend(prefer?: 'tensorflow' | 'wasm' | 'cpu'): Promise<string>;
  train(trial: BenchmarkTrial<Dims>, data: { train: Ex; val: Ex; test: Ex }, callbacks?: TrainCallbacks, resume?: Uint8Array): Promise<TrialResult<Dims>>;
}

/** A benchmark plug-in. Everything here except `loadTrainer` is free of tfjs. */
export interface Benchmark<Cfg, Ex, Dims, Shapes, G> {
  kind: BenchmarkKind;
  /** Bumped whenever generation changes; part of every cache file. */
  generatorVersion: number;
  defaultConfig(): Cfg;
  /** The config with defaults filled in; throws `Error('<kind>.<field> <problem>; <fix>')` (one line) on bad input. */
  validateConfig(raw: unknown): Cfg;
  configHash(cfg: Cfg): string;
  /** Deterministic in (config, seed inside it), cached in cacheDir by configHash. */
  loadDataset(cfg: Cfg, opts: LoadDatasetOptions): Promise<BenchmarkDataset<Ex>>;
  count(ex: Ex): number;
  /** Examples by index (batches, subsets). */
  gather(ex: Ex, indices: Int32Array): Ex;
  /** The task sizes models are built for, from the config (no data needed). */
  shapes(cfg: Cfg): Shapes;
  layout(cfg: Cfg): IoLayout;
  families: readonly FamilyInfo[];
  /** Losses of trivial predictors, fitted on train, reported on val and test. */
  baselines(ds: { train: Ex; val: Ex; test: Ex }): BaselineLoss[];
  group: GroupAction<Ex, G>;
  accounting: Accounting<Dims, Shapes>;
  loadTrainer(): Promise<BenchmarkTrainer<Ex, Dims>>;
}

/** The benchmark kind of a spec field, or one line naming the field and the fix. */
export function checkBenchmarkKind(value: unknown, field = 'benchmark.kind'): BenchmarkKind {
  if (value === undefined) return 'rigid-body';
  if (typeof value === 'string' && (BENCHMARK_KINDS as readonly string[]).includes(value)) return value as BenchmarkKind;
  throw new Error(`${field} must be one of ${BENCHMARK_KINDS.join(', ')} (got ${JSON.stringify(value)}); omit it for rigid-body`);
}
