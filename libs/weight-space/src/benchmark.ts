/** The weight-space benchmark as a plug-in (`@equiscale/benchmark`'s Benchmark). Free of tfjs except loadTrainer. */
import type { Benchmark, BenchmarkTrainer } from '@equiscale/benchmark';
import {
  FLOP_CONVENTION,
  summarizeWeightSpace,
  WEIGHT_SPACE_FAMILY_INFO,
  weightSpaceDimsForParams,
  weightSpaceLadderLength,
  weightSpaceSizeLadder,
  type WeightSpaceDims,
  type WeightSpaceShapes,
} from './accounting.js';
import { weightSpaceBaselines } from './baselines.js';
import { loadWeightSpaceDataset } from './cache.js';
import { defaultWeightSpaceConfig, validateWeightSpaceConfig, weightSpaceConfigHash, type WeightSpaceConfig } from './config.js';
import { gatherWeightSpaceExamples } from './examples.js';
import { GENERATOR_VERSION, type WeightSpaceExamples } from './generate.js';
import { permuteExamples, randomNeuronPermutation, type NeuronPermutation } from './group.js';
import { inrLayout } from './inr.js';

export function weightSpaceShapes(cfg: WeightSpaceConfig): WeightSpaceShapes {
  const c = validateWeightSpaceConfig(cfg);
  return { sizes: [1, ...c.hidden, 1], targetCount: c.targets.length };
}

export const weightSpaceBenchmark: Benchmark<WeightSpaceConfig, WeightSpaceExamples, WeightSpaceDims, WeightSpaceShapes, NeuronPermutation> = {
  kind: 'weight-space',
  generatorVersion: GENERATOR_VERSION,
  defaultConfig: defaultWeightSpaceConfig,
  validateConfig: validateWeightSpaceConfig,
  configHash: weightSpaceConfigHash,
  loadDataset: loadWeightSpaceDataset,
  count: (ex) => ex.count,
  gather: gatherWeightSpaceExamples,
  shapes: weightSpaceShapes,
  layout(cfg) {
    const c = validateWeightSpaceConfig(cfg);
    const P = inrLayout(c.hidden).paramCount;
    return {
      inputs: [{ name: 'params', shape: [P], meaning: `INR parameters, layers 1 -> ${c.hidden.join(' -> ')} -> 1, per layer W (out, in) row-major then b` }],
      targets: [{ name: 'targets', shape: [c.targets.length], meaning: `${c.targets.join(', ')} of the sine wave the INR was fitted to, each standardized by its sampling distribution` }],
      loss: `MSE averaged over examples and standardized targets (${c.targets.join(', ')}); predicting the mean scores about 1`,
    };
  },
  families: WEIGHT_SPACE_FAMILY_INFO,
  baselines: weightSpaceBaselines,
  group: {
    name: 'product of the symmetric groups of the hidden layers (hidden-neuron permutations)',
    targets: 'invariant',
    random: (ex, seed, index) => randomNeuronPermutation(ex.sizes.slice(1, -1), seed, index),
    apply: (ex, g) => permuteExamples(ex, g as NeuronPermutation | readonly NeuronPermutation[]),
  },
  accounting: {
    flopConvention: FLOP_CONVENTION,
    ladderLength: weightSpaceLadderLength,
    sizeLadder: weightSpaceSizeLadder,
    dimsForParams: weightSpaceDimsForParams,
    summarize: summarizeWeightSpace,
  },
  async loadTrainer(): Promise<BenchmarkTrainer<WeightSpaceExamples, WeightSpaceDims>> {
    const m = await import('./train/index.js');
    return { initBackend: m.initBackend, train: m.trainWeightSpaceTrial };
  },
};
