/**
 * The built-in studies of `equiscale demo --preset quick|demo|study`. Model sizes are explicit per architecture so
 * the families overlap in training compute (GATr spends ~30–50× more FLOPs per parameter than a dense layer,
 * gatr-spec.md §5).
 *
 * quick and demo are one grid sweep each. Measured on this 2-core machine (wasm backend, one worker per core):
 * the demo (54 trials) took 6.0 minutes end to end on a quiet machine and 8.8 with other work beside it; quick
 * (27 trials) about 20 seconds of training (both measured before they became WSD sweeps). Both now use
 * warmup-stable-decay schedules (libs/sweeps wsd.ts): per family, size and training-set size one constant-rate
 * trunk to 80% of the longest run, and each step count is a 20% cooldown branch from it. quick is 36 trials
 * (9 trunks, 27 branches: the same 27 fit points) for 114 instead of 170 steps per group (1.49× fewer FLOPs); demo
 * 72 trials (18 trunks, 54 branches) for 2220 instead of 3100 steps per group (1.40×); a quick run took ~1 minute.
 *
 * study is the design that can test the seed study's claims (issue 15), in two stages: a learning-rate sweep per
 * family at the two smallest sizes (one sweep per candidate peak), then — with each family's chosen peak — the
 * compute-scaling sweep (5 sizes over ≥ 30× in parameters, WSD trunks with 5 cooldown branches, a training set
 * no run sees twice, 3 seeds) and the data-scaling sweep (5 training-set sizes over 32×, with and without
 * augmentation, 3 seeds, trained to convergence with early stopping on the validation split, evaluated every 100
 * steps, under a 2000-step cap; the report tells which runs stopped before the cap and how many epochs each ran).
 */
import type { TrialPurpose } from '@equiscale/study';

const SIZES = [
  { label: 'S', dims: { transformer: { width: 12, depth: 1, heads: 2, mlpRatio: 4 }, gatr: { mvChannels: 1, sChannels: 8, blocks: 1, heads: 1 } } },
  { label: 'M', dims: { transformer: { width: 24, depth: 2, heads: 2, mlpRatio: 4 }, gatr: { mvChannels: 2, sChannels: 16, blocks: 2, heads: 2 } } },
  { label: 'L', dims: { transformer: { width: 48, depth: 3, heads: 4, mlpRatio: 4 }, gatr: { mvChannels: 4, sChannels: 32, blocks: 2, heads: 4 } } },
];

/**
 * The study's 5 sizes: transformer 1.5k–78k parameters (51×), GATr 0.95k–37k (39×) on this benchmark. GATr
 * keeps one block and grows its channels: a block costs ~100 ms per step here whatever its width (op dispatch,
 * demo/estimate.ts), so depth, not width, is what the 90-minute budget cannot afford.
 */
export const STUDY_SIZES = [
  { label: 's1', dims: { transformer: { width: 8, depth: 1, heads: 2, mlpRatio: 4 }, gatr: { mvChannels: 1, sChannels: 4, blocks: 1, heads: 1 } } },
  { label: 's2', dims: { transformer: { width: 12, depth: 1, heads: 2, mlpRatio: 4 }, gatr: { mvChannels: 2, sChannels: 8, blocks: 1, heads: 2 } } },
  { label: 's3', dims: { transformer: { width: 16, depth: 2, heads: 2, mlpRatio: 4 }, gatr: { mvChannels: 3, sChannels: 16, blocks: 1, heads: 1 } } },
  { label: 's4', dims: { transformer: { width: 24, depth: 2, heads: 2, mlpRatio: 4 }, gatr: { mvChannels: 4, sChannels: 32, blocks: 1, heads: 4 } } },
  { label: 's5', dims: { transformer: { width: 48, depth: 3, heads: 4, mlpRatio: 4 }, gatr: { mvChannels: 6, sChannels: 48, blocks: 1, heads: 3 } } },
];

const BENCHMARK = { bodiesMin: 3, bodiesMax: 4, maxBodies: 4 };
const FAMILIES = ['transformer', 'transformer+augment', 'gatr'];

export const PRESETS = ['quick', 'demo', 'study'] as const;
export type PresetName = (typeof PRESETS)[number];

/** One sweep of a study: its spec and what its trials are for (absent: a single grid sweep, the demo). */
export interface StudySweep {
  purpose?: TrialPurpose;
  spec: Record<string, unknown>;
}

export interface DemoStudy {
  preset: PresetName;
  /** the study's name (the report's title; one sweep's name for quick and demo) */
  name: string;
  /** stages run one after the other; a later stage gets the learning rates chosen on the earlier ones */
  stages: ((lr: ReadonlyMap<string, number>) => StudySweep[])[];
  /** what we tell the user before starting (quick, demo: measured; study: the plan estimate, see sweep plan) */
  expectedMinutes?: number;
  bootstrap: number;
  /** the design in numbers, for `sweep plan --preset` and report.json */
  design?: Record<string, unknown>;
}

