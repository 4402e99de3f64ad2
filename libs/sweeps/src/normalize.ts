/**
 * normalizeSpec: validate a spec (any JSON-like value) and return it with every default filled in, in
 * canonical key order. The result is itself a valid spec and normalizing it again returns an equal value,
 * so specHash (sha256 of its canonical JSON) does not depend on formatting, key order, the order of numeric
 * axis values, or whether a default was written out.
 */
import type { z } from 'zod';
import type { BenchmarkConfig } from '@equiscale/rigid-body';
import { LPS_DEFAULT_HIDDEN, LPS_DEFAULT_NOISE, LPS_DEFAULT_SAMPLES, type GatrDims, type LpsOptions, type TransformerDims } from '@equiscale/models/accounting';
import { defaultSweepDeps, type SweepDeps } from './deps.js';
import { findSweepFamily, SWEEP_FAMILY_NAMES } from './families.js';
import { ALL_FAMILY_NAMES, familyNamesOf, findPlannedFamily, normalizeWeightSpaceBenchmark, specBenchmarkKind, type BenchmarkKind, type WeightSpaceSpecBenchmark } from './benchmarks.js';
import { IssueList, SweepSpecError, formatPath, oneOfHint, show, type PathSegment } from './issues.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { compactCount } from './labels.js';
import {
  ENTRY_SEP,
  KEY_SEP,
  sweepSpecSchema,
  type LrInput,
  type ModelSizeInput,
  type ParsedSweepSpec,
  type TrainingInput,
} from './schema.js';

export interface LrSpec {
  peak: number;
  kind: 'cosine' | 'constant-cooldown' | 'wsd';
  /** exactly one of warmupSteps / warmupFraction is set */
  warmupSteps?: number;
  /** warmup steps of a cell = floor(warmupFraction * steps) */
  warmupFraction?: number;
  minRatio: number;
  cooldownFraction: number;
  /** wsd only (absent otherwise, so other specs keep their hash): "linear" (default) or "1-sqrt" */
  cooldownShape?: 'linear' | '1-sqrt';
}

export interface FamilySettings {
  batchSize: number;
  lr: LrSpec;
  gradClip: number;
}

export type TransformerDimsSpec = Omit<TransformerDims, 'family'>;
export type GatrDimsSpec = Omit<GatrDims, 'family'>;
export interface ExplicitDimsSpec {
  transformer?: TransformerDimsSpec;
  gatr?: GatrDimsSpec;
}

export type ModelSizeSpec =
  | { label: string; index: number }
  | { label: string; params: number }
  | { label: string; dims: ExplicitDimsSpec };

export interface GridDesign {
  kind: 'grid';
}

export interface IsoflopDesign {
  kind: 'isoflop';
  /** total training FLOPs per cell (nominal accounting), ascending */
  budgets: number[];
  modelSizes: ModelSizeSpec[];
  trainSize: number;
  /** cells whose derived step count is below this are refused or dropped */
  minSteps: number;
  tooFewSteps: 'refuse' | 'drop';
}

/** Architecture options applied to every size of a model family (spec field `models`; absent: the models' defaults). */
export interface ModelOptionsSpec {
  transformer?: Pick<TransformerDims, 'output'>;
  gatr?: Pick<GatrDims, 'output' | 'attention' | 'reflections'>;
}

/** Options of issue 16's families, filled in for every listed family that has them (families.ts `method`). */
export interface FamilyOptionsSpec {
  /** gatr+approx: the number of learned fixed inputs (models GatrDims.approxInputs) */
  'gatr+approx'?: { inputs: number };
  /** transformer+lps: frames per example, frame-network width, noise channels (models TransformerDims.lps) */
  'transformer+lps'?: LpsOptions;
  /** transformer+clone: the share of a student's steps spent imitating its teacher (the rest fine-tune on labels) */
  'transformer+clone'?: { fraction: number };
}

