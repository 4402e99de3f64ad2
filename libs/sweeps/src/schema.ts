/**
 * The zod schema of a sweep spec as a researcher writes it (YAML or JSON). Only per-field shape and range
 * checks live here; checks across fields (duplicates, design-dependent fields, benchmark) are in
 * normalize.ts. Every error message names what was expected and what was found.
 */
import { z } from 'zod';
import { ALL_FAMILY_NAMES } from './benchmarks.js';
import { oneOfHint, show } from './issues.js';

/** Largest step count, train size or seed: fits a Postgres integer column. */
export const MAX_INT32 = 2 ** 31 - 1;

type Iss = { code?: string; input?: unknown; keys?: string[] };

function expectErr(desc: string) {
  return (iss: Iss) =>
    iss.input === undefined ? `missing; set it to ${desc}` : `expected ${desc}, got ${show(iss.input)}`;
}

interface NumOpts {
  int?: boolean;
  min?: number;
  /** min is exclusive */
  gt?: boolean;
  max?: number;
  /** max is exclusive */
  lt?: boolean;
}

/** A finite number with range checks, all failing with "expected <desc>, got <value>". */
export function num(desc: string, o: NumOpts = {}) {
  const error = expectErr(desc);
  let s = z.number({ error });
  if (o.int) s = s.int({ error });
  if (o.min !== undefined) s = o.gt ? s.gt(o.min, { error }) : s.gte(o.min, { error });
  if (o.max !== undefined) s = o.lt ? s.lt(o.max, { error }) : s.lte(o.max, { error });
  return s;
}

export const positiveInt = (desc = 'a positive integer') => num(desc, { int: true, min: 1, max: MAX_INT32 });
export const nonNegativeInt = (desc = 'an integer >= 0') => num(desc, { int: true, min: 0, max: MAX_INT32 });

export const KEY_SEP = '\u001f';
export const ENTRY_SEP = '\u001e';

/** A strict mapping: unknown fields are refused with the allowed names and a typo suggestion. */
export function obj<S extends z.ZodRawShape>(shape: S, desc = 'a mapping') {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss: Iss) => {
      if (iss.code === 'unrecognized_keys') {
        // one entry per key; specIssuesFromZod splits them into one issue per unknown field
        return (iss.keys ?? [])
          .map((k) => `${k}${KEY_SEP}unknown field; ${oneOfHint(k, allowed).replace('use one of', 'allowed fields are')}`)
          .join(ENTRY_SEP);
      }
      return expectErr(desc)(iss);
    },
  });
}

/** A non-empty list. */
export function list<T extends z.ZodType>(item: T, desc: string) {
  return z
    .array(item, { error: expectErr(`a list of ${desc}`) })
    .min(1, { error: () => `empty; list at least one value (${desc})` });
}

export const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

// the names are checked against the spec's benchmark (benchmark.kind) in normalize (./benchmarks.ts)
const familyName = z.string({ error: expectErr(`a family name (${ALL_FAMILY_NAMES.join(', ')})`) });

export const LR_KINDS = ['cosine', 'constant-cooldown', 'wsd'] as const;
export const COOLDOWN_SHAPES = ['linear', '1-sqrt'] as const;

/** A learning-rate schedule; every field optional here because layers (built-in, training, perFamily) merge. */
export const lrSchema = obj(
  {
    peak: num('a learning rate > 0', { min: 0, gt: true, max: 10 }),
    kind: z.enum(LR_KINDS, {
      error: (iss: Iss) => `expected one of ${LR_KINDS.join(', ')}, got ${show(iss.input)}`,
    }),
    warmupSteps: nonNegativeInt('a number of warmup steps (integer >= 0)'),
    warmupFraction: num('a fraction of the steps in [0, 1)', { min: 0, max: 1, lt: true }),
    minRatio: num('a ratio of the peak in [0, 1]', { min: 0, max: 1 }),
    cooldownFraction: num('a fraction of the steps in [0, 1]', { min: 0, max: 1 }),
    cooldownShape: z.enum(COOLDOWN_SHAPES, {
      error: (iss: Iss) => `expected one of ${COOLDOWN_SHAPES.join(', ')}, got ${show(iss.input)}`,
    }),
  },
  'a learning-rate schedule mapping (peak, kind, warmupSteps or warmupFraction, minRatio, cooldownFraction, cooldownShape)',
).partial();

