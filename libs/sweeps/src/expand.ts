/**
 * Expansion of a spec into trials (./trial.ts, the proto message equiscale.v1.Trial): one per point of the
 * design, each carrying everything a worker needs to train it, given the sweep's benchmark config. Deterministic: families in spec order, then model sizes
 * in spec order, then steps (or budgets), training-set sizes and seeds ascending.
 */
import { benchmarkConfigHash } from '@equiscale/rigid-body';
import type { BenchmarkConfig } from '@equiscale/rigid-body';
import type { FamilyName, ModelDims } from '@equiscale/models/accounting';
import { defaultSweepDeps, type SweepDeps, type TaskShapes } from './deps.js';
import { findSweepFamily } from './families.js';
import { benchmarkKindOf, findPlannedFamily, resolveWeightSpaceSize, weightSpaceBenchmarkHash, type ResolvedModel, type WeightSpaceSpecBenchmark } from './benchmarks.js';
import { IssueList, SweepSpecError, formatPath, type PathSegment } from './issues.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { exponential } from './labels.js';
import { MAX_INT32 } from './schema.js';
import { applyWsd } from './wsd.js';
import { applyClone, CLONE_FAMILY } from './clone.js';
import { isGridSpec, normalizeSpec, type FamilySettings, type ModelSizeSpec, type NormalizedSweepSpec } from './normalize.js';
import { modelDims, trialDims, type BenchmarkRef, type Trial, type TrialCell, type TrialLrSchedule } from './trial.js';

/** An iso-FLOP cell left out because its budget buys too few steps (design.tooFewSteps: drop). */
export interface DroppedCell {
  cellKey: string;
  family: string;
  sizeLabel: string;
  flopBudget: number;
  /** the step count the budget would give */
  steps: number;
  reason: string;
}

export interface SweepPlan {
  spec: NormalizedSweepSpec;
  /** specHash(spec) */
  specHash: string;
  /** the trials, one per cell of the design */
  cells: Trial[];
  dropped: DroppedCell[];
}

/** Refuse sweeps beyond this many cells (a typo in an axis should not create millions of rows). */
export const MAX_CELLS = 100_000;

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

interface ResolvedSize {
  label: string;
  summary: ResolvedModel;
}

function sizePath(spec: NormalizedSweepSpec, i: number): PathSegment[] {
  return spec.design.kind === 'grid' ? ['modelSizes', i] : ['design', 'modelSizes', i];
}