// ---- the study preset ----

const STUDY_BATCH = 32;
/** WSD branch lengths of the compute-scaling runs (each trunk branches 5 times, over 16× in steps, so the sizes overlap in FLOPs for the IsoFLOP bins; cooldown = last 20%). */
export const STUDY_STEPS = [125, 250, 500, 1000, 2000];
/** Fresh data: the longest run sees 2000 × 32 = 64 000 samples; the training set holds that many, each seen once. */
export const STUDY_FRESH_TRAIN = STUDY_STEPS[STUDY_STEPS.length - 1]! * STUDY_BATCH;
export const STUDY_SEEDS = [0, 1, 2];
/** Peak learning rates tried per family at the two smallest sizes. */
export const STUDY_LRS = [1e-3, 3e-3, 1e-2];
export const STUDY_LR_STEPS = 300;
/**
 * Data scaling: 5 training-set sizes over 32×, model size s3, trained with early stopping on the validation split
 * (STUDY_EARLY_STOPPING, evaluated every 100 steps) and at most STUDY_DATA_STEPS steps.
 */
export const STUDY_TRAIN_SIZES = [128, 300, 700, 1700, 4096];
export const STUDY_DATA_SIZE = 's3';
/** the step cap of a data-scaling run (early stopping usually ends the small training sets sooner) */
export const STUDY_DATA_STEPS = 2000;
/** ends a data-scaling run when 3 evaluations in a row (300 steps) did not improve the best validation loss by more than 1% */
export const STUDY_EARLY_STOPPING = { patience: 3, minImprovement: 0.01 };
export const STUDY_DATA_EVAL_EVERY = 100;
/** Default peak when a family has no usable learning-rate result (then the report says so). */
const DEFAULT_LR = 3e-3;

const studyBenchmark = { ...BENCHMARK, valExamples: 256, testExamples: 512 };
const eval100 = { every: 100, examples: 128 };

function lrSweep(peak: number, i: number): StudySweep {
  return {
    purpose: 'lr',
    spec: {
      name: `study-lr-${String.fromCharCode(97 + i)}`,
      benchmark: studyBenchmark,
      families: FAMILIES,
      training: { batchSize: STUDY_BATCH, lr: { peak, kind: 'constant-cooldown', warmupFraction: 0.05, cooldownFraction: 0.2 }, gradClip: 1 },
      modelSizes: STUDY_SIZES.slice(0, 2),
      steps: [STUDY_LR_STEPS],
      trainSizes: [STUDY_FRESH_TRAIN],
      seeds: [0],
      eval: { every: 0, examples: 256 },
      checkpointEvery: 200,
      maxAttempts: 2,
    },
  };
}

const perFamilyLr = (lr: ReadonlyMap<string, number>) => Object.fromEntries(FAMILIES.map((f) => [f, { lr: { peak: lr.get(f) ?? DEFAULT_LR } }]));

function computeSweep(lr: ReadonlyMap<string, number>): StudySweep {
  return {
    purpose: 'compute',
    spec: {
      name: 'study-compute',
      benchmark: studyBenchmark,
      families: FAMILIES,
      training: { batchSize: STUDY_BATCH, lr: { peak: DEFAULT_LR, kind: 'wsd', warmupFraction: 0.05, cooldownFraction: 0.2 }, gradClip: 1 },
      perFamily: perFamilyLr(lr),
      modelSizes: STUDY_SIZES,
      steps: STUDY_STEPS,
      trainSizes: [STUDY_FRESH_TRAIN],
      seeds: STUDY_SEEDS,
      eval: { every: 200, examples: 128 },
      checkpointEvery: 400,
      maxAttempts: 3,
    },
  };
}

function dataSweep(lr: ReadonlyMap<string, number>): StudySweep {
  return {
    purpose: 'data',
    spec: {
      name: 'study-data',
      benchmark: studyBenchmark,
      families: FAMILIES,
      // Cosine over the step cap, kept with early stopping: the rate falls smoothly, so a run stopped at step s has
      // annealed as far as s allows, and stopped and capped runs are treated alike. A constant rate with a cooldown
      // over the last 20% would give only the runs that reach the cap an annealing phase (early-stopped ones stop on
      // the constant-rate plateau and never get it), biasing the small training sets (stopped) against the large
      // ones (capped) — which is the comparison claim 1 rests on.
      training: { batchSize: STUDY_BATCH, lr: { peak: DEFAULT_LR, kind: 'cosine', warmupFraction: 0.05, minRatio: 0.05 }, gradClip: 1 },
      perFamily: perFamilyLr(lr),
      modelSizes: STUDY_SIZES.filter((s) => s.label === STUDY_DATA_SIZE),
      steps: [STUDY_DATA_STEPS],
      trainSizes: STUDY_TRAIN_SIZES,
      seeds: STUDY_SEEDS,
      // early stopping evaluates the whole validation split (256 examples) every 100 steps; `examples` applies to
      // evaluations without early stopping only
      eval: { ...eval100, every: STUDY_DATA_EVAL_EVERY, earlyStopping: STUDY_EARLY_STOPPING },
      checkpointEvery: 500,
      maxAttempts: 3,
    },
  };
}

