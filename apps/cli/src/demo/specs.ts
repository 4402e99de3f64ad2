/**
 * The built-in demo studies. Model sizes are explicit per architecture so the families overlap in training
 * compute (GATr spends ~30–50× more FLOPs per parameter than a dense layer, gatr-spec.md §5): transformer
 * widths 12/24/48 against GATr channels 1/2/4.
 *
 * Measured on this 2-core machine (wasm backend, one worker per core): the full study (54 trials) took 6.0 minutes
 * end to end on a quiet machine and 8.8 with other work beside it; the quick one (27 trials) about 20 seconds.
 * Both use warmup-stable-decay schedules (libs/sweeps wsd.ts): per family, size and training-set size one
 * constant-rate trunk to 80% of the longest run, and each step count is a 20% cooldown branch from it. The quick
 * study is 36 trials (9 trunks, 27 branches: the same 27 fit points) for 114 instead of 170 steps per group (1.49×
 * fewer FLOPs); the full one 72 trials (18 trunks, 54 branches) for 2220 instead of 3100 steps per group (1.40×).
 */
const SIZES = [
  { label: 'S', dims: { transformer: { width: 12, depth: 1, heads: 2, mlpRatio: 4 }, gatr: { mvChannels: 1, sChannels: 8, blocks: 1, heads: 1 } } },
  { label: 'M', dims: { transformer: { width: 24, depth: 2, heads: 2, mlpRatio: 4 }, gatr: { mvChannels: 2, sChannels: 16, blocks: 2, heads: 2 } } },
  { label: 'L', dims: { transformer: { width: 48, depth: 3, heads: 4, mlpRatio: 4 }, gatr: { mvChannels: 4, sChannels: 32, blocks: 2, heads: 4 } } },
];

const BENCHMARK = { bodiesMin: 3, bodiesMax: 4, maxBodies: 4 };

export interface DemoStudy {
  spec: Record<string, unknown>;
  /** what we tell the user before starting */
  expectedMinutes: number;
  bootstrap: number;
}

export function demoStudy(quick: boolean): DemoStudy {
  if (quick) {
    return {
      expectedMinutes: 2,
      bootstrap: 50,
      spec: {
        name: 'demo-quick',
        benchmark: { ...BENCHMARK, valExamples: 64, testExamples: 128 },
        families: ['transformer', 'transformer+augment', 'gatr'],
        training: { batchSize: 16, lr: { peak: 3e-3, kind: 'wsd', warmupFraction: 0.1, cooldownFraction: 0.2 }, gradClip: 1 },
        modelSizes: SIZES,
        steps: [20, 50, 100],
        trainSizes: [512],
        seeds: [0],
        eval: { every: 25, examples: 64 },
        checkpointEvery: 50,
        maxAttempts: 3,
      },
    };
  }
  return {
    expectedMinutes: 8,
    bootstrap: 300,
    spec: {
      name: 'demo',
      benchmark: { ...BENCHMARK, valExamples: 256, testExamples: 512 },
      families: ['transformer', 'transformer+augment', 'gatr'],
      training: { batchSize: 32, lr: { peak: 3e-3, kind: 'wsd', warmupFraction: 0.05, cooldownFraction: 0.2 }, gradClip: 1 },
      perFamily: { gatr: { lr: { peak: 2e-3 } } },
      modelSizes: SIZES,
      steps: [300, 800, 2000],
      trainSizes: [512, 8192],
      seeds: [0],
      eval: { every: 100, examples: 128 },
      checkpointEvery: 250,
      maxAttempts: 3,
    },
  };
}
