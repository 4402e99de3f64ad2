/**
 * Config of the weight-space benchmark: which INRs (implicit neural representations: small MLPs x -> f(x)) are
 * fitted to which random sine waves, how, and what the task regresses. Validation fills in defaults and throws one
 * line naming the field and the fix.
 */
import { createHash } from 'node:crypto';

export const TARGET_NAMES = ['frequency', 'amplitude'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface WeightSpaceConfig {
  /** Hidden layer widths of every INR: 1 -> hidden[0] -> ... -> 1 (1 to 3 layers, each 2..64). */
  hidden: number[];
  /** Pointwise activation of the INRs' hidden layers. */
  activation: 'sine' | 'relu';
  /** The wave f(x) = A sin(2 pi nu x + phi) on x in [-1, 1]: nu uniform in [freqMin, freqMax] (cycles per unit). */
  freqMin: number;
  freqMax: number;
  /** A uniform in [ampMin, ampMax]; phi uniform in [0, 2 pi). */
  ampMin: number;
  ampMax: number;
  /** Equispaced sample points of [-1, 1] the INR is fitted on. */
  points: number;
  /** Full-batch Adam steps and learning rate of each fit. */
  fitSteps: number;
  fitLr: number;
  /** What the model regresses from the weights (subset of TARGET_NAMES, kept in this order), each standardized by its sampling distribution. */
  targets: TargetName[];
  valExamples: number;
  testExamples: number;
  seed: number;
}

export function defaultWeightSpaceConfig(): WeightSpaceConfig {
  return {
    hidden: [16, 16],
    activation: 'sine',
    freqMin: 0.5,
    freqMax: 3,
    ampMin: 0.5,
    ampMax: 1.5,
    points: 32,
    fitSteps: 100,
    fitLr: 0.02,
    targets: ['frequency', 'amplitude'],
    valExamples: 512,
    testExamples: 512,
    seed: 0,
  };
}

const KEYS = Object.keys(defaultWeightSpaceConfig()) as (keyof WeightSpaceConfig)[];

function fail(field: string, problem: string, fix: string): never {
  throw new Error(`weight-space.${field} ${problem}; ${fix}`);
}

/** The config with defaults filled in (a new object), or an Error whose message is one line naming the field. */
export function validateWeightSpaceConfig(raw: unknown): WeightSpaceConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('(config)', 'must be an object', 'pass e.g. { seed: 0 }');
  const given = raw as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    if (k === 'kind') continue; // a spec's benchmark block carries its kind beside the config
    if (!(KEYS as string[]).includes(k)) fail(k, 'is not a weight-space config field', `use one of: ${KEYS.join(', ')}`);
  }
  const c = { ...defaultWeightSpaceConfig(), ...Object.fromEntries(Object.entries(given).filter(([k, v]) => k !== 'kind' && v !== undefined)) } as Record<string, unknown>;
  const int = (k: string, lo: number, hi: number): number => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) fail(k, `must be an integer in [${lo}, ${hi}] (got ${JSON.stringify(v)})`, `e.g. ${JSON.stringify((defaultWeightSpaceConfig() as unknown as Record<string, unknown>)[k])}`);
    return v;
  };
  const num = (k: string, lo: number, hi: number): number => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) fail(k, `must be a number in [${lo}, ${hi}] (got ${JSON.stringify(v)})`, `e.g. ${JSON.stringify((defaultWeightSpaceConfig() as unknown as Record<string, unknown>)[k])}`);
    return v;
  };
  const hidden = c.hidden;
  if (!Array.isArray(hidden) || hidden.length < 1 || hidden.length > 3 || !hidden.every((h) => Number.isInteger(h) && h >= 2 && h <= 64)) {
    fail('hidden', `must list 1 to 3 hidden widths, each an integer in [2, 64] (got ${JSON.stringify(hidden)})`, 'e.g. [16, 16]');
  }
  if (c.activation !== 'sine' && c.activation !== 'relu') fail('activation', `must be "sine" or "relu" (got ${JSON.stringify(c.activation)})`, 'use "sine"');
  const fMin = num('freqMin', 0, 100);
  const fMax = num('freqMax', 0, 100);
  if (fMax < fMin) fail('freqMax', `(${fMax}) is below freqMin (${fMin})`, 'raise freqMax or lower freqMin');
  const aMin = num('ampMin', 0, 100);
  const aMax = num('ampMax', 0, 100);
  if (aMax < aMin) fail('ampMax', `(${aMax}) is below ampMin (${aMin})`, 'raise ampMax or lower ampMin');
  int('points', 2, 4096);
  int('fitSteps', 0, 100000);
  num('fitLr', 0, 10);
  const targets = c.targets;
  if (!Array.isArray(targets) || targets.length === 0 || targets.some((t) => !(TARGET_NAMES as readonly string[]).includes(t)) || new Set(targets).size !== targets.length) {
    fail('targets', `must be a non-empty list of distinct names from ${TARGET_NAMES.join(', ')} (got ${JSON.stringify(targets)})`, 'e.g. ["frequency"]');
  }
  int('valExamples', 0, 1e6);
  int('testExamples', 0, 1e6);
  int('seed', 0, Number.MAX_SAFE_INTEGER);
  const ordered = TARGET_NAMES.filter((t) => (targets as string[]).includes(t));
  return { ...(c as unknown as WeightSpaceConfig), hidden: [...(hidden as number[])], targets: ordered };
}

/** JSON with object keys sorted recursively. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** sha256 (hex) of the validated config with defaults filled in. */
export function weightSpaceConfigHash(cfg: WeightSpaceConfig): string {
  return createHash('sha256').update(canonicalJson(validateWeightSpaceConfig(cfg))).digest('hex');
}
