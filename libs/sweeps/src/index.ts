/**
 * @equiscale/sweeps: the sweep specification — parsing (YAML/JSON), validation with field-named errors,
 * normalization and hashing, expansion into trial cells, and spec diffs for extending a sweep.
 * No gRPC and no database here: the coordinator stores the cells.
 */
export { SWEEP_FAMILIES, SWEEP_FAMILY_NAMES, MODEL_FAMILY_NAMES, SYMMETRY_GUARANTEES, findSweepFamily, sweepFamily } from './families.js';
export type { SweepFamily, SymmetryGuarantee, SymmetryMethod } from './families.js';
export { SweepSpecError, formatPath } from './issues.js';
export type { SpecIssue } from './issues.js';
export { defaultSweepDeps, benchmarkTaskShapes } from './deps.js';
export type { SweepDeps, TaskShapes } from './deps.js';
export { sweepSpecSchema, MAX_INT32 } from './schema.js';
export type { SweepSpecInput } from './schema.js';
export {
  normalizeSpec,
  isGridSpec,
  specHash,
  DEFAULT_TRAINING,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_EVAL_EVERY,
  DEFAULT_MIN_STEPS,
  DEFAULT_FAMILY_OPTIONS,
} from './normalize.js';
export type {
  NormalizedSweepSpec,
  NormalizedGridSpec,
  NormalizedIsoflopSpec,
  FamilySettings,
  ModelOptionsSpec,
  FamilyOptionsSpec,
  LrSpec,
  ModelSizeSpec,
  ExplicitDimsSpec,
  GridDesign,
  IsoflopDesign,
} from './normalize.js';
export { parseSweepSpec, parseSpecText, loadSweepSpecFile } from './parse.js';
export type { SpecFormat } from './parse.js';
export { canonicalJson } from './canonical.js';
export { planSweep, expandSweep, MAX_CELLS } from './expand.js';
export type { DroppedCell, SweepPlan } from './expand.js';
export { modelDims, trialDims } from './trial.js';
export type { Trial, TrialCell, TrialDims, BenchmarkRef, TrainingSettings, TrialLrSchedule, TrialPlan, TrialRecord, TrialStatus, TrialEarlyStopping, TrialStopping } from './trial.js';
export { diffSpecs, diffCells } from './diff.js';
export type { SpecDiff, CellDiff, CellChange } from './diff.js';
export { applyWsd, branchStepOf, trunkKey, planTotals } from './wsd.js';
export type { PlanTotals } from './wsd.js';
export { applyClone, cloneStepsOf, CLONE_FAMILY, TEACHER_FAMILY } from './clone.js';
export { nonEmbeddingParamCount } from './params.js';
export {
  BENCHMARK_KINDS,
  WEIGHT_SPACE_FLOP_CONVENTION,
  WEIGHT_SPACE_SWEEP_FAMILIES,
  WEIGHT_SPACE_FAMILY_NAMES,
  ALL_FAMILY_NAMES,
  benchmarkKindOf,
  familyNamesOf,
  findPlannedFamily,
  weightSpaceBenchmarkHash,
  rigidBodyBenchmark,
} from './benchmarks.js';
export type { BenchmarkKind, PlannedFamily, WeightSpaceSpecBenchmark } from './benchmarks.js';
export { weightSpaceTrialDims, weightSpaceDimsOf } from './trial.js';
export type { ArchitectureName, ArchitectureDims } from './trial.js';
