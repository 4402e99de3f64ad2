/** Benchmark configuration: defaults, validation with field-named errors, and a stable hash. */
import { createHash } from 'node:crypto';
import { MESH_NAMES } from './meshes.js';
import type { BenchmarkConfig } from './types.js';

/** Values used for the optional scene-sampling / physics fields of BenchmarkConfig when they are absent. */
export const SCENE_DEFAULTS = {
  scaleMin: 0.25,
  scaleMax: 1.0,
  dropHeightMin: 0.3,
  dropHeightMax: 1.5,
  spawnRadius: 1.2,
  maxLinearSpeed: 2.0,
  maxAngularSpeed: 4.0,
  friction: 0.5,
  restitution: 0.3,
  density: 1000,
  approachSpeed: 2.5,
} as const;

/**
 * The scene defaults before the collision benchmark (GENERATOR_VERSION 2, with framesPerScene 100, horizon 4,
 * the old scene ranges): almost free flight (see README "Contacts"). Kept for before/after measurements.
 */
export const FREE_FLIGHT_OVERRIDES = {
  framesPerScene: 100,
  horizon: 4,
  dropHeightMin: 0.5,
  dropHeightMax: 3.0,
  spawnRadius: 1.5,
  approachSpeed: 0,
} as const;

/**
 * A config with every optional field filled in (what generation and the hash use), except windStrength, which is
 * only present when it is not 0 (so a config without wind hashes, caches and generates as before the knob).
 */
export type ResolvedBenchmarkConfig = Required<Omit<BenchmarkConfig, 'windStrength'>> & { windStrength?: number };

/** Default of the symmetry-breaking wind (BenchmarkConfig.windStrength): none. */
export const DEFAULT_WIND_STRENGTH = 0;

/**
 * The default benchmark: 3–6 bodies from the whole mesh library thrown at each other (approachSpeed) from low
 * heights, 1/60 s steps, 80 frames per scene, predict 8 frames (133 ms) ahead from frames t−2 and t. On the test
 * split 93% of the examples have a contact of a moving body within the horizon, 43% a body–body contact (README).
 */
export function defaultBenchmarkConfig(): BenchmarkConfig {
  return {
    bodiesMin: 3,
    bodiesMax: 6,
    maxBodies: 6,
    meshes: [...MESH_NAMES],
    dt: 1 / 60,
    framesPerScene: 80,
    pastOffset: 2,
    horizon: 8,
    examplesPerScene: 8,
    gravity: 9.81,
    valExamples: 512,
    testExamples: 1024,
    seed: 0,
    ...SCENE_DEFAULTS,
    windStrength: DEFAULT_WIND_STRENGTH,
  };
}

const REQUIRED_KEYS = [
  'bodiesMin', 'bodiesMax', 'maxBodies', 'meshes', 'dt', 'framesPerScene', 'pastOffset', 'horizon',
  'examplesPerScene', 'gravity', 'valExamples', 'testExamples', 'seed',
] as const;
const KNOWN_KEYS = new Set<string>([...REQUIRED_KEYS, ...Object.keys(SCENE_DEFAULTS), 'windStrength']);

/** Largest padding size accepted for the body axis. */
export const MAX_BODIES_LIMIT = 64;

function fail(field: string, problem: string, fix: string): never {
  throw new Error(`BenchmarkConfig.${field} ${problem}; ${fix}`);
}

function int(cfg: Record<string, unknown>, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = cfg[field];
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(field, `must be an integer (got ${JSON.stringify(v)})`, `set it to an integer >= ${min}`);
  if (v < min) fail(field, `must be >= ${min} (got ${v})`, `set it to an integer >= ${min}`);
  if (v > max) fail(field, `must be <= ${max} (got ${v})`, `set it to an integer in [${min}, ${max}]`);
  return v;
}

function num(cfg: Record<string, unknown>, field: string, min: number, max: number, minExclusive = false): number {
  const v = cfg[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, `must be a finite number (got ${JSON.stringify(v)})`, `set it to a number in ${minExclusive ? '(' : '['}${min}, ${max}]`);
  if (minExclusive ? v <= min : v < min) fail(field, `must be ${minExclusive ? '>' : '>='} ${min} (got ${v})`, `set it to a number in ${minExclusive ? '(' : '['}${min}, ${max}]`);
  if (v > max) fail(field, `must be <= ${max} (got ${v})`, `set it to a number in ${minExclusive ? '(' : '['}${min}, ${max}]`);
  return v;
}

/**
 * Checks a config and returns it with the optional fields filled in. Throws an Error naming the offending field
 * and how to fix it (unknown fields are rejected too, so typos do not silently change nothing).
 */