export const DEFAULT_FAMILY_OPTIONS: Readonly<Required<FamilyOptionsSpec>> = Object.freeze({
  'gatr+approx': Object.freeze({ inputs: 2 }),
  'transformer+lps': Object.freeze({ samples: LPS_DEFAULT_SAMPLES, hidden: LPS_DEFAULT_HIDDEN, noise: LPS_DEFAULT_NOISE }),
  'transformer+clone': Object.freeze({ fraction: 0.5 }),
});

interface SpecCommon {
  name: string;
  /**
   * The benchmark: a rigid-body BenchmarkConfig (no `kind` key, so specs written before benchmarks were selectable
   * keep their hash), or `{ kind: 'weight-space', ...WeightSpaceConfig }` (libs/sweeps benchmarks.ts).
   */
  benchmark: BenchmarkConfig | WeightSpaceSpecBenchmark;
  families: string[];
  /** only present when the spec sets it (so specs without it hash as before) */
  models?: ModelOptionsSpec;
  /** only present when a listed family has options (gatr+approx, transformer+lps, transformer+clone), defaults filled in */
  familyOptions?: FamilyOptionsSpec;
  /** resolved settings of every listed family, in `families` order */
  perFamily: Record<string, FamilySettings>;
  seeds: number[];
  eval: EvalSpec;
  checkpointEvery: number;
  maxAttempts: number;
}

/** Periodic validation, and optionally early stopping on it. */
export interface EvalSpec {
  /** steps between validation evaluations (0: only at the end) */
  every: number;
  /** validation examples of a periodic evaluation (early stopping evaluates the whole validation split instead) */
  examples: number;
  /**
   * early stopping on the validation split (libs/models TrialConfig.earlyStopping), copied into every trial's
   * training settings; only present when the spec sets it (so specs without it hash as before)
   */
  earlyStopping?: { patience: number; minImprovement: number };
}

export interface NormalizedGridSpec extends SpecCommon {
  design: GridDesign;
  modelSizes: ModelSizeSpec[];
  steps: number[];
  trainSizes: number[];
}

export interface NormalizedIsoflopSpec extends SpecCommon {
  design: IsoflopDesign;
}

export type NormalizedSweepSpec = NormalizedGridSpec | NormalizedIsoflopSpec;

/** Narrows a normalized spec to the grid design (its axes are top-level fields). */
export function isGridSpec(spec: NormalizedSweepSpec): spec is NormalizedGridSpec {
  return spec.design.kind === 'grid';
}

/** Built-in training settings, under the spec's `training` and `perFamily` overrides. */
export const DEFAULT_TRAINING: Readonly<FamilySettings> = Object.freeze({
  batchSize: 64,
  lr: Object.freeze({
    peak: 1e-3,
    kind: 'cosine' as const,
    warmupFraction: 0.05,
    minRatio: 0.1,
    cooldownFraction: 0.2,
  }),
  gradClip: 1,
});
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Checkpoint every 500 steps unless the spec says otherwise, so a killed worker loses at most that much. */
export const DEFAULT_CHECKPOINT_EVERY = 500;
export const DEFAULT_EVAL_EVERY = 0;
export const DEFAULT_MIN_STEPS = 1;

/** Convert zod issues into spec issues (one per problem, path as written in the spec). */
export function specIssuesFromZod(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.flatMap((i) => {
    const path = i.path as PathSegment[];
    if (i.code === 'unrecognized_keys' && i.message.includes(KEY_SEP)) {
      return i.message.split(ENTRY_SEP).map((entry) => {
        const [key, message] = entry.split(KEY_SEP) as [string, string];
        return { path: formatPath([...path, key]), message };
      });
    }
    return [{ path: formatPath(path), message: i.message }];
  });
}

/**
 * Validate `input` and fill in defaults. Throws SweepSpecError listing every problem found (zod shape
 * problems first; cross-field problems once the shape is right).
 */
