/**
 * Request validation. Every check names the field as the .proto spells it (e.g. `points[3].split`) and says
 * what is expected, and throws RpcError INVALID_ARGUMENT before anything is written.
 */
import type { MetricPoint } from '@equiscale/models/accounting';
import { invalidArgument, MAX_MESSAGE_BYTES, MAX_METRIC_POINTS_PER_BATCH, MAX_SPEC_BYTES, MAX_TEXT_CHARS, type SymmetryMeasures } from '@equiscale/contract';

export { MAX_SPEC_BYTES };
export const MAX_TEXT = MAX_TEXT_CHARS;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SPLITS = ['train', 'val', 'test'] as const;

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v);
  return String(v);
}

function bad(field: string, expected: string, got: unknown): never {
  throw invalidArgument(`${field}: expected ${expected}, got ${show(got)}`);
}

/** A database id: a positive safe integer. */
export function id(v: number, field: string): number {
  if (!Number.isSafeInteger(v) || v <= 0) bad(field, 'a positive integer id', v);
  return v;
}

export function leaseToken(v: string, field = 'lease_token'): string {
  if (typeof v !== 'string' || !UUID_RE.test(v)) bad(field, 'the UUID lease token of the claim', v);
  return v;
}

export function nonNegInt(v: number, field: string): number {
  if (!Number.isSafeInteger(v) || v < 0) bad(field, 'an integer >= 0', v);
  return v;
}

export function finite(v: number, field: string, opts: { min?: number } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(field, 'a finite number', v);
  if (opts.min !== undefined && v < opts.min) bad(field, `a number >= ${opts.min}`, v);
  return v;
}

/** An optional double: absent means an explicit null; present must be finite. */
export function finiteOrNull(v: number | undefined, field: string): number | null {
  if (v === undefined || v === null) return null;
  return finite(v, field);
}

/** A non-empty string of at most `max` characters. */
export function text(v: string, field: string, max = 200, what = 'a non-empty string'): string {
  if (typeof v !== 'string' || v.length === 0) bad(field, what, v);
  if (v.length > max) bad(field, `${what} of at most ${max} characters`, `${v.length} characters`);
  noNul(v, field, what);
  return v;
}

/** Postgres text cannot hold U+0000: refuse it here rather than fail in the database (UNKNOWN). */
function noNul(v: string, field: string, what: string): void {
  const at = v.indexOf('\u0000');
  if (at >= 0) throw invalidArgument(`${field}: expected ${what} without NUL characters, got one at index ${at}`);
}

/** A string that may be empty, at most `max` characters. */
export function optionalText(v: string, field: string, max = MAX_TEXT): string {
  if (typeof v !== 'string') bad(field, 'a string', v);
  if (v.length > max) bad(field, `at most ${max} characters`, `${v.length} characters`);
  noNul(v, field, 'a string');
  return v;
}

export function oneOf<T extends string>(v: string, field: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) bad(field, `one of ${allowed.join(', ')}`, v);
  return v as T;
}

export function metricPoints(
  points: { step: number; split: string; loss: number; samplesSeen: number; wallTimeS: number }[],
): MetricPoint[] {
  if (!Array.isArray(points)) bad('points', 'a list of metric points', points);
  if (points.length > MAX_METRIC_POINTS_PER_BATCH) {
    throw invalidArgument(`points: at most ${MAX_METRIC_POINTS_PER_BATCH} points per batch, got ${points.length}; send several batches`);
  }
  return points.map((p, i) => ({
    step: nonNegInt(p.step, `points[${i}].step`),
    split: oneOf(p.split, `points[${i}].split`, SPLITS),
    loss: finite(p.loss, `points[${i}].loss`),
    samplesSeen: nonNegInt(p.samplesSeen, `points[${i}].samples_seen`),
    wallTimeS: finite(p.wallTimeS, `points[${i}].wall_time_s`, { min: 0 }),
  }));
}

export function checkpointData(data: Uint8Array, field = 'data'): Uint8Array {
  if (!(data instanceof Uint8Array) || data.length === 0) bad(field, 'non-empty checkpoint bytes', `${data?.length ?? 0} bytes`);
  if (data.length > MAX_MESSAGE_BYTES) bad(field, `at most ${MAX_MESSAGE_BYTES} bytes`, `${data.length} bytes`);
  return data;
}

/** CompleteTrialRequest.stopping: where a trial with early stopping stopped (= steps) and its kept step (<= that). */
export function stopping(s: { stoppedStep: number; bestStep: number; stoppedEarly: boolean }, steps: number): { stoppedStep: number; bestStep: number; stoppedEarly: boolean } {
  if (s.stoppedStep !== steps) bad('stopping.stopped_step', `the steps trained (steps = ${steps})`, s.stoppedStep);
  if (!Number.isSafeInteger(s.bestStep) || s.bestStep < 1 || s.bestStep > s.stoppedStep) bad('stopping.best_step', `a step in [1, stopped_step = ${s.stoppedStep}]`, s.bestStep);
  if (typeof s.stoppedEarly !== 'boolean') bad('stopping.stopped_early', 'a boolean', s.stoppedEarly);
  return { stoppedStep: s.stoppedStep, bestStep: s.bestStep, stoppedEarly: s.stoppedEarly };
}

/** every SymmetryMeasures field with its .proto name (the type makes a new field fail here until it is listed) */
const SYMMETRY_FIELDS: Record<keyof SymmetryMeasures, string> = {
  exactValLoss: 'exact_val_loss',
  exactTestLoss: 'exact_test_loss',
  equivarianceErrorAfterClone: 'equivariance_error_after_clone',
  equivarianceErrorFinal: 'equivariance_error_final',
  teacherInferenceFlops: 'teacher_inference_flops',
};

/** CompleteTrialRequest.symmetry: each present measure finite and >= 0 (one line naming the field otherwise). */
export function symmetry(m: SymmetryMeasures): SymmetryMeasures {
  const out: SymmetryMeasures = {};
  for (const [k, field] of Object.entries(SYMMETRY_FIELDS) as [keyof SymmetryMeasures, string][]) {
    const x = m[k];
    if (x !== undefined) out[k] = finite(x, `symmetry.${field}`, { min: 0 });
  }
  return out;
}