export function validateBenchmarkConfig(cfg: BenchmarkConfig): ResolvedBenchmarkConfig {
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) {
    throw new Error('BenchmarkConfig must be an object; start from defaultBenchmarkConfig()');
  }
  const c = cfg as unknown as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (!KNOWN_KEYS.has(k)) fail(k, 'is not a known field', `remove it (known fields: ${[...KNOWN_KEYS].join(', ')})`);
  }
  for (const k of REQUIRED_KEYS) {
    if (c[k] === undefined) fail(k, 'is missing', 'set it (see defaultBenchmarkConfig())');
  }
  const merged = { ...SCENE_DEFAULTS, ...c } as Record<string, unknown>;
  for (const k of Object.keys(SCENE_DEFAULTS)) if (merged[k] === undefined) merged[k] = (SCENE_DEFAULTS as Record<string, number>)[k];

  const maxBodies = int(merged, 'maxBodies', 1, MAX_BODIES_LIMIT);
  const bodiesMin = int(merged, 'bodiesMin', 1);
  const bodiesMax = int(merged, 'bodiesMax', 1);
  if (bodiesMax < bodiesMin) fail('bodiesMax', `(${bodiesMax}) is below bodiesMin (${bodiesMin})`, 'raise bodiesMax or lower bodiesMin');
  if (bodiesMax > maxBodies) fail('bodiesMax', `(${bodiesMax}) exceeds maxBodies (${maxBodies})`, 'raise maxBodies (the padding size) or lower bodiesMax');

  const meshes = merged.meshes;
  if (!Array.isArray(meshes) || meshes.length === 0) fail('meshes', 'must be a non-empty array of mesh names', `use names from: ${MESH_NAMES.join(', ')}`);
  const seen = new Set<string>();
  for (const m of meshes) {
    if (typeof m !== 'string' || !MESH_NAMES.includes(m)) fail('meshes', `contains unknown mesh ${JSON.stringify(m)}`, `use names from: ${MESH_NAMES.join(', ')}`);
    if (seen.has(m)) fail('meshes', `lists "${m}" twice`, 'list each mesh once');
    seen.add(m);
  }

  num(merged, 'dt', 0, 0.1, true);
  const frames = int(merged, 'framesPerScene', 2, 100000);
  const k = int(merged, 'pastOffset', 1);
  const h = int(merged, 'horizon', 1);
  if (k + h >= frames) {
    fail('framesPerScene', `(${frames}) must exceed pastOffset + horizon (${k} + ${h})`, `raise framesPerScene above ${k + h} or lower pastOffset / horizon`);
  }
  int(merged, 'examplesPerScene', 1, frames - k - h);
  num(merged, 'gravity', 0, 1000, true);
  int(merged, 'valExamples', 0);
  int(merged, 'testExamples', 0);
  int(merged, 'seed', 0);

  const sMin = num(merged, 'scaleMin', 0.01, 100, false);
  const sMax = num(merged, 'scaleMax', 0.01, 100, false);
  if (sMax < sMin) fail('scaleMax', `(${sMax}) is below scaleMin (${sMin})`, 'raise scaleMax or lower scaleMin');
  const hMin = num(merged, 'dropHeightMin', 0, 1000);
  const hMax = num(merged, 'dropHeightMax', 0, 1000);
  if (hMax < hMin) fail('dropHeightMax', `(${hMax}) is below dropHeightMin (${hMin})`, 'raise dropHeightMax or lower dropHeightMin');
  num(merged, 'spawnRadius', 0, 1000);
  num(merged, 'maxLinearSpeed', 0, 1000);
  num(merged, 'maxAngularSpeed', 0, 1000);
  num(merged, 'friction', 0, 10);
  num(merged, 'restitution', 0, 1);
  num(merged, 'density', 0, 1e6, true);
  num(merged, 'approachSpeed', 0, 1000);
  if (merged.windStrength === undefined) merged.windStrength = DEFAULT_WIND_STRENGTH;
  const wind = num(merged, 'windStrength', 0, 100);

  const out = {} as Record<string, unknown>;
  for (const key of [...KNOWN_KEYS].sort()) out[key] = key === 'meshes' ? [...(merged.meshes as string[])] : merged[key];
  if (wind === 0) delete out.windStrength; // no wind: the same resolved config (hash, cache, data) as before the knob
  return out as unknown as ResolvedBenchmarkConfig;
}

/** JSON with object keys sorted recursively (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`canonicalJson: non-finite number ${value}`);
  return JSON.stringify(value);
}

/**
 * sha256 (hex) of the canonical JSON of the validated config with defaults filled in, so a config that spells out a
 * default value hashes like one that omits it. Validates first (throws on a bad config).
 */
export function benchmarkConfigHash(cfg: BenchmarkConfig): string {
  return createHash('sha256').update(canonicalJson(validateBenchmarkConfig(cfg))).digest('hex');
}
