/**
 * Binary dataset cache of the rigid-body benchmark, in the format and with the rules every benchmark's cache
 * follows (libs/benchmark split-cache.ts): one file per (config hash, split),
 *
 *   "EQRB" | u32 LE header length | header JSON (space-padded to 4 bytes) | body
 *
 * The body holds the Examples arrays (EXAMPLE_ARRAYS order) as little-endian Float32; the header adds the shape
 * (maxBodies, maxVerts, bodyFeatureCount) to the common fields. A file that does not verify is regenerated, never
 * used. Train files are named by their example count (see cacheFilePath).
 */
import { decodeSplitFile, encodeSplitFile, fillFromBody, loadCachedSplits, splitFilePath, type SplitFileHeader, type SplitStore } from '@equiscale/benchmark/cache';
import { benchmarkConfigHash, validateBenchmarkConfig } from './config.js';
import { allocExamples, concatExamples, EXAMPLE_ARRAYS, perExampleSizes, sliceExamples } from './examples.js';
import { generateExamples, GENERATOR_VERSION, type Split } from './generate.js';
import { BODY_FEATURES, MAX_VERTS } from './meshes.js';
import type { BenchmarkConfig, Examples } from './types.js';

export const CACHE_FORMAT_VERSION = 1;
const MAGIC = 'EQRB';
const FORMAT = 'equiscale-rigid-body-examples';

interface CacheHeader extends SplitFileHeader {
  maxBodies: number;
  maxVerts: number;
  bodyFeatureCount: number;
}

const filePrefix = (configHash: string) => `rigid-body-${configHash.slice(0, 24)}`;

/**
 * Path of a cache file. Val and test have one file per config; train files carry their example count, so writers
 * of different training-set sizes never replace each other's file (the largest one serves every smaller size).
 */
export function cacheFilePath(cacheDir: string, configHash: string, split: Split, count?: number): string {
  return splitFilePath(cacheDir, filePrefix(configHash), split, count);
}

/** Serialises examples with a header (see module doc). */
export function encodeCacheFile(ex: Examples, configHash: string, split: Split): Buffer {
  return encodeSplitFile<CacheHeader>(
    MAGIC,
    {
      format: FORMAT,
      formatVersion: CACHE_FORMAT_VERSION,
      generatorVersion: GENERATOR_VERSION,
      configHash,
      split,
      count: ex.count,
      maxBodies: ex.maxBodies,
      maxVerts: ex.maxVerts,
      bodyFeatureCount: ex.bodyFeatureCount,
    },
    EXAMPLE_ARRAYS.map((n) => ex[n]),
  );
}

/** Parses and verifies a cache file; returns the examples or the reason it cannot be used. */
export function decodeCacheFile(buf: Buffer, configHash: string, split: Split): { examples: Examples } | { problem: string } {
  const r = decodeSplitFile<CacheHeader>(buf, MAGIC, { format: FORMAT, formatVersion: CACHE_FORMAT_VERSION, generatorVersion: GENERATOR_VERSION, configHash, split });
  if ('problem' in r) return r;
  const h = r.header;
  for (const k of ['maxBodies', 'maxVerts', 'bodyFeatureCount', 'bodyBytes'] as const) {
    if (!Number.isInteger(h[k]) || h[k] < 0) return { problem: `bad header field ${k}` };
  }
  const sz = perExampleSizes(h.maxBodies, h.maxVerts, h.bodyFeatureCount);
  const ex = allocExamples(h.count, h.maxBodies, h.maxVerts, h.bodyFeatureCount);
  const bytes = EXAMPLE_ARRAYS.reduce((a, n) => a + sz[n] * h.count * 4, 0);
  const problem = fillFromBody(h, r.body, bytes, EXAMPLE_ARRAYS.map((n) => ex[n]));
  return problem ? { problem } : { examples: ex };
}

/** How a split was obtained: read from cache, cache extended with more train examples, or generated anew. */
export type CacheStatus = 'hit' | 'extended' | 'generated';

export interface LoadDatasetOptions {
  /** Training-set size in examples (a prefix of the train stream). */
  trainSize: number;
  /** Directory for cache files (created if missing). */
  cacheDir: string;
  /** Called as generation proceeds with (examples generated, examples to generate in this call). */
  onProgress?: (done: number, total: number) => void;
}

export interface Dataset {
  train: Examples;
  val: Examples;
  test: Examples;
  /** Per split: whether the cache served it. */
  cache: Record<Split, CacheStatus>;
  /** Why a cache file present on disk could not be used (corrupt, mismatched ...), per split; absent if fine/missing. */
  cacheProblems: Partial<Record<Split, string>>;
  configHash: string;
}

/**
 * Train / val / test examples of a benchmark config, generated once and cached in `cacheDir`. A cached train set at
 * least as large as `trainSize` serves it by prefix; a smaller one is extended (prefix stability makes that exact).
 */
export async function loadDataset(config: BenchmarkConfig, opts: LoadDatasetOptions): Promise<Dataset> {
  const cfg = validateBenchmarkConfig(config);
  const { trainSize } = opts;
  if (!Number.isInteger(trainSize) || trainSize < 0) throw new Error(`loadDataset: trainSize must be an integer >= 0 (got ${trainSize})`);
  const hash = benchmarkConfigHash(cfg);
  const store: SplitStore<Examples> = {
    prefix: filePrefix(hash),
    decode: (buf, split) => decodeCacheFile(buf, hash, split),
    encode: (ex, split) => encodeCacheFile(ex, hash, split),
    usable: (_split, ex) => ex.maxBodies === cfg.maxBodies && ex.maxVerts === MAX_VERTS && ex.bodyFeatureCount === BODY_FEATURES,
    generate: (split, start, count, onProgress) => generateExamples(cfg, split, start, count, { onProgress }),
    concat: concatExamples,
    slice: sliceExamples,
  };
  const splits = await loadCachedSplits(store, opts.cacheDir, { train: trainSize, val: cfg.valExamples, test: cfg.testExamples }, opts.onProgress);
  return { ...splits, configHash: hash };
}