export const trainingSchema = obj(
  {
    batchSize: positiveInt('a batch size (positive integer)'),
    lr: lrSchema,
    gradClip: num('a gradient-clipping norm >= 0 (0 disables)', { min: 0 }),
  },
  'a mapping of training settings (batchSize, lr, gradClip)',
).partial();

export const transformerDimsSchema = obj(
  {
    family: z.literal('transformer', { error: expectErr('"transformer" (or leave it out)') }).optional(),
    width: positiveInt(),
    depth: positiveInt(),
    heads: positiveInt(),
    mlpRatio: num('a positive number', { min: 0, gt: true, max: 64 }),
  },
  'transformer dims (width, depth, heads, mlpRatio)',
);

export const gatrDimsSchema = obj(
  {
    family: z.literal('gatr', { error: expectErr('"gatr" (or leave it out)') }).optional(),
    mvChannels: positiveInt(),
    sChannels: positiveInt(),
    blocks: positiveInt(),
    heads: positiveInt(),
  },
  'GATr dims (mvChannels, sChannels, blocks, heads)',
);

export const OUTPUT_MODES = ['rigid', 'vertex'] as const;
export const ATTENTION_VARIANTS = ['sdp', 'distance'] as const;
export const REFLECTION_HANDLING = ['symmetrize', 'ignore'] as const;
const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (iss: Iss) => `expected one of ${values.join(', ')}, got ${show(iss.input)}` });

/**
 * Architecture options per model family, applied to every model size of the sweep (models lib api.ts):
 * transformer { output }, gatr { output, attention, reflections }. Absent fields keep the models' defaults
 * (output rigid, attention sdp, reflections symmetrize).
 */
export const modelOptionsSchema = obj(
  {
    transformer: obj({ output: choice(OUTPUT_MODES) }, 'transformer options { output: rigid | vertex }').partial().optional(),
    gatr: obj(
      { output: choice(OUTPUT_MODES), attention: choice(ATTENTION_VARIANTS), reflections: choice(REFLECTION_HANDLING) },
      'GATr options { output: rigid | vertex, attention: sdp | distance, reflections: symmetrize | ignore }',
    )
      .partial()
      .optional(),
  },
  'a mapping from model family (transformer, gatr) to architecture options',
);

/**
 * Options of issue 16's families (absent fields get DEFAULT_FAMILY_OPTIONS in normalize.ts):
 * gatr+approx { inputs } (models GatrDims.approxInputs), transformer+lps { samples, hidden, noise } (models LpsOptions),
 * transformer+clone { fraction } (the share of a student's steps spent imitating its teacher; libs/sweeps clone.ts).
 */
export const familyOptionsSchema = obj(
  {
    'gatr+approx': obj(
      { inputs: num('a number of learned fixed inputs (integer 1..64)', { int: true, min: 1, max: 64 }) },
      'gatr+approx options { inputs }',
    )
      .partial()
      .optional(),
    'transformer+lps': obj(
      {
        samples: num('a number of frames k per example (integer 1..64)', { int: true, min: 1, max: 64 }),
        hidden: num('a hidden width of the frame network (integer 1..4096)', { int: true, min: 1, max: 4096 }),
        noise: num('a number of noise channels per vertex (integer 1..64)', { int: true, min: 1, max: 64 }),
      },
      'transformer+lps options { samples, hidden, noise }',
    )
      .partial()
      .optional(),
    'transformer+clone': obj(
      { fraction: num('a fraction of the steps spent imitating the teacher (0 < fraction < 1)', { min: 0, gt: true, max: 1, lt: true }) },
      'transformer+clone options { fraction }',
    )
      .partial()
      .optional(),
  },
  'a mapping from family (gatr+approx, transformer+lps, transformer+clone) to its options',
);

/** Explicit dims, keyed by model family (transformer+augment uses the transformer dims). */
export const explicitDimsSchema = obj(
  { transformer: transformerDimsSchema.optional(), gatr: gatrDimsSchema.optional() },
  'a mapping from model family (transformer, gatr) to dims',
);

