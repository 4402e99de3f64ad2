/**
 * Hand-written doubles of the science libs for unit tests of the expansion logic only (simple closed-form
 * ladders and FLOP counts, so expected values can be derived independently in the tests). Not exported.
 */
import type { BenchmarkConfig } from '@equiscale/rigid-body';
import type { FamilyName, ModelDims, ModelSummary } from '@equiscale/models/accounting';
import type { SweepDeps, TaskShapes } from '../deps.js';

export const FAKE_LADDER_LENGTH = 6;

export function fakeBenchmark(): BenchmarkConfig {
  return {
    bodiesMin: 2,
    bodiesMax: 3,
    maxBodies: 3,
    meshes: ['cube', 'wedge'],
    dt: 0.01,
    framesPerScene: 50,
    pastOffset: 1,
    horizon: 2,
    examplesPerScene: 4,
    gravity: 9.81,
    valExamples: 100,
    testExamples: 200,
    seed: 0,
  };
}

/** transformer rung i: width 8*2^i, depth i+1; gatr rung i: 2^i multivector channels, i+1 blocks. */
function ladder(family: FamilyName, index: number): ModelDims {
  if (!(Number.isInteger(index) && index >= 0 && index < FAKE_LADDER_LENGTH)) {
    throw new Error(`fake ladder: index must be in [0, ${FAKE_LADDER_LENGTH - 1}] (got ${index})`);
  }
  if (family === 'transformer') return { family, width: 8 * 2 ** index, depth: index + 1, heads: 2, mlpRatio: 4 };
  return { family, mvChannels: 2 ** index, sChannels: 4 * 2 ** index, blocks: index + 1, heads: 2 };
}

/** transformer: 12*depth*width^2 params; gatr: 300*blocks*c^2. Nominal FLOPs/sample: 6*params*maxBodies (x28 for gatr). */
export function fakeSummary(dims: ModelDims, shapes: TaskShapes): ModelSummary {
  const paramCount =
    dims.family === 'transformer' ? 12 * dims.depth * dims.width ** 2 : 300 * dims.blocks * dims.mvChannels ** 2;
  const perParam = dims.family === 'transformer' ? 6 : 6 * 28;
  const nominalFlopsPerSample = perParam * paramCount * shapes.maxBodies;
  return { dims, paramCount, nominalFlopsPerSample, executedFlopsPerSample: 2 * nominalFlopsPerSample };
}

export const fakeDeps: SweepDeps = {
  defaultBenchmarkConfig: fakeBenchmark,
  validateBenchmarkConfig(cfg) {
    if (cfg.bodiesMax > cfg.maxBodies) {
      throw new Error(`BenchmarkConfig.bodiesMax (${cfg.bodiesMax}) exceeds maxBodies (${cfg.maxBodies}); raise maxBodies`);
    }
    return structuredClone(cfg);
  },
  taskShapes: (cfg) => ({ maxBodies: cfg.maxBodies, maxVerts: 8, bodyFeatureCount: 4 }),
  sizeLadder: ladder,
  dimsForParams(family, targetParams, shapes) {
    let best = ladder(family, 0);
    for (let i = 1; i < FAKE_LADDER_LENGTH; i++) {
      const d = ladder(family, i);
      const err = (x: ModelDims) => Math.abs(Math.log(fakeSummary(x, shapes).paramCount / targetParams));
      if (err(d) < err(best)) best = d;
    }
    return best;
  },
  summarize: fakeSummary,
};
