/**
 * Binary dataset cache of the weight-space benchmark, in the format and with the rules every benchmark's cache
 * follows (libs/benchmark split-cache.ts):
 *
 *   "EQWS" | u32 LE header length | header JSON (space-padded to 4 bytes) | params, targets, waves, fitMse as LE Float32
 *
 * The header adds the INR layer sizes and the target names to the common fields. One file per (config hash,
 * split); the largest valid train file serves every smaller train size by prefix (a smaller one is extended).
 */
import type { BenchmarkDataset, LoadDatasetOptions, Split } from '@equiscale/benchmark';
import { decodeSplitFile, encodeSplitFile, fillFromBody, loadCachedSplits, splitFilePath, type SplitFileHeader } from '@equiscale/benchmark/cache';
import { validateWeightSpaceConfig, weightSpaceConfigHash, type TargetName, type WeightSpaceConfig } from './config.js';
import { concatWeightSpaceExamples, sliceWeightSpaceExamples, WEIGHT_SPACE_ARRAYS } from './examples.js';
import { allocWeightSpaceExamples, generateWeightSpaceExamples, GENERATOR_VERSION, type WeightSpaceExamples } from './generate.js';

export const WEIGHT_SPACE_CACHE_VERSION = 1;
const MAGIC = 'EQWS';
const FORMAT = 'equiscale-weight-space-examples';

interface Header extends SplitFileHeader {
  sizes: number[];
  targetNames: TargetName[];
}

const prefix = (hash: string) => `weight-space-${hash.slice(0, 24)}`;

export function weightSpaceCachePath(cacheDir: string, hash: string, split: Split, count?: number): string {
  return splitFilePath(cacheDir, prefix(hash), split, count);
}

export function encodeWeightSpaceCache(ex: WeightSpaceExamples, configHash: string, split: Split): Buffer {
  return encodeSplitFile<Header>(
    MAGIC,
    { format: FORMAT, formatVersion: WEIGHT_SPACE_CACHE_VERSION, generatorVersion: GENERATOR_VERSION, configHash, split, count: ex.count, sizes: ex.sizes, targetNames: ex.targetNames },
    WEIGHT_SPACE_ARRAYS.map((a) => ex[a]),
  );
}

export function decodeWeightSpaceCache(buf: Buffer, configHash: string, split: Split): { examples: WeightSpaceExamples } | { problem: string } {
  const r = decodeSplitFile<Header>(buf, MAGIC, { format: FORMAT, formatVersion: WEIGHT_SPACE_CACHE_VERSION, generatorVersion: GENERATOR_VERSION, configHash, split });
  if ('problem' in r) return r;
  const h = r.header;
  if (!Array.isArray(h.sizes) || !Array.isArray(h.targetNames)) return { problem: 'bad header' };
  const ex = allocWeightSpaceExamples(h.count, h.sizes, h.targetNames);
  const arrays = WEIGHT_SPACE_ARRAYS.map((n) => ex[n]);
  const problem = fillFromBody(h, r.body, arrays.reduce((a, x) => a + x.byteLength, 0), arrays);
  return problem ? { problem } : { examples: ex };
}

/** Train / val / test INRs of a config, generated once and cached in cacheDir (see module doc). */
export async function loadWeightSpaceDataset(config: WeightSpaceConfig, opts: LoadDatasetOptions): Promise<BenchmarkDataset<WeightSpaceExamples>> {
  const cfg = validateWeightSpaceConfig(config);
  const { trainSize } = opts;
  if (!Number.isInteger(trainSize) || trainSize < 0) throw new Error(`loadDataset: trainSize must be an integer >= 0 (got ${trainSize})`);
  const hash = weightSpaceConfigHash(cfg);
  const splits = await loadCachedSplits(
    {
      prefix: prefix(hash),
      decode: (buf, split) => decodeWeightSpaceCache(buf, hash, split),
      encode: (ex, split) => encodeWeightSpaceCache(ex, hash, split),
      generate: (split, start, count, onProgress) => generateWeightSpaceExamples(cfg, split, start, count, onProgress),
      concat: concatWeightSpaceExamples,
      slice: sliceWeightSpaceExamples,
    },
    opts.cacheDir,
    { train: trainSize, val: cfg.valExamples, test: cfg.testExamples },
    opts.onProgress,
  );
  return { ...splits, configHash: hash };
}
