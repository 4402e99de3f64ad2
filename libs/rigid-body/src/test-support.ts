/** Shared fixtures of this lib's tests (not exported from the package). */
import { defaultBenchmarkConfig } from './config.js';
import type { BenchmarkConfig } from './types.js';

/** Small, quick benchmark: 2–4 bodies, 30 frames, 3 examples per scene, 6 val / 6 test examples. */
export function smallConfig(patch: Partial<BenchmarkConfig> = {}): BenchmarkConfig {
  return {
    ...defaultBenchmarkConfig(),
    bodiesMin: 2,
    bodiesMax: 4,
    maxBodies: 5,
    framesPerScene: 30,
    examplesPerScene: 3,
    valExamples: 6,
    testExamples: 6,
    seed: 17,
    ...patch,
  };
}