function studyPreset(): DemoStudy {
  return {
    preset: 'study',
    name: 'study',
    bootstrap: 200,
    stages: [() => STUDY_LRS.map(lrSweep), (lr) => [computeSweep(lr), dataSweep(lr)]],
    design: {
      families: FAMILIES,
      batchSize: STUDY_BATCH,
      learningRate: { candidates: STUDY_LRS, sizes: STUDY_SIZES.slice(0, 2).map((s) => s.label), steps: STUDY_LR_STEPS, seeds: [0], chosenOn: 'geometric-mean validation loss; the chosen peak is used for every other run of the family' },
      computeScaling: {
        sizes: STUDY_SIZES.map((s) => s.label),
        schedule: 'WSD: warmup 5% of the shortest run, constant peak, linear cooldown over the last 20%; one trunk per (family, size, seed), one branch per step count',
        steps: STUDY_STEPS,
        branchesPerTrunk: STUDY_STEPS.length,
        trainSize: STUDY_FRESH_TRAIN,
        freshData: `the longest run sees ${STUDY_FRESH_TRAIN} samples = the training-set size: no sample is seen twice`,
        seeds: STUDY_SEEDS,
      },
      dataScaling: {
        size: STUDY_DATA_SIZE,
        trainSizes: STUDY_TRAIN_SIZES,
        span: STUDY_TRAIN_SIZES[STUDY_TRAIN_SIZES.length - 1]! / STUDY_TRAIN_SIZES[0]!,
        steps: STUDY_DATA_STEPS,
        earlyStopping: { ...STUDY_EARLY_STOPPING, evalEvery: STUDY_DATA_EVAL_EVERY, validationExamples: studyBenchmark.valExamples },
        // at the step cap; a run that stops early trains fewer (its epochs, samples actually seen / training-set size, are recorded)
        epochsAtCap: STUDY_TRAIN_SIZES.map((n) => Math.round((STUDY_DATA_STEPS * STUDY_BATCH * 10) / n) / 10),
        augmentation: 'transformer with and without E(3) augmentation, and GATr',
        convergence:
          `early stopping in the worker: every ${STUDY_DATA_EVAL_EVERY} steps the model is evaluated on the whole validation split (${studyBenchmark.valExamples} examples) and the best parameters kept; ` +
          `training stops when ${STUDY_EARLY_STOPPING.patience} evaluations in a row did not improve the best validation loss by more than ${STUDY_EARLY_STOPPING.minImprovement * 100}%, or at the ${STUDY_DATA_STEPS}-step cap; ` +
          'the test loss is that of the best-on-validation parameters (never selected on test); a run converged when it stopped before the cap, and its epochs are the samples it actually saw over the training-set size',
        schedule: 'cosine from the peak to 5% of it over the step cap (5% warmup), also for runs that stop early',
        seeds: STUDY_SEEDS,
      },
    },
  };
}

export function demoStudy(preset: PresetName): DemoStudy {
  if (preset === 'study') return studyPreset();
  if (preset === 'quick') {
    const spec = {
      name: 'demo-quick',
      benchmark: { ...BENCHMARK, valExamples: 64, testExamples: 128 },
      families: FAMILIES,
      training: { batchSize: 16, lr: { peak: 3e-3, kind: 'wsd', warmupFraction: 0.1, cooldownFraction: 0.2 }, gradClip: 1 },
      modelSizes: SIZES,
      steps: [20, 50, 100],
      trainSizes: [512],
      seeds: [0],
      eval: { every: 25, examples: 64 },
      checkpointEvery: 50,
      maxAttempts: 3,
    };
    return { preset, name: spec.name, expectedMinutes: 2, bootstrap: 50, stages: [() => [{ spec }]] };
  }
  const spec = {
    name: 'demo',
    benchmark: { ...BENCHMARK, valExamples: 256, testExamples: 512 },
    families: FAMILIES,
    training: { batchSize: 32, lr: { peak: 3e-3, kind: 'wsd', warmupFraction: 0.05, cooldownFraction: 0.2 }, gradClip: 1 },
    perFamily: { gatr: { lr: { peak: 2e-3 } } },
    modelSizes: SIZES,
    steps: [300, 800, 2000],
    trainSizes: [512, 8192],
    seeds: [0],
    eval: { every: 100, examples: 128 },
    checkpointEvery: 250,
    maxAttempts: 3,
  };
  return { preset, name: spec.name, expectedMinutes: 8, bootstrap: 300, stages: [() => [{ spec }]] };
}
