/**
 * Learning on REAL benchmark data (wasm), printed, asserting nothing: the task the GATr learning fix was
 * measured on (libs/models/README.md "GATr embedding").
 * - data: @equiscale/rigid-body generateExamples with defaultBenchmarkConfig() (B = 6, V = 12, F = 10,
 *   pastOffset 2, horizon 4): train examples [0, TRAIN) of split "train", validation [0, 256) of split "val";
 * - baselines computed once: "no motion" (predict curr) and "constant velocity" (curr + a (curr - prev), a
 *   fitted on the training set: the baseline both families now add to their prediction);
 * - each family at ~3e4 parameters (dimsForParams), STEPS steps, batch 32, Adam, cosine lr with peak LR and
 *   10% warmup, gradClip 1, seed 1: train loss every STEPS/10 steps, validation loss every STEPS/4 steps,
 *   and ms per training step (median over the run, validation excluded).
 * Env: BENCH_STEPS (default 100), BENCH_TRAIN (default 512), BENCH_LR (default 3e-3).
 */
import { defaultBenchmarkConfig, generateExamples } from '@equiscale/rigid-body';
import type { ModelDims, TrialConfig } from '../src/api.js';
import { initBackend } from '../src/backend/init.js';
import { dimsForParams, summarize } from '../src/ladder.js';
import { fitMotionGain, motionBaselineLoss } from '../src/train/motion-baseline.js';
import { trainTrial } from '../src/train/trainer.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 100);
const TRAIN = Number(process.env.BENCH_TRAIN ?? 512);
const LR = Number(process.env.BENCH_LR ?? 3e-3);

const cfg = defaultBenchmarkConfig();
const train = await generateExamples(cfg, 'train', 0, TRAIN);
const val = await generateExamples(cfg, 'val', 0, 256);
const gain = fitMotionGain(train);
console.log(`data: defaultBenchmarkConfig, train ${TRAIN}, val 256 (B=${train.maxBodies}, V=${train.maxVerts}, F=${train.bodyFeatureCount})`);
console.log(`val loss, no motion: ${motionBaselineLoss(val, 0).toExponential(3)}`);
console.log(`val loss, constant velocity (gain ${gain.toFixed(3)} fitted on train): ${motionBaselineLoss(val, gain).toExponential(3)}`);

const backend = await initBackend('wasm');
const shapes = { maxBodies: train.maxBodies, maxVerts: train.maxVerts, bodyFeatureCount: train.bodyFeatureCount };
for (const family of ['gatr', 'transformer'] as const) {
  const dims: ModelDims = dimsForParams(family, 3e4, shapes);
  const config: TrialConfig = {
    family,
    augment: false,
    dims,
    steps: STEPS,
    batchSize: 32,
    lr: { peak: LR, kind: 'cosine', warmupSteps: Math.round(STEPS / 10), minRatio: 0.1, cooldownFraction: 0 },
    gradClip: 1,
    evalEvery: Math.max(1, Math.round(STEPS / 4)),
    evalExamples: 256,
    checkpointEvery: 0,
    seed: 1,
    logEvery: Math.max(1, Math.round(STEPS / 10)),
  };
  const curve: string[] = [];
  const stepMs: number[] = [];
  let last = performance.now();
  const out = await trainTrial(config, { train, val, test: val }, {
    onProgress: (step) => {
      const now = performance.now();
      if (config.evalEvery === 0 || (step - 1) % config.evalEvery !== 0 || step === 1) stepMs.push(now - last);
      last = now;
    },
    onMetrics: (points) => {
      for (const p of points) if (p.split !== 'test') curve.push(`${p.split} ${p.step}: ${p.loss.toExponential(2)}`);
      last = performance.now();
    },
  });
  stepMs.sort((a, b) => a - b);
  const s = summarize(dims, shapes);
  console.log(`\n${family} ${JSON.stringify(dims)}: ${s.paramCount} params, ${backend}, ${stepMs[Math.floor(stepMs.length / 2)]!.toFixed(1)} ms/step (median)`);
  console.log(`  ${curve.join(', ')}`);
  console.log(`  final val ${out.valLoss?.toExponential(3)} (${out.status})`);
}