export const modelSizeSchema = obj(
  {
    index: nonNegativeInt('a size-ladder index (integer >= 0)').optional(),
    params: positiveInt('a target parameter count (positive integer)').optional(),
    dims: explicitDimsSchema.optional(),
    label: z
      .string({ error: expectErr('a label (letters, digits, ".", "_", "-")') })
      .regex(LABEL_RE, { error: expectErr('a label of letters, digits, ".", "_", "-" (no "/" or spaces)') })
      .max(40, { error: expectErr('a label of at most 40 characters') })
      .optional(),
  },
  'a model size: { index: 3 }, { params: 100000 } or { label: ..., dims: { transformer: ..., gatr: ... } }',
);

export const TOO_FEW_STEPS = ['refuse', 'drop'] as const;

export const designSchema = obj(
  {
    kind: z.enum(['grid', 'isoflop'], {
      error: (iss: Iss) =>
        iss.input === undefined ? 'missing; set it to grid or isoflop' : `expected grid or isoflop, got ${show(iss.input)}`,
    }),
    budgets: list(num('a FLOP budget > 0', { min: 0, gt: true }), 'FLOP budgets > 0').optional(),
    modelSizes: list(modelSizeSchema, 'model sizes').optional(),
    trainSize: positiveInt('a training-set size in examples (positive integer)').optional(),
    minSteps: positiveInt('a minimum step count (positive integer)').optional(),
    tooFewSteps: z
      .enum(TOO_FEW_STEPS, { error: (iss: Iss) => `expected refuse or drop, got ${show(iss.input)}` })
      .optional(),
  },
  'a design mapping: { kind: grid } or { kind: isoflop, budgets, modelSizes, trainSize }',
);

export const sweepSpecSchema = obj(
  {
    name: z
      .string({ error: expectErr('a slug such as "gatr-vs-transformer"') })
      .max(63, { error: expectErr('a slug of at most 63 characters') })
      .regex(SLUG_RE, { error: expectErr('a slug: lower-case letters and digits separated by single "-"') }),
    benchmark: z
      .record(z.string(), z.unknown(), { error: expectErr('a mapping: the benchmark kind (rigid-body or weight-space) and its config fields to override') })
      .optional(),
    families: list(familyName, `family names (${ALL_FAMILY_NAMES.join(', ')})`),
    training: trainingSchema.optional(),
    perFamily: z
      .record(z.string(), trainingSchema, { error: expectErr('a mapping from family name to training settings') })
      .optional(),
    design: designSchema.optional(),
    models: modelOptionsSchema.optional(),
    familyOptions: familyOptionsSchema.optional(),
    modelSizes: list(modelSizeSchema, 'model sizes').optional(),
    steps: list(positiveInt('a step count (positive integer)'), 'step counts').optional(),
    trainSizes: list(positiveInt('a training-set size in examples (positive integer)'), 'training-set sizes').optional(),
    seeds: list(nonNegativeInt('a seed (integer >= 0)'), 'seeds'),
    eval: obj(
      {
        every: nonNegativeInt('steps between evaluations (integer >= 0; 0: only at the end)'),
        examples: nonNegativeInt('a number of validation examples (integer >= 0)'),
        earlyStopping: obj(
          {
            patience: num('a number of evaluations without improvement that ends training (integer 1..1000)', { int: true, min: 1, max: 1000 }),
            minImprovement: num('a relative improvement of the best validation loss in [0, 1), e.g. 0.01', { min: 0, max: 1, lt: true }),
          },
          'an early-stopping mapping { patience, minImprovement }, e.g. { patience: 3, minImprovement: 0.01 }',
        ),
      },
      'an eval mapping { every, examples, earlyStopping }',
    )
      .partial()
      .optional(),
    checkpointEvery: nonNegativeInt('steps between checkpoints (integer >= 0; 0: only when stopping)').optional(),
    maxAttempts: num('a number of attempts per cell (integer 1..100)', { int: true, min: 1, max: 100 }).optional(),
  },
  'a sweep spec mapping',
);

/** A sweep spec as written (before defaults). */
export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
export type ParsedSweepSpec = z.output<typeof sweepSpecSchema>;
export type LrInput = z.output<typeof lrSchema>;
export type TrainingInput = z.output<typeof trainingSchema>;
export type ModelSizeInput = z.output<typeof modelSizeSchema>;