function explicitDims(size: ModelSizeSpec & { dims: unknown }, mf: FamilyName): ModelDims | undefined {
  const d = (size.dims as Record<string, object | undefined>)[mf];
  return d ? ({ family: mf, ...d } as ModelDims) : undefined;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Resolve every model size of every weight-space architecture in use (libs/weight-space accounting; an
 * architecture's ladder is the same for the families sharing it, e.g. mlp and mlp+permute).
 */
function resolveWeightSpaceSizes(spec: NormalizedSweepSpec, sizes: readonly ModelSizeSpec[], issues: IssueList): Map<string, ResolvedSize[]> {
  const out = new Map<string, ResolvedSize[]>();
  const b = spec.benchmark as WeightSpaceSpecBenchmark;
  for (const family of spec.families) {
    const mf = findPlannedFamily('weight-space', family)!.modelFamily;
    if (out.has(mf)) continue;
    const resolved: ResolvedSize[] = [];
    const seen = new Map<string, number>();
    sizes.forEach((size, i) => {
      const p = sizePath(spec, i);
      if ('dims' in size) return; // refused by normalizeSpec
      let summary: ResolvedModel;
      try {
        summary = resolveWeightSpaceSize(family, size, b);
      } catch (e) {
        issues.add([...p, 'index' in size ? 'index' : 'params'], `no ${mf} model for it: ${describe(e)}`);
        return;
      }
      const key = canonicalJson(summary.dims);
      const first = seen.get(key);
      if (first !== undefined) {
        issues.add(p, `gives the same ${mf} dims as ${formatPath(sizePath(spec, first))} (${key}); remove one or choose another size`);
        return;
      }
      seen.set(key, i);
      resolved.push({ label: size.label, summary });
    });
    out.set(mf, resolved);
  }
  return out;
}

/** Resolve every model size for every model family in use; problems name the modelSizes entry. */
function resolveSizes(
  spec: NormalizedSweepSpec,
  sizes: readonly ModelSizeSpec[],
  shapes: TaskShapes,
  deps: SweepDeps,
  issues: IssueList,
): Map<string, ResolvedSize[]> {
  if (benchmarkKindOf(spec.benchmark) === 'weight-space') return resolveWeightSpaceSizes(spec, sizes, issues);
  const out = new Map<string, ResolvedSize[]>();
  const modelFamilies = [...new Set(spec.families.map((f) => findPlannedFamily('rigid-body', f)!.modelFamily as FamilyName))];
  for (const mf of modelFamilies) {
    const resolved: ResolvedSize[] = [];
    const seen = new Map<string, number>();
    sizes.forEach((size, i) => {
      const p = sizePath(spec, i);
      let dims: ModelDims | undefined;
      try {
        if ('index' in size) dims = deps.sizeLadder(mf, size.index);
        else if ('params' in size) dims = deps.dimsForParams(mf, size.params, shapes);
        else dims = explicitDims(size, mf);
      } catch (e) {
        const field = 'index' in size ? 'index' : 'params' in size ? 'params' : 'dims';
        issues.add([...p, field], `no ${mf} model for it: ${describe(e)}`);
        return;
      }
      if (!dims) {
        issues.add([...p, 'dims', mf], `missing; give ${mf} dims`);
        return;
      }
      const options = spec.models?.[mf];
      if (options) dims = { ...dims, ...options } as ModelDims;
      let summary: ResolvedModel;
      try {
        const m = deps.summarize(dims, shapes);
        summary = { dims: trialDims(m.dims), paramCount: m.paramCount, nominalFlopsPerSample: m.nominalFlopsPerSample, executedFlopsPerSample: m.executedFlopsPerSample };
      } catch (e) {
        issues.add(p, `cannot build ${mf} model ${canonicalJson(dims)}: ${describe(e)}`);
        return;
      }
      const key = canonicalJson(summary.dims);
      const first = seen.get(key);
      if (first !== undefined) {
        issues.add(
          p,
          `gives the same ${mf} dims as ${formatPath(sizePath(spec, first))} (${key}); remove one or choose another size`,
        );
        return;
      }
      seen.set(key, i);
      resolved.push({ label: size.label, summary });
    });
    out.set(mf, resolved);
  }
  return out;
}

function resolveLr(settings: FamilySettings, steps: number): TrialLrSchedule {
  const lr = settings.lr;
  const warmupSteps = lr.warmupSteps ?? Math.floor((lr.warmupFraction ?? 0) * steps);
  return { peak: lr.peak, kind: lr.kind, warmupSteps, minRatio: lr.minRatio, cooldownFraction: lr.cooldownFraction };
}

/**
 * Validate and normalize `spec`, resolve model sizes through the models lib and list every cell.
 * Throws SweepSpecError naming the field when a size cannot be built, two sizes collide, or (tooFewSteps:
 * refuse) an iso-FLOP budget buys too few steps for some cell.
 */
export function planSweep(spec: unknown, deps: SweepDeps = defaultSweepDeps): SweepPlan {
  const s = normalizeSpec(spec, deps);
  const issues = new IssueList();
  const kind = benchmarkKindOf(s.benchmark);
  let shapes: TaskShapes | null = null;
  let benchmark: BenchmarkRef;
  if (kind === 'weight-space') {
    benchmark = deepFreeze({ name: kind, configHash: weightSpaceBenchmarkHash(s.benchmark as WeightSpaceSpecBenchmark) });
  } else {
    const benchmarkConfig = deepFreeze(structuredClone(s.benchmark as BenchmarkConfig));
    shapes = deps.taskShapes(benchmarkConfig);
    benchmark = deepFreeze({ name: 'rigid-body', configHash: benchmarkConfigHash(benchmarkConfig) });
  }
  const sizes = isGridSpec(s) ? s.modelSizes : s.design.modelSizes;
  const points = isGridSpec(s) ? s.steps.length * s.trainSizes.length : s.design.budgets.length;
  const count = s.families.length * sizes.length * points * s.seeds.length;
  if (count > MAX_CELLS) {
    throw new SweepSpecError([
      { path: '', message: `the sweep would have ${count} cells (more than ${MAX_CELLS}); shorten some axes` },
    ]);
  }
  const resolved = resolveSizes(s, sizes, shapes!, deps, issues);
  issues.throwIfAny();

  /** A family's model of a size: the model family's dims plus the family's own options (gatr+approx, transformer+lps). */
  const familySize = (family: string, size: ResolvedSize, i: number): ResolvedSize | null => {
    const method = findSweepFamily(family)?.method;
    const o = s.familyOptions;
    const extra: Partial<ModelDims> | null =
      method === 'approx' ? { approxInputs: o!['gatr+approx']!.inputs } : method === 'lps' ? { lps: { ...o!['transformer+lps']! } } : null;
    if (!extra) return size;
    const dims = { ...modelDims({ dims: size.summary.dims }), ...extra } as ModelDims;
    try {
      const m = deps.summarize(dims, shapes!);
      return { label: size.label, summary: { dims: trialDims(m.dims), paramCount: m.paramCount, nominalFlopsPerSample: m.nominalFlopsPerSample, executedFlopsPerSample: m.executedFlopsPerSample } };
    } catch (e) {
      issues.add(sizePath(s, i), `cannot build ${family} model ${canonicalJson(dims)}: ${describe(e)}`);
      return null;
    }
  };

  const cells: Trial[] = [];
  const dropped: DroppedCell[] = [];
  for (const family of s.families) {
    const fam = findPlannedFamily(kind, family)!;
    const settings = s.perFamily[family]!;
    for (const [sizeIndex, modelSize] of resolved.get(fam.modelFamily)!.entries()) {
      const size = familySize(family, modelSize, sizeIndex);
      if (!size) continue;
      const base = (steps: number, trainSize: number, seed: number, cellKey: string, flopBudget: number | null): Trial => ({
        cellKey,
        family,
        modelFamily: fam.modelFamily,
        augment: fam.augment,
        ...(fam.augmentGroup && fam.augmentGroup !== 'e3' ? { augmentGroup: fam.augmentGroup } : {}),
        sizeLabel: size.label,
        dims: size.summary.dims,
        benchmark,
        training: {
          batchSize: settings.batchSize,
          lr: resolveLr(settings, steps),
          gradClip: settings.gradClip,
          evalEvery: s.eval.every,
          evalExamples: s.eval.examples,
          checkpointEvery: s.checkpointEvery,
          checkpointAt: [],
          ...(s.eval.earlyStopping ? { earlyStopping: { ...s.eval.earlyStopping } } : {}),
        },
        seed,
        steps,
        trainSize,
        plan: {
          paramCount: size.summary.paramCount,
          nominalFlopsPerSample: size.summary.nominalFlopsPerSample,
          nominalFlops: size.summary.nominalFlopsPerSample * settings.batchSize * steps,
          executedFlops: size.summary.executedFlopsPerSample * settings.batchSize * steps,
          ...(flopBudget === null ? {} : { flopBudget }),
          spentNominalFlops: size.summary.nominalFlopsPerSample * settings.batchSize * steps,
        },
        role: 'run',
      });
      if (isGridSpec(s)) {
        for (const steps of s.steps) {
          for (const n of s.trainSizes) {
            for (const seed of s.seeds) {
              cells.push(base(steps, n, seed, `${family}/${size.label}/steps${steps}/n${n}/seed${seed}`, null));
            }
          }
        }
        continue;
      }
      const d = s.design;
      const perStep = size.summary.nominalFlopsPerSample * settings.batchSize;
      const fixedWarmup = settings.lr.warmupSteps;
      const minSteps = Math.max(d.minSteps, fixedWarmup === undefined ? 1 : fixedWarmup + 1);
      for (const budget of d.budgets) {
        const steps = Math.round(budget / perStep);
        const keyOf = (seed: number) => `${family}/${size.label}/C${exponential(budget)}/n${d.trainSize}/seed${seed}`;
        if (steps > MAX_INT32) {
          issues.add(
            ['design', 'budgets'],
            `budget ${budget} gives ${family} size ${size.label} ${steps} steps (more than ${MAX_INT32}); lower the budget or use larger sizes`,
          );
          continue;
        }
        if (steps < minSteps) {
          const why =
            `budget ${exponential(budget)} FLOPs buys ${family} size ${size.label} only ${steps} steps ` +
            `(${exponential(size.summary.nominalFlopsPerSample)} FLOPs per sample × batch ${settings.batchSize}; ` +
            `needs >= ${minSteps}${fixedWarmup !== undefined && minSteps === fixedWarmup + 1 ? ` to get past ${fixedWarmup} warmup steps` : ''})`;
          if (d.tooFewSteps === 'drop') {
            for (const seed of s.seeds) {
              dropped.push({ cellKey: keyOf(seed), family, sizeLabel: size.label, flopBudget: budget, steps, reason: why });
            }
          } else {
            issues.add(
              ['design', 'budgets'],
              `${why}; raise the budget, remove the size, or set design.tooFewSteps: drop`,
            );
          }
          continue;
        }
        for (const seed of s.seeds) cells.push(base(steps, d.trainSize, seed, keyOf(seed), budget));
      }
    }
  }
  issues.throwIfAny();
  const wsd = applyWsd(cells, (f) => s.perFamily[f]!, (f) => wsdLrPath(spec, f), issues);
  issues.throwIfAny();
  const cloneAt = s.families.indexOf(CLONE_FAMILY);
  const planned = cloneAt < 0 ? wsd : applyClone(wsd, s.familyOptions!['transformer+clone']!.fraction, cloneAt, issues);
  issues.throwIfAny();
  const keys = new Set(planned.map((c) => c.cellKey));
  if (keys.size !== planned.length) throw new Error('planSweep: internal error, cell keys are not unique');
  return { spec: s, specHash: sha256Hex(canonicalJson(s)), cells: planned, dropped };
}

/** Where a family's lr settings were written: perFamily.<family>.lr if it sets cooldownFraction there, else training.lr. */
function wsdLrPath(spec: unknown, family: string): PathSegment[] {
  const own = (spec as { perFamily?: Record<string, { lr?: { cooldownFraction?: unknown } }> } | null)?.perFamily?.[family];
  return own?.lr?.cooldownFraction !== undefined ? ['perFamily', family, 'lr'] : ['training', 'lr'];
}

/** The cells of a spec (see planSweep; cells dropped by an iso-FLOP design are only listed there). */
export function expandSweep(spec: unknown, deps: SweepDeps = defaultSweepDeps): TrialCell[] {
  return planSweep(spec, deps).cells;
}