export function normalizeSpec(input: unknown, deps: SweepDeps = defaultSweepDeps): NormalizedSweepSpec {
  const parsed = sweepSpecSchema.safeParse(input);
  if (!parsed.success) throw new SweepSpecError(specIssuesFromZod(parsed.error));
  return checkAndFill(parsed.data, deps);
}

/** sha256 (hex) of the canonical JSON of the normalized spec. */
export function specHash(spec: unknown, deps: SweepDeps = defaultSweepDeps): string {
  return sha256Hex(canonicalJson(normalizeSpec(spec, deps)));
}

function duplicates(values: readonly unknown[], path: PathSegment[], issues: IssueList, what = 'value'): void {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const key = canonicalJson(v);
    const first = seen.get(key);
    if (first !== undefined) {
      issues.add(
        [...path, i],
        `duplicate ${what} ${show(v)} (same as ${formatPath([...path, first])}); remove one`,
      );
    } else seen.set(key, i);
  });
}

const ascending = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

function mergeBenchmark(
  override: Record<string, unknown> | undefined,
  deps: SweepDeps,
  issues: IssueList,
  kind: BenchmarkKind = 'rigid-body',
): BenchmarkConfig | WeightSpaceSpecBenchmark {
  if (kind === 'weight-space') {
    const r = normalizeWeightSpaceBenchmark(override ?? {});
    if ('benchmark' in r) return r.benchmark;
    issues.add(r.field ? ['benchmark', r.field] : ['benchmark'], r.problem);
    return { kind: 'weight-space' } as WeightSpaceSpecBenchmark;
  }
  // `kind: rigid-body` written out is the default: dropped, so the spec hashes as without it
  if (override && 'kind' in override) {
    const { kind: _kind, ...rest } = override;
    override = rest;
  }
  const base = structuredClone(deps.defaultBenchmarkConfig()) as unknown as Record<string, unknown>;
  const fields = Object.keys(base);
  const merged: Record<string, unknown> = { ...base };
  let bad = false;
  for (const [k, v] of Object.entries(override ?? {})) {
    if (!(k in base)) {
      issues.add(['benchmark', k], `unknown benchmark field; ${oneOfHint(k, fields)}`);
      bad = true;
    } else if (kindOf(v) !== kindOf(base[k])) {
      issues.add(
        ['benchmark', k],
        `expected ${kindOf(base[k])} (default ${JSON.stringify(base[k])}), got ${show(v)}`,
      );
      bad = true;
    } else merged[k] = structuredClone(v);
  }
  let cfg = merged as unknown as BenchmarkConfig;
  if (!bad) {
    try {
      cfg = deps.validateBenchmarkConfig(cfg);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // the rigid-body lib names the field as "BenchmarkConfig.<field> ..."; put it in the path
      const field = /^BenchmarkConfig\.([A-Za-z0-9_]+)/.exec(message)?.[1];
      issues.add(field && field in merged ? ['benchmark', field] : ['benchmark'], message);
    }
  }
  return cfg;
}

function hasWarmup(lr: LrInput | undefined): boolean {
  return lr !== undefined && (lr.warmupSteps !== undefined || lr.warmupFraction !== undefined);
}

function checkWarmupExclusive(lr: LrInput | undefined, path: PathSegment[], issues: IssueList): void {
  if (lr && lr.warmupSteps !== undefined && lr.warmupFraction !== undefined) {
    issues.add([...path, 'lr'], 'give either warmupSteps or warmupFraction, not both');
  }
}

interface ResolvedSettings {
  settings: FamilySettings;
  /** where warmupSteps was written, when it is a fixed step count */
  warmupStepsPath?: PathSegment[];
}

