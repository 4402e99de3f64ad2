/**
 * Which benchmark a spec trains on (`benchmark: { kind, ...config }`, libs/benchmark), and what the planner needs of
 * each: the families that apply to it, its config validation and hash, and (weight-space) its accounting. The
 * rigid-body benchmark keeps the registry of ./families.ts and the SweepDeps of ./deps.ts; the weight-space one
 * uses libs/weight-space's TensorFlow.js-free entry points (the package root: config, hash, shapes; `/accounting`:
 * ladders, parameter and FLOP counts).
 */
import { BENCHMARK_KINDS, type BenchmarkKind } from '@equiscale/benchmark';
import type { BenchmarkConfig } from '@equiscale/rigid-body';
import { validateWeightSpaceConfig, weightSpaceConfigHash, weightSpaceShapes, type WeightSpaceConfig } from '@equiscale/weight-space';
import {
  FLOP_CONVENTION as WEIGHT_SPACE_FLOP_CONVENTION,
  WEIGHT_SPACE_FAMILY_INFO,
  familyArch,
  summarizeWeightSpace,
  weightSpaceDimsForParams,
  weightSpaceSizeLadder,
  type WeightSpaceDims,
} from '@equiscale/weight-space/accounting';
import { findSweepFamily, SWEEP_FAMILY_NAMES, type SweepFamily } from './families.js';
import { weightSpaceTrialDims, type ArchitectureName, type TrialDims } from './trial.js';

export { BENCHMARK_KINDS, WEIGHT_SPACE_FLOP_CONVENTION };
export type { BenchmarkKind };

/** A normalized spec's `benchmark` on the weight-space benchmark: the kind beside the validated config. */
export type WeightSpaceSpecBenchmark = { kind: 'weight-space' } & WeightSpaceConfig;

/** A sweep family of any benchmark: its architecture and whether it trains with the benchmark's group augmentation. */
export interface PlannedFamily extends Omit<SweepFamily, 'modelFamily' | 'source' | 'guarantee'> {
  modelFamily: ArchitectureName;
  benchmark: BenchmarkKind;
  /** the paper the family comes from (rigid-body families; see `equiscale families`) */
  source?: string;
  guarantee?: SweepFamily['guarantee'];
}

/** The weight-space benchmark's sweep families (libs/weight-space): `augment` = random hidden-neuron permutations. */
export const WEIGHT_SPACE_SWEEP_FAMILIES: readonly PlannedFamily[] = Object.freeze(
  WEIGHT_SPACE_FAMILY_INFO.map((f) =>
    Object.freeze({ name: f.name, modelFamily: familyArch(f.name), augment: f.symmetry === 'augmentation', description: f.description, benchmark: 'weight-space' as const }),
  ),
);

export const WEIGHT_SPACE_FAMILY_NAMES: readonly string[] = Object.freeze(WEIGHT_SPACE_SWEEP_FAMILIES.map((f) => f.name));

/** Family names of a benchmark. */
export function familyNamesOf(kind: BenchmarkKind): readonly string[] {
  return kind === 'weight-space' ? WEIGHT_SPACE_FAMILY_NAMES : SWEEP_FAMILY_NAMES;
}

/** Every family name a spec may list, over all benchmarks (the schema's check; ./normalize.ts checks the benchmark). */
export const ALL_FAMILY_NAMES: readonly string[] = Object.freeze([...new Set([...SWEEP_FAMILY_NAMES, ...WEIGHT_SPACE_FAMILY_NAMES])]);

/** The family `name` of benchmark `kind`, or undefined when that benchmark has no such family. */
export function findPlannedFamily(kind: BenchmarkKind, name: string): PlannedFamily | undefined {
  if (kind === 'weight-space') return WEIGHT_SPACE_SWEEP_FAMILIES.find((f) => f.name === name);
  const f = findSweepFamily(name);
  return f ? { ...f, benchmark: 'rigid-body' } : undefined;
}

/** The benchmark kind of a spec's raw `benchmark` block, or the problem as a message for the field `benchmark.kind`. */
export function specBenchmarkKind(raw: Record<string, unknown> | undefined): { kind: BenchmarkKind } | { problem: string } {
  const v = raw?.kind;
  if (v === undefined) return { kind: 'rigid-body' };
  if (typeof v === 'string' && (BENCHMARK_KINDS as readonly string[]).includes(v)) return { kind: v as BenchmarkKind };
  return { problem: `expected one of ${BENCHMARK_KINDS.join(', ')}, got ${JSON.stringify(v)}; omit it for rigid-body` };
}

/** The kind of a normalized spec's benchmark (a rigid-body config carries no kind, so old specs keep their hash). */
export function benchmarkKindOf(benchmark: unknown): BenchmarkKind {
  return (benchmark as { kind?: unknown } | null)?.kind === 'weight-space' ? 'weight-space' : 'rigid-body';
}

/**
 * The validated weight-space config of a spec's `benchmark` block (its kind beside it), or the problem with the
 * field it names (libs/weight-space throws `weight-space.<field> <problem>; <fix>`).
 */
export function normalizeWeightSpaceBenchmark(raw: Record<string, unknown>): { benchmark: WeightSpaceSpecBenchmark } | { field?: string; problem: string } {
  try {
    return { benchmark: { kind: 'weight-space', ...validateWeightSpaceConfig(raw) } };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const field = /^weight-space\.([A-Za-z0-9_]+) /.exec(message)?.[1];
    return { ...(field && field in raw ? { field } : {}), problem: message };
  }
}

export function weightSpaceBenchmarkHash(b: WeightSpaceSpecBenchmark): string {
  return weightSpaceConfigHash(validateWeightSpaceConfig(b));
}

/** One model size of a weight-space family, resolved and counted (FLOPs: WEIGHT_SPACE_FLOP_CONVENTION). */
export interface ResolvedModel {
  dims: TrialDims;
  paramCount: number;
  nominalFlopsPerSample: number;
  executedFlopsPerSample: number;
}

/** A weight-space family's model for a size-ladder rung or a target parameter count; throws naming the problem. */
export function resolveWeightSpaceSize(family: string, size: { index: number } | { params: number }, b: WeightSpaceSpecBenchmark): ResolvedModel {
  const shapes = weightSpaceShapes(validateWeightSpaceConfig(b));
  const dims: WeightSpaceDims = 'index' in size ? weightSpaceSizeLadder(family, size.index) : weightSpaceDimsForParams(family, size.params, shapes);
  const s = summarizeWeightSpace(family, dims, shapes);
  return { dims: weightSpaceTrialDims(s.dims), paramCount: s.paramCount, nominalFlopsPerSample: s.nominalFlopsPerSample, executedFlopsPerSample: s.executedFlopsPerSample };
}

/** A normalized spec's benchmark as the rigid-body config it is; throws for another benchmark. */
export function rigidBodyBenchmark(benchmark: BenchmarkConfig | WeightSpaceSpecBenchmark): BenchmarkConfig {
  if (benchmarkKindOf(benchmark) !== 'rigid-body') throw new Error(`the sweep's benchmark is ${benchmarkKindOf(benchmark)}, not rigid-body`);
  return benchmark as BenchmarkConfig;
}
