/**
 * What the sweep planner needs from the science libs, behind one small interface so expansion logic can be
 * unit-tested with hand-written doubles. `defaultSweepDeps` is the real thing: @equiscale/rigid-body and
 * @equiscale/models.
 */
import {
  BODY_FEATURES,
  MAX_VERTS,
  defaultBenchmarkConfig,
  validateBenchmarkConfig,
  type BenchmarkConfig,
} from '@equiscale/rigid-body';
import { dimsForParams, sizeLadder, summarize } from '@equiscale/models/accounting';
import type { FamilyName, ModelDims, ModelSummary } from '@equiscale/models/accounting';

/** Padded task sizes a model is built for (structurally the models lib's TaskShapes). */
export interface TaskShapes {
  maxBodies: number;
  maxVerts: number;
  bodyFeatureCount: number;
}

export interface SweepDeps {
  /** The benchmark a spec's partial `benchmark` is merged over. */
  defaultBenchmarkConfig(): BenchmarkConfig;
  /** Throws an Error naming the bad field; returns the config with optional fields filled in. */
  validateBenchmarkConfig(cfg: BenchmarkConfig): BenchmarkConfig;
  /** Padded sizes of the examples this benchmark produces. */
  taskShapes(cfg: BenchmarkConfig): TaskShapes;
  /** Dims of rung `index` of the family's size ladder; throws when out of range. */
  sizeLadder(family: FamilyName, index: number): ModelDims;
  /** Dims whose parameter count on these shapes is closest to `targetParams`. */
  dimsForParams(family: FamilyName, targetParams: number, shapes: TaskShapes): ModelDims;
  /** Parameter count and FLOP accounting (nominalFlopsPerSample: training fwd+bwd per sample). */
  summarize(dims: ModelDims, shapes: TaskShapes): ModelSummary;
}

/** Padded example shapes of a benchmark: bodies padded to maxBodies, the mesh library's vertex and feature sizes. */
export function benchmarkTaskShapes(cfg: BenchmarkConfig): TaskShapes {
  return { maxBodies: cfg.maxBodies, maxVerts: MAX_VERTS, bodyFeatureCount: BODY_FEATURES };
}

export const defaultSweepDeps: SweepDeps = Object.freeze({
  defaultBenchmarkConfig,
  validateBenchmarkConfig: (cfg: BenchmarkConfig): BenchmarkConfig => validateBenchmarkConfig(cfg),
  taskShapes: benchmarkTaskShapes,
  sizeLadder,
  dimsForParams,
  summarize,
});