function resolveSettings(
  family: string,
  global: TrainingInput | undefined,
  own: TrainingInput | undefined,
): ResolvedSettings {
  const layers: [TrainingInput | undefined, PathSegment[]][] = [
    [global, ['training']],
    [own, ['perFamily', family]],
  ];
  const lr: LrSpec = { ...DEFAULT_TRAINING.lr };
  let batchSize = DEFAULT_TRAINING.batchSize;
  let gradClip = DEFAULT_TRAINING.gradClip;
  let warmupStepsPath: PathSegment[] | undefined;
  for (const [layer, path] of layers) {
    if (!layer) continue;
    if (layer.batchSize !== undefined) batchSize = layer.batchSize;
    if (layer.gradClip !== undefined) gradClip = layer.gradClip;
    const l = layer.lr;
    if (!l) continue;
    if (l.peak !== undefined) lr.peak = l.peak;
    if (l.kind !== undefined) lr.kind = l.kind;
    if (l.minRatio !== undefined) lr.minRatio = l.minRatio;
    if (l.cooldownFraction !== undefined) lr.cooldownFraction = l.cooldownFraction;
    if (l.cooldownShape !== undefined) lr.cooldownShape = l.cooldownShape;
    if (hasWarmup(l)) {
      delete lr.warmupSteps;
      delete lr.warmupFraction;
      if (l.warmupSteps !== undefined) {
        lr.warmupSteps = l.warmupSteps;
        warmupStepsPath = [...path, 'lr', 'warmupSteps'];
      } else {
        lr.warmupFraction = l.warmupFraction;
        warmupStepsPath = undefined;
      }
    }
  }
  const orderedLr: LrSpec = {
    peak: lr.peak,
    kind: lr.kind,
    ...(lr.warmupSteps !== undefined ? { warmupSteps: lr.warmupSteps } : { warmupFraction: lr.warmupFraction }),
    minRatio: lr.minRatio,
    cooldownFraction: lr.cooldownFraction,
    ...(lr.kind === 'wsd' ? { cooldownShape: lr.cooldownShape ?? 'linear' } : {}),
  };
  return { settings: { batchSize, lr: orderedLr, gradClip }, warmupStepsPath };
}

const TRANSFORMER_KEYS = ['width', 'depth', 'heads', 'mlpRatio'] as const;
const GATR_KEYS = ['mvChannels', 'sChannels', 'blocks', 'heads'] as const;

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = o[k];
  return out;
}

function normalizeSizes(
  sizes: ModelSizeInput[],
  path: PathSegment[],
  modelFamilies: readonly string[],
  families: readonly string[],
  issues: IssueList,
): ModelSizeSpec[] {
  const out: ModelSizeSpec[] = [];
  sizes.forEach((s, i) => {
    const p = [...path, i];
    const given = (['index', 'params', 'dims'] as const).filter((k) => s[k] !== undefined);
    if (given.length !== 1) {
      issues.add(
        p,
        given.length === 0
          ? 'give one of index (size-ladder rung), params (target parameter count) or dims (explicit per model family)'
          : `give only one of ${given.join(', ')}`,
      );
      return;
    }
    if (s.index !== undefined) out.push({ label: s.label ?? `s${s.index}`, index: s.index });
    else if (s.params !== undefined) out.push({ label: s.label ?? `p${compactCount(s.params)}`, params: s.params });
    else {
      const dims = s.dims!;
      if (s.label === undefined) {
        issues.add([...p, 'label'], 'missing; explicit dims need a label for cell keys, e.g. label: tiny');
      }
      const explicit: ExplicitDimsSpec = {};
      const weightSpace = modelFamilies.filter((mf) => mf === 'mlp' || mf === 'dwsnet');
      if (weightSpace.length) {
        issues.add([...p, 'dims'], `explicit dims are not supported for the weight-space families (${weightSpace.join(', ')}); use index (size-ladder rung) or params`);
      }
      for (const mf of modelFamilies) {
        const users = families.filter((f) => findSweepFamily(f)?.modelFamily === mf).join(', ');
        if (mf === 'transformer') {
          if (dims.transformer) explicit.transformer = pick(dims.transformer, TRANSFORMER_KEYS);
          else issues.add([...p, 'dims', 'transformer'], `missing; families ${users} need transformer dims`);
        } else if (mf === 'gatr') {
          if (dims.gatr) explicit.gatr = pick(dims.gatr, GATR_KEYS);
          else issues.add([...p, 'dims', 'gatr'], `missing; families ${users} need gatr dims`);
        }
      }
      out.push({ label: s.label ?? `d${i}`, dims: explicit });
    }
  });
  if (out.length === sizes.length) {
    duplicates(
      out.map((s) => s.label),
      path,
      issues,
      'size label',
    );
    duplicates(
      out.map(({ label: _label, ...rest }) => rest),
      path,
      issues,
      'model size',
    );
  }
  return out;
}

