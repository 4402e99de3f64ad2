/**
 * The weight-space demo studies (`equiscale demo --benchmark weight-space [--quick]`): the three families of
 * libs/weight-space (mlp, mlp+permute, dwsnet) regressing the frequency and amplitude of the sine wave an INR was
 * fitted to, from its weights. Sizes are size-ladder rungs 0–2 of each architecture, whose FLOPs per sample overlap
 * (INRs 1-8-8-1: mlp 4.8e3–2.5e4, dwsnet 6.1e3–4.2e4; 1-16-16-1: mlp 1.6e4–6.8e4, dwsnet 1.6e4–1.1e5). Cosine
 * schedules: the weight-space trainer keeps no branch-point checkpoints, so no WSD. Learning rates from the
 * library's learning bench (libs/weight-space README: 1e-2 for mlp and dwsnet, 3e-3 for mlp+permute).
 *
 * Measured on the shared 2-core machine (wasm, 2 workers): quick 19.7 s end to end (INRs fitted in 2.2 s, 27 trials
 * trained in 11 s; load average 3); full 3.7 min (2000 + 512 + 512 INRs fitted in 70 s on one core, 54 trials in
 * 2.2 min).
 */
import type { DemoStudy } from './specs.js';

const FAMILIES = ['mlp', 'mlp+permute', 'dwsnet'];
const SIZES = [{ index: 0 }, { index: 1 }, { index: 2 }];
const PER_FAMILY = { 'mlp+permute': { lr: { peak: 3e-3 } } };

/** The weight-space study of a preset (quick or demo; one grid sweep each); its spec is stages[0]'s only sweep. */
export function weightSpaceDemoStudy(preset: 'quick' | 'demo'): DemoStudy & { spec: Record<string, unknown> } {
  const study = (spec: Record<string, unknown>, expectedMinutes: number, bootstrap: number) => ({
    preset,
    name: spec.name as string,
    stages: [() => [{ spec }]],
    expectedMinutes,
    bootstrap,
    spec,
  });
  if (preset === 'quick') {
    return study(
      {
        name: 'demo-ws-quick',
        benchmark: { kind: 'weight-space', hidden: [8, 8], fitSteps: 60, valExamples: 128, testExamples: 128, seed: 0 },
        families: FAMILIES,
        training: { batchSize: 16, lr: { peak: 1e-2, kind: 'cosine', warmupFraction: 0.05 }, gradClip: 1 },
        perFamily: PER_FAMILY,
        modelSizes: SIZES,
        steps: [50, 150, 400],
        trainSizes: [512],
        seeds: [0],
        eval: { every: 50, examples: 128 },
        checkpointEvery: 100,
        maxAttempts: 3,
      },
      1,
      50,
    );
  }
  return study(
    {
      name: 'demo-ws',
      benchmark: { kind: 'weight-space', valExamples: 512, testExamples: 512, seed: 0 },
      families: FAMILIES,
      training: { batchSize: 32, lr: { peak: 1e-2, kind: 'cosine', warmupFraction: 0.05 }, gradClip: 1 },
      perFamily: PER_FAMILY,
      modelSizes: SIZES,
      steps: [200, 600, 1500],
      trainSizes: [1000, 2000],
      seeds: [0],
      eval: { every: 100, examples: 256 },
      checkpointEvery: 250,
      maxAttempts: 3,
    },
    4,
    300,
  );
}