/**
 * eval.earlyStopping needs periodic evaluations (eval.every > 0), and cannot be used with WSD schedules (a trunk
 * must run to its branch points, and a branch is a fixed-length cooldown), on the weight-space benchmark (its
 * trainer has no early stopping) or with symmetry cloning (a teacher is used at its last step). One line each.
 */
function checkEarlyStopping(spec: ParsedSweepSpec, families: readonly string[], perFamily: Record<string, FamilySettings>, kind: BenchmarkKind, issues: IssueList): void {
  if (!spec.eval?.earlyStopping) return;
  const path: PathSegment[] = ['eval', 'earlyStopping'];
  if ((spec.eval.every ?? DEFAULT_EVAL_EVERY) === 0) {
    issues.add(['eval', 'every'], 'early stopping (eval.earlyStopping) stops on the periodic validation evaluations: set eval.every > 0 (e.g. 100), or remove eval.earlyStopping');
  }
  if (kind === 'weight-space') {
    issues.add(path, 'the weight-space trainer has no early stopping; remove eval.earlyStopping for the weight-space benchmark');
    return;
  }
  const wsd = families.filter((f) => perFamily[f]?.lr.kind === 'wsd');
  if (wsd.length > 0) {
    issues.add(path, `early stopping cannot be used with lr.kind wsd (families ${wsd.join(', ')}): a WSD trunk must run to its branch points; use lr.kind cosine or constant-cooldown, or remove eval.earlyStopping`);
  }
  const cloning = families.filter((f) => findSweepFamily(f)?.method === 'clone');
  if (cloning.length > 0) {
    issues.add(path, `early stopping cannot be used with symmetry cloning (${cloning.join(', ')}): its teacher is used at its last step; remove eval.earlyStopping or the family`);
  }
}

function checkAndFill(spec: ParsedSweepSpec, deps: SweepDeps): NormalizedSweepSpec {
  const issues = new IssueList();
  duplicates(spec.families, ['families'], issues, 'family');
  const families = [...new Set(spec.families)];
  const kindOrProblem = specBenchmarkKind(spec.benchmark);
  if ('problem' in kindOrProblem) issues.add(['benchmark', 'kind'], kindOrProblem.problem);
  // with an unknown kind, the families and the benchmark fields cannot be judged: that one line is the error
  const kindKnown = 'kind' in kindOrProblem;
  const kind = kindKnown ? kindOrProblem.kind : 'rigid-body';
  const known = familyNamesOf(kind);
  spec.families.forEach((f, i) => {
    if (findPlannedFamily(kind, f) || (!kindKnown && ALL_FAMILY_NAMES.includes(f))) return;
    issues.add(
      ['families', i],
      ALL_FAMILY_NAMES.includes(f)
        ? `${f} is not a ${kind} family; use one of ${known.join(', ')} (or set benchmark.kind)`
        : `unknown family ${show(f)}; ${oneOfHint(f, known)}`,
    );
  });
  const modelFamilies = [...new Set(families.map((f) => findPlannedFamily(kind, f)?.modelFamily).filter((x) => x !== undefined))];

  for (const k of Object.keys(spec.perFamily ?? {})) {
    if (!findPlannedFamily(kind, k) && (kindKnown || !ALL_FAMILY_NAMES.includes(k))) issues.add(['perFamily', k], `unknown family; ${oneOfHint(k, known.length ? [...known] : SWEEP_FAMILY_NAMES)}`);
  }
  checkWarmupExclusive(spec.training?.lr, ['training'], issues);
  const perFamily: Record<string, FamilySettings> = {};
  const warmupPaths: Record<string, PathSegment[] | undefined> = {};
  for (const f of families) {
    const own = spec.perFamily?.[f];
    checkWarmupExclusive(own?.lr, ['perFamily', f], issues);
    const r = resolveSettings(f, spec.training, own);
    perFamily[f] = r.settings;
    warmupPaths[f] = r.warmupStepsPath;
    const lr = r.settings.lr;
    if (lr.kind === 'wsd' && !(lr.cooldownFraction > 0 && lr.cooldownFraction < 1)) {
      issues.add(
        [...(own?.lr?.cooldownFraction !== undefined ? ['perFamily', f] : ['training']), 'lr', 'cooldownFraction'],
        `a wsd schedule needs a cooldown fraction in (0, 1), got ${lr.cooldownFraction} (family ${f}); e.g. 0.2`,
      );
    }
    if ((lr.kind === 'constant-cooldown' || lr.kind === 'wsd') && (lr.warmupFraction ?? 0) + lr.cooldownFraction > 1) {
      issues.add(
        own?.lr ? ['perFamily', f, 'lr'] : ['training', 'lr'],
        `warmupFraction ${lr.warmupFraction} + cooldownFraction ${lr.cooldownFraction} exceed 1 (family ${f}); lower one of them`,
      );
    }
  }

  const benchmark = kindKnown ? mergeBenchmark(spec.benchmark, deps, issues, kind) : deps.defaultBenchmarkConfig();
  if (kind === 'weight-space' && spec.models) issues.add(['models'], 'architecture options are for the rigid-body families (transformer, gatr); remove it for the weight-space benchmark');
  if (kind === 'weight-space') {
    // the weight-space trainer keeps no branch-point checkpoints (checkpointAt), so it runs no WSD trunks or branches
    for (const f of families) {
      if (perFamily[f]!.lr.kind !== 'wsd') continue;
      const own = spec.perFamily?.[f]?.lr?.kind !== undefined;
      issues.add(own ? ['perFamily', f, 'lr', 'kind'] : ['training', 'lr', 'kind'], `wsd is not supported on the weight-space benchmark (family ${f}); use cosine or constant-cooldown`);
      if (!own) break;
    }
  }

  const design = spec.design ?? { kind: 'grid' as const };
  let tail: Pick<NormalizedGridSpec, 'design' | 'modelSizes' | 'steps' | 'trainSizes'> | { design: IsoflopDesign };
  if (design.kind === 'grid') {
    for (const k of ['budgets', 'modelSizes', 'trainSize', 'minSteps', 'tooFewSteps'] as const) {
      if (design[k] !== undefined) {
        const hint =
          k === 'modelSizes'
            ? 'move it to the top-level modelSizes'
            : k === 'trainSize'
              ? 'use the top-level trainSizes list'
              : 'remove it';
        issues.add(['design', k], `only used with design kind isoflop; ${hint}`);
      }
    }
    const need = { modelSizes: 'a list of model sizes, e.g. [{ index: 0 }, { index: 1 }]', steps: 'a list of step counts, e.g. [1000, 4000]', trainSizes: 'a list of training-set sizes, e.g. [1024, 8192]' } as const;
    for (const k of Object.keys(need) as (keyof typeof need)[]) {
      if (spec[k] === undefined) issues.add([k], `missing; the grid design needs ${need[k]}`);
    }
    duplicates(spec.steps ?? [], ['steps'], issues, 'step count');
    duplicates(spec.trainSizes ?? [], ['trainSizes'], issues, 'training-set size');
    const modelSizes = normalizeSizes(spec.modelSizes ?? [], ['modelSizes'], modelFamilies, families, issues);
    const steps = ascending(spec.steps ?? []);
    if (steps.length > 0) {
      const reported = new Set<string>();
      for (const f of families) {
        const w = perFamily[f]!.lr.warmupSteps;
        const where = formatPath(warmupPaths[f] ?? ['training', 'lr', 'warmupSteps']);
        if (w !== undefined && w >= steps[0]! && !reported.has(where)) {
          reported.add(where);
          issues.add(where, `${w} warmup steps is not below the smallest step count ${steps[0]}; lower it or use warmupFraction`);
        }
      }
    }
    tail = { design: { kind: 'grid' }, modelSizes, steps, trainSizes: ascending(spec.trainSizes ?? []) };
  } else {
    for (const k of ['modelSizes', 'steps', 'trainSizes'] as const) {
      if (spec[k] !== undefined) {
        const hint =
          k === 'modelSizes'
            ? 'move it into design.modelSizes'
            : k === 'steps'
              ? 'steps are derived from design.budgets; remove it'
              : 'give one design.trainSize instead';
        issues.add([k], `not used with design kind isoflop; ${hint}`);
      }
    }
    const need = { budgets: 'a list of FLOP budgets, e.g. [1e15, 1e16]', modelSizes: 'a list of model sizes', trainSize: 'a training-set size in examples' } as const;
    for (const k of Object.keys(need) as (keyof typeof need)[]) {
      if (design[k] === undefined) issues.add(['design', k], `missing; the isoflop design needs ${need[k]}`);
    }
    duplicates(design.budgets ?? [], ['design', 'budgets'], issues, 'budget');
    const modelSizes = normalizeSizes(design.modelSizes ?? [], ['design', 'modelSizes'], modelFamilies, families, issues);
    tail = {
      design: {
        kind: 'isoflop',
        budgets: ascending(design.budgets ?? []),
        modelSizes,
        trainSize: design.trainSize ?? 0,
        minSteps: design.minSteps ?? DEFAULT_MIN_STEPS,
        tooFewSteps: design.tooFewSteps ?? 'refuse',
      },
    };
  }

  const familyOptions: FamilyOptionsSpec = {};
  for (const f of families) {
    if (!(f in DEFAULT_FAMILY_OPTIONS)) continue;
    const key = f as keyof FamilyOptionsSpec;
    (familyOptions as Record<string, object>)[key] = { ...DEFAULT_FAMILY_OPTIONS[key], ...(spec.familyOptions?.[key] ?? {}) };
  }

  checkEarlyStopping(spec, families, perFamily, kind, issues);
  duplicates(spec.seeds, ['seeds'], issues, 'seed');
  const valExamples = (benchmark as { valExamples?: unknown }).valExamples;
  const evalExamples = spec.eval?.examples ?? (typeof valExamples === 'number' ? valExamples : 0);
  if (spec.eval?.examples !== undefined && typeof valExamples === 'number' && spec.eval.examples > valExamples) {
    issues.add(
      ['eval', 'examples'],
      `${spec.eval.examples} is more than the benchmark's ${valExamples} validation examples; lower it or raise benchmark.valExamples`,
    );
  }
  issues.throwIfAny();

  return {
    name: spec.name,
    benchmark,
    families,
    ...(spec.models ? { models: spec.models } : {}),
    ...(Object.keys(familyOptions).length > 0 ? { familyOptions } : {}),
    perFamily,
    ...tail,
    seeds: ascending(spec.seeds),
    eval: {
      every: spec.eval?.every ?? DEFAULT_EVAL_EVERY,
      examples: evalExamples,
      ...(spec.eval?.earlyStopping ? { earlyStopping: { patience: spec.eval.earlyStopping.patience, minImprovement: spec.eval.earlyStopping.minImprovement } } : {}),
    },
    checkpointEvery: spec.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
    maxAttempts: spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  } as NormalizedSweepSpec;
}
